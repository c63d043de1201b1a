"""Care arrangements (DESIGN §1): entrusted-care agreements, absences and substitutes.

An entrusted-care agreement (委托照料服务协议) binds three parties: the street,
a dispersed 特困 person and a caregiver (a relative, a neighbour or an
organisation), with the duties agreed, the care level and a monthly fee. When
the caregiver cannot serve, the absence is recorded and a substitute named for
those dates; a substitute not named within 24 hours of the report puts the
person on the blind-spot report.

Every record copies the person's region code so lists and duties are one
indexed range scan through the gate.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access
from nuanxin.regions.districts import DistrictField, district_check

# How long the officer has to name a substitute once an absence is reported.
SUBSTITUTE_WITHIN = dt.timedelta(hours=24)


class CaregiverKind(models.TextChoices):
    RELATIVE = "relative", _("relative")
    NEIGHBOUR = "neighbour", _("neighbour")
    ORGANISATION = "organisation", _("organisation")
    OTHER = "other", _("other")


class CareDuty(models.TextChoices):
    DAILY_LOOK_IN = "daily_look_in", _("daily look-in")
    PERSONAL_CARE = "personal_care", _("personal care")
    MEALS = "meals", _("meals")
    HOSPITAL = "hospital", _("hospital accompaniment")
    EMERGENCY = "emergency", _("emergency contact")


class CareLevel(models.TextChoices):
    """From the person's self-care: 自理 / 半失能 / 失能."""

    SELF_CARING = "self", _("self-caring (自理)")
    PARTLY_LOST = "partly", _("partly disabled (半失能)")
    FULLY_LOST = "fully", _("fully disabled (失能)")


