"""Tiers, visit policies, the per-person visit schedule, visits, findings, follow-ups,
cold-snap alerts and monthly sign-offs (DESIGN §1: Tier, Duty, Visit)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access
from nuanxin.core.tiers import Tier
from nuanxin.regions.districts import DistrictField, district_check

from . import rules


class Method(models.TextChoices):
    HOME = "home", _("home visit")
    PHONE = "phone", _("phone")
    VIDEO = "video", _("video call")
    PROPERTY = "property", _("via property management")
    PARTNER = "partner", _("by a pairing partner")


class WithWhom(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    SOCIAL_WORKER = "social_worker", _("social worker")
    VOLUNTEER = "volunteer", _("volunteer")
    PROPERTY_STAFF = "property_staff", _("property-management staff")
    PAIRING_PARTNER = "pairing_partner", _("pairing partner")


class Outcome(models.TextChoices):
    MET = "met", _("met")
    NOT_AT_HOME = "not_at_home", _("not at home")
    REFUSED = "refused", _("refused")
    IN_HOSPITAL = "in_hospital", _("in hospital")
    MOVED = "moved", _("moved away")
    DECEASED = "deceased", _("deceased")


# Outcomes that explain a missing visit in the monthly rate (recorded, not assumed).
EXPLAINING_OUTCOMES = (Outcome.REFUSED, Outcome.IN_HOSPITAL, Outcome.MOVED, Outcome.DECEASED)


class TierRule(models.Model):
    """One rule of the tier derivation, as data the city admin edits.

    A rule matches when every condition it sets holds. Conditions (all optional):
    categories (any of these active enrollments), min_age, max_age, living (any of),
    self_care (any of "self", "partly", "fully"), severe_disability (true/false),
    has_guardian (true/false: a contact marked guardian), has_carer (true/false: a
    contact marked guardian or emergency contact), any_enrollment (true);
    from the latest needs assessment: min_adl_dependent (at least N of the six
    daily activities need help), loneliness (any of "none", "some", "severe").
    """

    name = models.CharField(_("name"), max_length=120)
    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices)
    conditions = models.JSONField(_("conditions"), default=dict)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    CONDITION_KEYS = {
        "categories",
        "min_age",
        "max_age",
        "living",
        "self_care",
        "severe_disability",
        "has_guardian",
        "has_carer",
        "any_enrollment",
        "min_adl_dependent",
        "loneliness",
    }

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")

    def __str__(self):
        return f"{self.get_tier_display()}: {self.name}"

    def clean(self):
        unknown = set(self.conditions or {}) - self.CONDITION_KEYS
        if unknown:
            raise ValidationError(
                {"conditions": _("Unknown conditions: %(keys)s") % {"keys": ", ".join(unknown)}}
            )
        if not self.conditions:
            raise ValidationError({"conditions": _("A rule needs at least one condition.")})


class TierRaise(models.Model):
    """A worker's decision to raise a person's tier, with a reason and an end date."""

    gate_region = "person__region_id"

    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="tier_raises")
    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices)
    reason = models.CharField(_("reason"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    visit = models.ForeignKey(
        "Visit", models.SET_NULL, null=True, blank=True, related_name="tier_raises"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField(source="person")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("tier raise")
        verbose_name_plural = _("tier raises")

    def __str__(self):
        return f"{self.get_tier_display()} · {self.reason}"

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})


class VisitPolicy(models.Model):
    """How often a tier must be reached, from a date on (versioned: never edited in place)."""

    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices)
    valid_from = models.DateField(_("applies from"))
    max_gap_days = models.PositiveSmallIntegerField(_("longest allowed gap (days)"))
    methods = models.JSONField(
        _("methods that count"), default=list, help_text=_('e.g. ["home", "phone"]')
    )
    major_change_hours = models.PositiveSmallIntegerField(
        _("visit within (hours) after a major change"), default=24
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tier", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "valid_from"], name="visitpolicy_one_per_day")
        ]
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")

    def __str__(self):
        return f"{self.get_tier_display()} ≤ {self.max_gap_days}d ({self.valid_from})"

    def clean(self):
        if not self.max_gap_days:
            raise ValidationError({"max_gap_days": _("The gap must be at least one day.")})
        bad = set(self.methods or []) - set(Method.values)
        if bad or not self.methods:
            raise ValidationError({"methods": _("Name at least one known method.")})


class ColdSnap(models.Model):
    """A cold-snap alert (寒潮预警): a stricter policy for some districts and dates."""

    name = models.CharField(_("name"), max_length=120)
    districts = models.ManyToManyField("regions.Region", verbose_name=_("districts"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    red_gap_days = models.PositiveSmallIntegerField(_("red: contact every (days)"), default=1)
    red_methods = models.JSONField(_("red: methods"), default=list)
    yellow_gap_days = models.PositiveSmallIntegerField(_("yellow: contact every (days)"), default=3)
    yellow_methods = models.JSONField(_("yellow: methods"), default=list)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("cold-snap alert")
        verbose_name_plural = _("cold-snap alerts")

    def __str__(self):
        return self.name

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})

    def gap_for(self, tier: str) -> tuple[int | None, list[str]]:
        if tier == Tier.RED:
            return self.red_gap_days, self.red_methods
        if tier == Tier.YELLOW:
            return self.yellow_gap_days, self.yellow_methods
        return None, []

    def covers(self, day: dt.date) -> bool:
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on


class VisitSchedule(models.Model):
    """Each person's tier and next visit due: the stored, indexed visit duty.

    Maintained by the services whenever a visit is recorded, a tier, status,
    policy or cold snap changes, so that worklists and blind-spot reports are
    range scans on (region_id, due_on) — not loops over people.
    """

    person = models.OneToOneField(
        "registry.Person", models.CASCADE, primary_key=True, related_name="visit_schedule"
    )
    # A copy of the person's region code (the person table stays untouched by range scans).
    region_id = models.CharField(max_length=15)
    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices, blank=True)
    tier_rank = models.PositiveSmallIntegerField(default=3)
    tier_why = models.CharField(_("why"), max_length=300, blank=True)
    tier_rule = models.ForeignKey(TierRule, models.SET_NULL, null=True, blank=True)
    tier_raise = models.ForeignKey(TierRaise, models.SET_NULL, null=True, blank=True)
    # In scope from this day (first tiered); out of it from `out_on` (moved, deceased, no tier).
    in_scope_since = models.DateField()
    out_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)  # has a visit duty now (status active, in scope)
    last_contact_on = models.DateField(null=True, blank=True)  # last "met", any method
    last_home_on = models.DateField(null=True, blank=True)  # last "met" at home
    major_change_at = models.DateTimeField(null=True, blank=True)
    major_change_note = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(null=True, blank=True)
    due_reason = models.CharField(max_length=20, blank=True)  # policy / cold_snap / major_change
    updated_at = models.DateTimeField(auto_now=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("visits_visitschedule")]
        indexes = [
            models.Index(fields=["region_id", "due_on"], name="schedule_region_due_idx"),
            models.Index(fields=["due_on", "region_id"], name="schedule_due_region_idx"),
            # Coverage: who was in scope in a month, per region, from the index alone.
            models.Index(
                fields=["region_id", "tier", "in_scope_since", "out_on"],
                name="schedule_scope_idx",
            ),
            # …and the month's visited people joined to their scope by person, from the
            # index alone (one seek per visited person instead of index + row).
            models.Index(
                fields=["person", "region_id", "tier", "in_scope_since", "out_on"],
                name="schedule_person_scope_idx",
            ),
        ]
        verbose_name = _("visit schedule")
        verbose_name_plural = _("visit schedules")

    def __str__(self):
        return f"{self.person_id} {self.tier} {self.due_on}"

    @property
    def why_text(self) -> str:
        """Why this tier, worded now in the reader's language (from the rule or raise)."""
        if self.tier_raise_id and self.tier_raise is not None:
            return rules.raise_why(self.tier_raise)
        if self.tier_rule_id and self.tier_rule is not None:
            return rules.rule_why(self.tier_rule)
        return self.tier_why


