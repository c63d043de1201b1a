"""Oversight (DESIGN §1): the daily phone spot-check (电话抽查).

Each day, for each street, a reproducible random sample of the street's
assistance recipients is drawn (`spotchecks.draw`, documented in
docs/oversight.md) and stored, so every later look at that day returns the same
people in the same order. Each drawn person is a `SpotCheckCall` to make; each
dial is a `CallAttempt` (reached or not: not reached is retried later that day).
A problem found becomes a help request (casework, source "spot_check").

Calls carry the person's region code (`region_id`, copied when drawn) so lists
and duties are one indexed range, like casework's records.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access
from nuanxin.regions.districts import DistrictField, district_check

# When a district has no setting: five people a street a day, nobody twice in 30 days.
DEFAULT_COUNT = 5
DEFAULT_SKIP_DAYS = 30


class SpotCheckSetting(models.Model):
    """How many of each street's recipients a district calls each day: a count or a share."""

    region = models.OneToOneField(
        "regions.Region", models.CASCADE, related_name="+", verbose_name=_("district")
    )
    count = models.PositiveSmallIntegerField(
        _("people per street"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    share = models.PositiveSmallIntegerField(
        _("share per street (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Used when no count is given: this percentage of each street's recipients."),
    )
    skip_days = models.PositiveSmallIntegerField(
        _("skip people reached in the last (days)"),
        default=DEFAULT_SKIP_DAYS,
        validators=[MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("spot-check setting")
        verbose_name_plural = _("spot-check settings")

    def __str__(self):
        return f"{self.region_id}"


class SpotCheckDraw(models.Model):
    """One street's sample for one day, stored when first drawn."""

    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    day = models.DateField(_("date"))
    seed = models.CharField(max_length=64)  # the SHA-256 hex digest, for anyone re-checking
    candidates = models.PositiveIntegerField(default=0)  # recipients eligible that day
    size = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "region_id"]
        verbose_name = _("spot-check sample")
        verbose_name_plural = _("spot-check samples")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="oversight_draw_street_day")
        ]

    def __str__(self):
        return f"{self.region_id} {self.day}"


class CallStatus(models.TextChoices):
    PENDING = "pending", _("to call")
    UNREACHED = "unreached", _("not reached, call again")
    REACHED = "reached", _("reached")


class SpotCheckCall(models.Model):
    """A drawn person: the call to make, and its latest outcome."""

    draw = models.ForeignKey(SpotCheckDraw, models.CASCADE, related_name="calls")
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="spot_checks", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15)
    day = models.DateField(_("date"))  # the draw's, copied for the duty and report queries
    position = models.PositiveSmallIntegerField()  # order in the sample, from 1
    status = models.CharField(
        _("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    ok = models.BooleanField(_("living situation OK"), null=True, blank=True)
    needs = models.CharField(_("needs"), max_length=300, blank=True)
    winter_issue = models.CharField(_("winter issues"), max_length=300, blank=True)
    epidemic_issue = models.CharField(_("epidemic issues"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    help_request = models.ForeignKey(
        "casework.HelpRequest",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("help request"),
    )
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "region_id", "position"]
        verbose_name = _("spot-check call")
        verbose_name_plural = _("spot-check calls")
        constraints = [
            district_check("oversight_spotcheckcall"),
            models.UniqueConstraint(
                fields=["draw", "person", "district"], name="oversight_call_once"
            ),
        ]
        indexes = [
            models.Index(fields=["day", "region_id"], name="oversight_call_day_region"),
            models.Index(fields=["status", "day", "region_id"], name="oversight_call_status"),
            models.Index(fields=["person", "day"], name="oversight_call_person_day"),
        ]

    def __str__(self):
        return f"{self.person} {self.day}"

    @property
    def problem(self) -> bool:
        return self.status == CallStatus.REACHED and (self.ok is False or bool(self.needs))


class CallAttempt(models.Model):
    """One dial: who, when, reached or not. A phone's retry (same client_id) is stored once."""

    gate_region = "call__region_id"
    call = models.ForeignKey(SpotCheckCall, models.CASCADE, related_name="attempt_set")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reached = models.BooleanField()
    ok = models.BooleanField(null=True, blank=True)
    needs = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    district = DistrictField(source="call")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["by", "client_id", "district"],
                condition=models.Q(client_id__isnull=False),
                name="oversight_attempt_client_id_per_author",
            )
        ]

    def __str__(self):
        return f"{self.call} {self.at:%H:%M}"


# --- joint supervision (联合督导) ------------------------------------------------------------


class SupervisionTeam(models.Model):
    """A joint team drawn from departments of the directory (民政, 人社, 残联, 卫健 …)."""

    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("district")
    )
    departments = models.ManyToManyField(
        "directory.Organisation", related_name="supervision_teams", verbose_name=_("departments")
    )
    leader = models.CharField(_("leader"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("supervision team")
        verbose_name_plural = _("supervision teams")

    def __str__(self):
        return self.name


class SupervisionPlan(models.Model):
    """Which places a team inspects, when, and what it looks at."""

    team = models.ForeignKey(SupervisionTeam, models.PROTECT, related_name="plans")
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("district")
    )
    title = models.CharField(_("title"), max_length=120)
    targets = models.ManyToManyField(
        "regions.Region", related_name="+", verbose_name=_("streets and communities")
    )
    other_targets = models.CharField(_("caregivers or institutions"), max_length=300, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    focus = models.CharField(_("focus areas"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("supervision plan")
        verbose_name_plural = _("supervision plans")

    def __str__(self):
        return self.title


class InspectionMethod(models.TextChoices):
    ON_SITE = "on_site", _("on-site check")
    QUESTIONING = "questioning", _("questioning people")
    LEDGER_REVIEW = "ledger_review", _("ledger review")
    UNANNOUNCED = "unannounced", _("unannounced visit (四不两直)")


# The API names schema components by class: a distinct name keeps its enum apart from
# the other apps' "Method"s in the OpenAPI document.
Method = InspectionMethod


class Inspection(models.Model):
    """One inspection of a place (a street or community) by a method, on a day."""

    plan = models.ForeignKey(
        SupervisionPlan, models.PROTECT, related_name="inspections", verbose_name=_("plan")
    )
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("place inspected")
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    on = models.DateField(_("date"))
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return f"{self.get_method_display()} {self.on}"


class Severity(models.TextChoices):
    CRITICAL = "critical", _("critical")
    MAJOR = "major", _("major")
    MINOR = "minor", _("minor")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("to rectify")
    DONE = "done", _("rectified, to verify")
    VERIFIED = "verified", _("verified")


class Finding(models.Model):
    """What an inspection found, the unit responsible, and its rectification (整改): an owner,
    a deadline, done by the owner, verified by the finding's author or an officer."""

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings")
    region_id = models.CharField(max_length=15, db_index=True)  # the inspection's, copied
    text = models.TextField(_("finding"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    responsible_unit = models.ForeignKey(
        "directory.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    responsible_name = models.CharField(
        _("responsible unit"), max_length=120, help_text=_("e.g. 和美社区居委会")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="rectifications",
        verbose_name=_("rectification owner"),
    )
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    done_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    done_note = models.CharField(_("what was done"), max_length=300, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["status", "deadline", "region_id"], name="oversight_finding_due"),
            models.Index(fields=["owner", "status", "deadline"], name="oversight_finding_owner"),
        ]

    def __str__(self):
        return self.text[:60]


# --- street rescue (街面巡查救助) ------------------------------------------------------------


class Patrol(models.Model):
    """A night patrol: a team on a route in a district, from start to end."""

    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("district")
    )
    team = models.CharField(_("team"), max_length=120)
    route = models.CharField(_("route"), max_length=300)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self):
        return f"{self.team} {self.started_at:%Y-%m-%d}"


class EncounterOutcome(models.TextChoices):
    STATION = "station", _("persuaded into the rescue station")
    HOSPITAL = "hospital", _("sent to hospital")
    HOME = "home", _("helped home")
    TICKET = "ticket", _("given a ticket home")
    DECLINED = "declined", _("declined, given supplies")
    POLICE = "police", _("referred to the police")


Outcome = EncounterOutcome  # a distinct class name: the OpenAPI document names enums by it


class Encounter(models.Model):
    """Someone a patrol met: identified (a registry record) or described."""

    patrol = models.ForeignKey(Patrol, models.PROTECT, related_name="encounters")
    region_id = models.CharField(max_length=15, db_index=True)  # the patrol's district
    at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    person = models.ForeignKey(
        "registry.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
        verbose_name=_("person"),
    )
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("For someone not identified: sex, apparent age, clothing, what they said."),
    )
    condition = models.CharField(_("condition"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    follow_ups = models.CharField(_("follow-ups"), max_length=300, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        constraints = [
            district_check("oversight_encounter"),
            models.UniqueConstraint(
                fields=["created_by", "client_id", "district"],
                condition=models.Q(client_id__isnull=False),
                name="oversight_encounter_client_id_per_author",
            ),
        ]
        indexes = [models.Index(fields=["region_id", "at"], name="oversight_encounter_at")]

    def __str__(self):
        return f"{self.who} {self.at:%Y-%m-%d %H:%M}"

    @property
    def who(self) -> str:
        return self.person.name if self.person_id else self.description[:30]