class Party(models.Model):
    """Who cares: a person by name and phone, or an organisation from the directory."""

    caregiver_kind = models.CharField(
        _("caregiver is a"), max_length=14, choices=CaregiverKind.choices
    )
    caregiver_name = models.CharField(_("caregiver's name"), max_length=60)
    caregiver_phone = models.CharField(_("caregiver's phone"), max_length=20)
    caregiver_id_number = models.CharField(_("caregiver's ID number"), max_length=18, blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.caregiver_kind == CaregiverKind.ORGANISATION and self.organisation_id is None:
            raise ValidationError({"organisation": _("Name the organisation that cares.")})


def agreement_document_path(agreement, filename: str) -> str:
    """care/YYYY/MM/<random>.<ext>: the uploaded name (often the person's) is not kept."""
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"care/{dt.date.today():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class CareAgreementQuerySet(access.RestrictedQuerySet):
    def active_on(self, day: dt.date):
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class CareAgreement(Party):
    person = models.ForeignKey(
        "registry.Person",
        models.PROTECT,
        related_name="care_agreements",
        verbose_name=_("person"),
    )
    region_id = models.CharField(max_length=15, db_index=True)
    # The street that signs for the government: the person's street when signed.
    street = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("street")
    )
    duties = models.JSONField(_("duties agreed"), default=list)
    care_level = models.CharField(_("care level"), max_length=8, choices=CareLevel.choices)
    monthly_fee_fen = models.PositiveIntegerField(_("monthly fee (fen)"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    renews = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renews"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The signed agreement (a scan or photo), served only through the gate, never a media URL.
    document = models.FileField(
        _("signed document"), upload_to=agreement_document_path, max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = CareAgreementQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_careagreement")]
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["person", "starts_on"], name="careagreement_person_idx")]
        verbose_name = _("entrusted-care agreement")
        verbose_name_plural = _("entrusted-care agreements")

    def __str__(self):
        return f"{self.person} ← {self.caregiver_name}"

    def clean(self):
        super().clean()
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The agreement cannot end before it starts.")})
        unknown = [d for d in self.duties or [] if d not in CareDuty.values]
        if not self.duties or unknown:
            raise ValidationError({"duties": _("Choose the duties agreed.")})

    def is_active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    @property
    def monthly_fee_yuan(self) -> str:
        return f"{self.monthly_fee_fen // 100}.{self.monthly_fee_fen % 100:02d}"

    def duty_labels(self) -> list[str]:
        labels = dict(CareDuty.choices)
        return [str(labels.get(d, d)) for d in self.duties]


class CareAbsence(models.Model):
    """The caregiver cannot serve from `starts_at` to `ends_at` (ill, away …)."""

    agreement = models.ForeignKey(
        CareAgreement, models.CASCADE, related_name="absences", verbose_name=_("agreement")
    )
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    region_id = models.CharField(max_length=15, db_index=True)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    # When the caregiver told the street: the 24 hours to name a substitute run from here.
    reported_at = models.DateTimeField(_("reported at"))
    substitute_due_at = models.DateTimeField(_("substitute due by"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_careabsence")]
        ordering = ["-starts_at", "-id"]
        verbose_name = _("caregiver absence")
        verbose_name_plural = _("caregiver absences")

    def __str__(self):
        return f"{self.agreement.caregiver_name}: {self.reason}"

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The absence must end after it starts.")})


class CareSubstitute(Party):
    """Another party who takes on the same duties for the dates of one absence."""

    absence = models.OneToOneField(
        CareAbsence, models.CASCADE, related_name="substitute", verbose_name=_("absence")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    named_at = models.DateTimeField(_("named at"))
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_caresubstitute")]
        ordering = ["-named_at", "-id"]
        verbose_name = _("substitute caregiver")
        verbose_name_plural = _("substitute caregivers")

    def __str__(self):
        return self.caregiver_name


# --- caregiver checks -------------------------------------------------------------------

# A check is due at least monthly per agreement (counted from the last one, or the start).
CHECK_EVERY = dt.timedelta(days=30)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    PARTLY = "partly", _("partly satisfied")
    NOT = "not", _("not satisfied")


class CareCheck(models.Model):
    """The street or community checks that the caregiver does what was agreed.

    Unannounced checks follow 四不两直: no notice, no greeting, no escort, straight
    to the home. Findings become a rectification task with an owner and a deadline.
    """

    agreement = models.ForeignKey(
        CareAgreement, models.CASCADE, related_name="checks", verbose_name=_("agreement")
    )
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    region_id = models.CharField(max_length=15, db_index=True)
    checked_on = models.DateField(_("checked on"))
    unannounced = models.BooleanField(_("unannounced (四不两直)"), default=False)
    # Each agreed duty: performed (True) or not (False).
    duties_performed = models.JSONField(_("duties performed"), default=dict)
    home_ok = models.BooleanField(_("the home is in order"), default=True)
    satisfaction = models.CharField(
        _("the person's satisfaction"), max_length=10, choices=Satisfaction.choices
    )
    findings = models.TextField(_("findings"), blank=True)
    rectification = models.ForeignKey(
        "casework.ServiceTask",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectification task"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_carecheck")]
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["agreement", "checked_on"], name="carecheck_agreement_idx")]
        verbose_name = _("caregiver check")
        verbose_name_plural = _("caregiver checks")

    def __str__(self):
        return f"{self.agreement} · {self.checked_on}"

    @property
    def duties_missed(self) -> list[str]:
        labels = dict(CareDuty.choices)
        return [str(labels.get(d, d)) for d, done in self.duties_performed.items() if not done]


# --- pairing (结对帮扶) --------------------------------------------------------------------


class PairingQuerySet(access.RestrictedQuerySet):
    def active_on(self, day: dt.date):
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class Pairing(models.Model):
    """A partner organisation paired one-to-one with a child (orphans and de-facto
    unsupported children first). The organisation is one of the directory's."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        models.PROTECT,
        related_name="pairings",
        verbose_name=_("partner organisation"),
    )
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="pairings", verbose_name=_("child")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    # What study help needs; shown to the partner with the child's name and age.
    school = models.CharField(_("school"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            district_check("care_pairing"),
            models.UniqueConstraint(
                fields=["person", "district"],
                condition=models.Q(ends_on__isnull=True),
                name="pairing_one_open_per_child",
                violation_error_message=_("This child already has a partner."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "person"], name="pairing_org_idx")]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self):
        return f"{self.organisation} ↔ {self.person}"

    def clean(self):
        super().clean()
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The pairing cannot end before it starts.")})


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("visit")
    COUNSELLING = "counselling", _("counselling")
    STUDY_HELP = "study_help", _("study help")
    GIFTS = "gifts", _("gifts")
    LAW_EDUCATION = "law_education", _("law education")


class PairingActivity(models.Model):
    """What a partner did with their child; a visit is also a `Visit` (method partner)."""

    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="activities", verbose_name=_("pairing")
    )
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    region_id = models.CharField(max_length=15, db_index=True)
    kind = models.CharField(_("activity"), max_length=16, choices=ActivityKind.choices)
    held_on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    visit = models.ForeignKey(
        "visits.Visit", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_pairingactivity")]
        ordering = ["-held_on", "-id"]
        verbose_name = _("pairing activity")
        verbose_name_plural = _("pairing activities")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.held_on}"


# --- screening (摸排) ----------------------------------------------------------------------


class Measure(models.TextChoices):
    """What a screening found a person needs; "none" needs a reason."""

    ENROLLMENT = "enrollment", _("an enrollment")
    CARE_PLAN = "care_plan", _("a care plan")
    PAIRING = "pairing", _("a pairing")
    HELP_REQUEST = "help_request", _("a help request")
    CARE_AGREEMENT = "care_agreement", _("a caregiver agreement")
    TIER_CHANGE = "tier_change", _("a tier change")
    SERVICE_TASK = "service_task", _("a service task")
    GUARDIANSHIP = "guardianship", _("a guardianship measure")
    NONE = "none", _("none needed")


class ScreeningStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Screening(models.Model):
    """A district or street screens everyone of some categories, household by household."""

    title = models.CharField(_("title"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    categories = models.JSONField(_("categories"), default=list)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=ScreeningStatus.choices, default=ScreeningStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self):
        return self.title


class ScreeningItem(models.Model):
    """One person in a screening's scope: open until a measure (or "none", with reason)."""

    screening = models.ForeignKey(
        Screening, models.CASCADE, related_name="items", verbose_name=_("screening")
    )
    person = models.ForeignKey("registry.Person", models.PROTECT, related_name="+")
    region_id = models.CharField(max_length=15, db_index=True)
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "id"]
        constraints = [
            district_check("care_screeningitem"),
            models.UniqueConstraint(
                fields=["screening", "person", "district"], name="screening_item_once"
            ),
        ]
        indexes = [
            models.Index(fields=["screening", "region_id"], name="screening_item_region_idx")
        ]
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")

    def __str__(self):
        return f"{self.screening} · {self.person}"