class ChecklistVersion(models.Model):
    """The visit checklist, versioned: a visit keeps the version it was answered against."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    valid_from = models.DateField(_("applies from"))
    # [{"code": "gas_hose_age", "section": "gas", "label": "...", "rectify": true}, ...]
    items = models.JSONField(_("items"), default=list)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")

    def __str__(self):
        return f"v{self.version}"


class Visit(models.Model):
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="visits")
    # The person's region when visited: coverage counts where the visit happened.
    region_id = models.CharField(max_length=15)
    visited_on = models.DateField(_("date"))
    month = models.DateField(editable=False)  # first day of visited_on's month, for coverage
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    with_whom = models.CharField(_("visited by"), max_length=20, choices=WithWhom.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    checklist_version = models.ForeignKey(
        ChecklistVersion, models.PROTECT, null=True, blank=True, verbose_name=_("checklist")
    )
    # {item code: "ok" | "fail" | "na"}
    checklist = models.JSONField(_("checklist answers"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Sent by a phone with each visit so a retry is stored once: unique per author.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Recorded after the month's figures were signed off (shown as such).
    late = models.BooleanField(_("after sign-off"), default=False)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [
            # Coverage: a month's visits in a region, read from the index alone.
            models.Index(
                fields=["month", "region_id", "person", "outcome", "method"],
                name="visit_month_idx",
            ),
            # …and a district's or the city's month, in person order (streams the GROUP BY).
            models.Index(
                fields=["month", "person", "region_id", "outcome", "method"],
                name="visit_month_person_idx",
            ),
            models.Index(fields=["person", "visited_on"], name="visit_person_idx"),
            models.Index(fields=["region_id", "visited_on"], name="visit_region_idx"),
        ]
        constraints = [
            district_check("visits_visit"),
            models.UniqueConstraint(
                fields=["recorded_by", "client_id", "district"],
                condition=models.Q(client_id__isnull=False),
                name="visit_client_id_per_author",
            ),
        ]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self):
        return f"{self.person_id} {self.visited_on} {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        self.month = self.visited_on.replace(day=1)
        super().save(*args, **kwargs)


class FindingKind(models.TextChoices):
    RAISE_TIER = "raise_tier", _("raise the tier")
    MAJOR_CHANGE = "major_change", _("major change (24-hour rule)")
    MOVED = "moved", _("has moved")
    IN_HOSPITAL = "in_hospital", _("is in hospital")
    DISCHARGED = "discharged", _("back from hospital")
    DECEASED = "deceased", _("has died")
    FOLLOW_UP = "follow_up", _("follow-up needed")


class Finding(models.Model):
    gate_region = "visit__region_id"
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    text = models.CharField(_("what was found"), max_length=300)
    tier = models.CharField(_("raise to"), max_length=6, choices=Tier.choices, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    district = DistrictField(source="visit")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text}"


class FollowUpKind(models.TextChoices):
    HELP_REQUEST = "help_request", _("help request")
    SERVICE_TASK = "service_task", _("service task")
    RECTIFICATION = "rectification", _("rectification")


class FollowUp(models.Model):
    """A typed follow-up from a visit, waiting for casework to pick it up."""

    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="follow_ups")
    region_id = models.CharField(max_length=15, db_index=True)
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="follow_ups")
    finding = models.ForeignKey(Finding, models.SET_NULL, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    text = models.CharField(_("what is needed"), max_length=300)
    checklist_item = models.CharField(max_length=40, blank=True)
    # A recurring task: daily for `repeat_days` days (0 = once).
    repeat_days = models.PositiveSmallIntegerField(_("daily for (days)"), default=0)
    # For a service task: which job (a casework TaskKind value) and, when the
    # visitor named one, who does it. Plain text, not choices: visits must not
    # depend on casework's migrations; casework validates the value.
    task_kind = models.CharField(_("task"), max_length=20, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assign to"),
    )
    due_on = models.DateField(_("due"))
    # Set by the casework app when it turns this into a help request / task.
    picked_up_at = models.DateTimeField(null=True, blank=True)
    picked_up_ref = models.CharField(max_length=60, blank=True)
    # Who answers for it until it is done: the task's assignee, else the person's
    # usual worker (set by casework). Closed when the task or request ends.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("visits_followup")]
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text}"

    # What casework made of it, by the reference it leaves ("help_request:12",
    # "casework.servicetask:7"): a page to open, without visits importing casework.
    PICKED_UP_PAGES = {
        "help_request": "casework:request_detail",
        "casework.servicetask": "casework:task_detail",
    }

    @property
    def picked_up_url(self) -> str:
        label, _sep, pk = self.picked_up_ref.partition(":")
        name = self.PICKED_UP_PAGES.get(label)
        if not name or not pk.isdigit():
            return ""
        try:
            return reverse(name, args=[int(pk)])
        except NoReverseMatch:
            return ""


class CoverageSignoff(models.Model):
    """A community's monthly figures signed by the community worker, countersigned by the street."""

    region = models.ForeignKey("regions.Region", models.PROTECT, verbose_name=_("community"))
    month = models.DateField(_("month"))  # first day
    figures = models.JSONField(default=dict)  # in_scope, visited, explained, missed, rate
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed at"))
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    countersigned_at = models.DateTimeField(_("countersigned at"), null=True, blank=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="signoff_one_per_month")
        ]
        verbose_name = _("coverage sign-off")
        verbose_name_plural = _("coverage sign-offs")

    def __str__(self):
        return f"{self.region_id} {self.month:%Y-%m}"


