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

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "region_id", "position"]
        verbose_name = _("spot-check call")
        verbose_name_plural = _("spot-check calls")
        constraints = [
            models.UniqueConstraint(fields=["draw", "person"], name="oversight_call_once"),
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

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["by", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="oversight_attempt_client_id_per_author",
            )
        ]

    def __str__(self):
        return f"{self.call} {self.at:%H:%M}"