# --- guardianship of minors ----------------------------------------------------------------


class GuardianSituation(models.TextChoices):
    ABLE = "able", _("able to care")
    MISSING = "missing", _("missing")
    UNABLE = "unable", _("unable to care")


class UnableReason(models.TextChoices):
    """The grounds for 事实无人抚养儿童 when the guardian cannot care."""

    NONE = "", _("—")
    CUSTODY = "custody", _("in custody")
    ILLNESS = "illness", _("severe illness")
    DISABILITY = "disability", _("severe disability")
    WHEREABOUTS = "whereabouts", _("whereabouts unknown for 6 months or more")


class GuardianEvaluation(models.Model):
    """The latest evaluation of one guardian (a contact marked guardian) of a minor.

    A guardian missing or unable makes the child red-tier and a blind spot until
    a measure is recorded (a relative appointed, an institution, an enrolment …).
    """

    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    region_id = models.CharField(max_length=15, db_index=True)
    guardian = models.OneToOneField(
        "registry.Contact",
        models.CASCADE,
        related_name="evaluation",
        verbose_name=_("guardian"),
    )
    lives_with_child = models.BooleanField(_("lives with the child"), default=True)
    situation = models.CharField(_("situation"), max_length=8, choices=GuardianSituation.choices)
    unable_reason = models.CharField(
        _("why unable"), max_length=12, choices=UnableReason.choices, blank=True
    )
    evaluated_on = models.DateField(_("evaluated on"))
    measure = models.CharField(_("measure taken"), max_length=300, blank=True)
    measure_on = models.DateField(_("measure on"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("care_guardianevaluation")]
        ordering = ["person_id", "id"]
        verbose_name = _("guardian evaluation")
        verbose_name_plural = _("guardian evaluations")

    def __str__(self):
        return f"{self.guardian} · {self.get_situation_display()}"

    def clean(self):
        super().clean()
        if self.situation == GuardianSituation.UNABLE and not self.unable_reason:
            raise ValidationError({"unable_reason": _("Say why the guardian cannot care.")})
        if self.situation != GuardianSituation.UNABLE:
            self.unable_reason = ""