class CoverageMonth(models.Model):
    """A finished month's figures for one region, kept so trends need no recount.

    Dropped for the region and its ancestors when a visit for that month is
    recorded late; recomputed on the next read.
    """

    region_code = models.CharField(max_length=15)
    month = models.DateField()
    in_scope = models.PositiveIntegerField()
    visited = models.PositiveIntegerField()
    explained = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "month"], name="coveragemonth_unique")
        ]
        verbose_name = _("monthly coverage figures")
        verbose_name_plural = _("monthly coverage figures")

    def __str__(self):
        return f"{self.region_code} {self.month:%Y-%m}"


class VisitTally(models.Model):
    """A person's visits in one month, counted: the city's coverage reads these, not visits.

    Recounted from the visits whenever one is recorded (under the person's row lock),
    and rebuilt after bulk loads (`visits_refresh --tallies`). `region_id` is where the
    month's visits happened; when they happened in more than one region (`split`),
    coverage goes back to those visits to count each region's share.
    """

    person = models.ForeignKey(
        "registry.Person", models.CASCADE, related_name="+", db_index=False
    )  # the covering index below leads with the month; person deletes are rare
    month = models.DateField()
    region_id = models.CharField(max_length=15)
    split = models.BooleanField(default=False)
    # "met" visits by method, and whether any visit explains a miss (EXPLAINING_OUTCOMES).
    n_home = models.PositiveIntegerField(default=0)
    n_phone = models.PositiveIntegerField(default=0)
    n_video = models.PositiveIntegerField(default=0)
    n_property = models.PositiveIntegerField(default=0)
    n_partner = models.PositiveIntegerField(default=0)
    explained = models.BooleanField(default=False)
    district = DistrictField()

    class Meta:
        constraints = [district_check("visits_visittally")]
        indexes = [
            # The city's month in person order, read from the index alone; the few
            # people visited in several regions (split) apart, to be recounted.
            models.Index(
                fields=[
                    "month",
                    "split",
                    "person",
                    "region_id",
                    "n_home",
                    "n_phone",
                    "n_video",
                    "n_property",
                    "n_partner",
                    "explained",
                ],
                name="visittally_month_idx",
            ),
        ]
        verbose_name = _("monthly visit tally")
        verbose_name_plural = _("monthly visit tallies")

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m}"
