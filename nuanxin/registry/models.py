"""People in hardship, their households, enrollments, contacts, consents and devices."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access, idnumber
from nuanxin.core.tiers import Tier  # noqa: F401 — the registry stores it; re-exported
from nuanxin.regions.districts import DistrictField, district_check


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Status(models.TextChoices):
    ACTIVE = "active", _("active")
    IN_HOSPITAL = "in_hospital", _("in hospital")
    MOVED = "moved", _("moved away")
    DECEASED = "deceased", _("deceased")


class Living(models.TextChoices):
    ALONE = "alone", _("lives alone")  # 独居
    EMPTY_NEST = "empty_nest", _("empty nest")  # 空巢
    LEFT_BEHIND = "left_behind", _("left behind")  # 留守
    WITH_FAMILY = "with_family", _("with family")
    INSTITUTION = "institution", _("in an institution")


class SelfCare(models.TextChoices):
    SELF_CARING = "self", _("self-caring")
    PARTLY_LOST = "partly", _("partly lost")
    FULLY_LOST = "fully", _("fully lost")


# The six activities of daily living; each True means the ability is lost.
ADL_FIELDS = [
    "adl_eating",
    "adl_dressing",
    "adl_toileting",
    "adl_transfer",
    "adl_bathing",
    "adl_walking",
]


class Category(models.TextChoices):
    """Assistance categories (DESIGN §1). Codes are stable; labels are translated."""

    DIBAO = "dibao", _("minimum living allowance (低保)")
    DIBAO_EDGE = "dibao_edge", _("near-dibao (低保边缘)")
    TEKUN_DISPERSED = "tekun_dispersed", _("extreme poverty, dispersed (特困分散供养)")
    TEKUN_CENTRAL = "tekun_central", _("extreme poverty, institutional (特困集中供养)")
    ORPHAN_SCATTERED = "orphan_scattered", _("orphan, scattered (散居孤儿)")
    ORPHAN_CENTRAL = "orphan_central", _("orphan, institutional (集中供养孤儿)")
    UNSUPPORTED_CHILD = "unsupported_child", _("de-facto unsupported child (事实无人抚养儿童)")
    LEFT_BEHIND_CHILD = "left_behind_child", _("rural left-behind child (农村留守儿童)")
    DISTRESSED_CHILD = "distressed_child", _("child in distress (困境儿童)")
    SEVERE_DISABILITY = "severe_disability", _("severe disability (重度残疾)")
    ELDERLY_ALONE = "elderly_alone", _("elderly living alone (独居老人)")
    ELDERLY_EMPTY_NEST = "elderly_empty_nest", _("empty-nest elderly (空巢老人)")
    ELDERLY_ADVANCED = "elderly_advanced", _("advanced age (高龄老人)")
    FAMILY_PLANNING = "family_planning", _("family-planning special family (计划生育特殊家庭)")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("temporary assistance (临时救助)")


ORPHAN_CATEGORIES = {Category.ORPHAN_SCATTERED, Category.ORPHAN_CENTRAL}
CHILD_CATEGORIES = ORPHAN_CATEGORIES | {
    Category.UNSUPPORTED_CHILD,
    Category.LEFT_BEHIND_CHILD,
    Category.DISTRESSED_CHILD,
}


# One lazy string a grade, so the label follows the reader's language.
DISABILITY_GRADES = [(1, _("grade 1")), (2, _("grade 2")), (3, _("grade 3")), (4, _("grade 4"))]


class DisabilityCategory(models.IntegerChoices):
    VISUAL = 1, _("visual")
    HEARING = 2, _("hearing")
    SPEECH = 3, _("speech")
    PHYSICAL = 4, _("physical")
    INTELLECTUAL = 5, _("intellectual")
    MENTAL = 6, _("mental")
    MULTIPLE = 7, _("multiple")


# The fields of a person's record as the services take them: the one list the
# services, the admin and the ledger import agree on (the import fills the rest
# from the model's defaults, see ledgers.pipeline.write).
PERSON_FIELDS = (
    "name",
    "id_number",
    "phone",
    "phone2",
    "address",
    "region",
    "registered_region",
    "household",
    "relation_to_head",
    "status",
    "living",
    *ADL_FIELDS,
    "note",
)


class PersonQuerySet(access.RestrictedQuerySet):
    """People, reached through the gate: ``Person.objects.restrict(user, action)``.

    Volunteers, partner contacts and provider accounts reach the people their
    task, pairing or referral names (links registered by those apps).
    """

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for person in objs:
            person.fill_registration()  # 户籍地 defaults to the residence
        return super().bulk_create(objs, *args, **kwargs)


class Household(models.Model):
    number = models.CharField(_("household number"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey("regions.Region", models.PROTECT, verbose_name=_("region"))
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("registry_household")]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.number or self.address or f"#{self.pk}"


class Person(models.Model):
    name = models.CharField(_("name"), max_length=60)
    name_pinyin = models.CharField(max_length=120, editable=False, db_index=True)
    name_initials = models.CharField(max_length=30, editable=False, db_index=True)
    # Unique through Meta.constraints, not unique=True: SQLite cannot drop an
    # inline UNIQUE, and a first ledger import builds this index after loading.
    # NULL, not "", when unknown: many people may lack one.
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True)  # noqa: DJ001
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone2 = models.CharField(_("other phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Indexed by person_region_status_idx, which starts with the region.
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        related_name="persons",
        verbose_name=_("region"),
        db_index=False,
    )
    # 户籍地: where the person is registered. `region` is where they live (居住地):
    # visits, duties and coverage follow it; assistance categories and their ledgers
    # follow the registration. The gate reaches a person from both sides
    # (`gate_registration`), the registration side without the visit history.
    registered_region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        related_name="registered_people",
        verbose_name=_("registered place"),
        db_index=False,
    )
    # Most people have no household recorded: a partial index (person_household_idx).
    household = models.ForeignKey(
        Household,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
        db_index=False,
    )
    relation_to_head = models.CharField(
        _("relation to head of household"), max_length=20, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    living = models.CharField(
        _("living arrangement"), max_length=12, choices=Living.choices, default=Living.WITH_FAMILY
    )
    adl_eating = models.BooleanField(_("cannot eat unaided"), default=False)
    adl_dressing = models.BooleanField(_("cannot dress unaided"), default=False)
    adl_toileting = models.BooleanField(_("cannot use the toilet unaided"), default=False)
    adl_transfer = models.BooleanField(_("cannot get in or out of bed unaided"), default=False)
    adl_bathing = models.BooleanField(_("cannot bathe unaided"), default=False)
    adl_walking = models.BooleanField(_("cannot walk indoors unaided"), default=False)
    # Filled by the tier rules of the visits app; blank until they run. Not
    # indexed: five values, always filtered together with a region.
    tier = models.CharField(_("tier"), max_length=6, choices=Tier.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    district = DistrictField()

    objects = PersonQuerySet.as_manager()
    # The second way in (core.access): the area of registration sees the person.
    gate_registration = "registered_region_id"

    class Meta:
        ordering = ["region_id", "name_pinyin", "id"]
        constraints = [
            district_check("registry_person"),
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="person_id_number_unique",
                violation_error_code="unique",
                violation_error_message=_("A person with this ID number is already registered."),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="person_region_status_idx"),
            models.Index(fields=["phone"], name="person_phone_idx"),
            models.Index(fields=["registered_region"], name="person_registered_idx"),
            models.Index(
                fields=["household"],
                condition=Q(household__isnull=False),
                name="person_household_idx",
            ),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.fill_registration()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("registry:person_detail", args=[self.pk])

    def fill_registration(self) -> None:
        """户籍地 defaults to where the person lives."""
        if self.registered_region_id is None:
            self.registered_region_id = self.region_id

    def clean_fields(self, exclude=None):
        self.fill_registration()
        super().clean_fields(exclude=exclude)

    @property
    def lives_elsewhere(self) -> bool:
        """Registered in one area, living in another (人户分离)."""
        return self.registered_region_id != self.region_id

    @property
    def adl_lost(self) -> int:
        return sum(bool(getattr(self, f)) for f in ADL_FIELDS)

    @property
    def self_care(self) -> str:
        lost = self.adl_lost
        if lost == 0:
            return SelfCare.SELF_CARING
        return SelfCare.PARTLY_LOST if lost <= 3 else SelfCare.FULLY_LOST

    def get_self_care_display(self) -> str:
        return SelfCare(self.self_care).label

    def age_on(self, day: dt.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        return idnumber.age_on(self.birth_date, day or dt.date.today())

    @property
    def age(self) -> int | None:
        return self.age_on()


class EnrollmentQuerySet(access.RestrictedQuerySet):
    def active_on(self, day: dt.date | None = None):
        day = day or dt.date.today()
        return self.filter(
            models.Q(start_date__lte=day) | models.Q(start_date__isnull=True)
        ).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=day))


class Enrollment(models.Model):
    gate_region = "person__region_id"
    # Assistance categories follow the registration (户籍地): that area sees them too.
    gate_registration = "person__registered_region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="enrollments")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField(source="person")

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category", "district"],
                condition=models.Q(end_date__isnull=True),
                name="enrollment_one_open_per_category",
            ),
        ]
        indexes = [models.Index(fields=["category", "person"], name="enrollment_category_idx")]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self):
        return self.get_category_display()

    def is_active_on(self, day: dt.date | None = None) -> bool:
        """`Enrollment.objects.active_on(day)` for a row in hand."""
        day = day or dt.date.today()
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or self.end_date >= day)


class Disability(models.Model):
    gate_region = "person__region_id"
    # Part of the registration's record too (categories rest on it): see Enrollment.
    gate_registration = "person__registered_region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="disabilities")
    category = models.PositiveSmallIntegerField(
        _("disability category"), choices=DisabilityCategory.choices
    )
    grade = models.PositiveSmallIntegerField(_("grade"), choices=DISABILITY_GRADES)
    certificate_number = models.CharField(_("certificate number"), max_length=30, blank=True)
    district = DistrictField(source="person")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category", "district"], name="disability_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=4), name="disability_grade_1_4"
            ),
        ]
        verbose_name = _("disability")
        verbose_name_plural = _("disabilities")

    def __str__(self):
        return f"{self.get_category_display()} {self.grade}"

    @property
    def is_severe(self) -> bool:
        return self.grade <= 2


class Contact(models.Model):
    gate_region = "person__region_id"
    # Part of the registration's record too (categories rest on it): see Enrollment.
    gate_registration = "person__registered_region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation"), max_length=30)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_guardian = models.BooleanField(_("guardian"), default=False)
    is_emergency = models.BooleanField(_("emergency contact"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    district = DistrictField(source="person")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_guardian", "-is_emergency", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.name} ({self.relation})"


class ConsentPurpose(models.TextChoices):
    HOME_CAMERA = "home_camera", _("home safety camera")
    SHARE_PARTNER = "share_partner", _("sharing with a partner organisation")
    PHOTOGRAPHS = "photographs", _("photographs")
    HEALTH_DATA = "health_data", _("health information")


def consent_document_path(consent: Consent, filename: str) -> str:
    """consents/YYYY/MM/<random>.<ext>: the uploaded name (often the person's) is not kept."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    today = dt.date.today()
    return f"consents/{today:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Consent(models.Model):
    gate_region = "person__region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given_by_guardian = models.ForeignKey(
        Contact,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("given by guardian"),
        help_text=_("Empty when the person consented themselves."),
    )
    method = models.CharField(
        _("how recorded"),
        max_length=10,
        choices=[("written", _("written")), ("oral", _("oral, witnessed"))],
    )
    given_on = models.DateField(_("given on"))
    document = models.CharField(_("document reference"), max_length=200, blank=True)
    # The signed form or a photo of it. Stored under MEDIA_ROOT but never served
    # from a media URL: only the scoped, audited registry:consent_document view reads it.
    document_file = models.FileField(
        _("document"), upload_to=consent_document_path, max_length=200, blank=True
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True
    )
    district = DistrictField(source="person")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return self.get_purpose_display()

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class DeviceKind(models.TextChoices):
    GAS_ALARM = "gas_alarm", _("gas alarm")
    SMOKE_ALARM = "smoke_alarm", _("smoke alarm")
    CAMERA = "camera", _("home safety camera")
    EMERGENCY_BUTTON = "emergency_button", _("emergency call button")


# Devices that may only be installed with an active consent for this purpose.
DEVICE_CONSENT = {DeviceKind.CAMERA: ConsentPurpose.HOME_CAMERA}


class Device(models.Model):
    gate_region = "person__region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="devices")
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    installed_on = models.DateField(_("installed on"))
    consent = models.ForeignKey(
        Consent, models.PROTECT, null=True, blank=True, verbose_name=_("consent")
    )
    # The campaign's name as text (kept for devices recorded before campaigns existed)
    # and, beside it, the campaign itself for devices an installation campaign put in.
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    from_campaign = models.ForeignKey(
        "campaigns.Campaign",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("installation campaign"),
    )
    model = models.CharField(_("model"), max_length=60, blank=True)
    installer = models.CharField(_("installed by"), max_length=60, blank=True)
    serial = models.CharField(_("serial number"), max_length=60, blank=True)
    needs_removal = models.BooleanField(_("to be removed"), default=False)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    district = DistrictField(source="person")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-installed_on"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self):
        return self.get_kind_display()


class PersonMove(models.Model):
    """A person's change of residence (搬迁): from one region to another, or out of the city.

    Written by `mapchange.services.person_move`, which moves what follows the
    residence (visit duty, open work) and records, in `regions.ChangeMove`, where
    coverage counts the person for the months before `cut_month`.
    """

    gate_region = "from_region_id"
    person = models.ForeignKey(Person, models.CASCADE, related_name="moves")
    from_region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("moved from")
    )
    # None: the person left the city (their status is then "moved away").
    to_region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved to"),
    )
    moved_on = models.DateField(_("moved on"))
    # The first month counted in the new area (the month of the move).
    cut_month = models.DateField()
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField(source="from_region_id")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("registry_personmove", "from_region_id")]
        ordering = ["-moved_on", "-id"]
        verbose_name = _("move")
        verbose_name_plural = _("moves")

    def __str__(self):
        return f"{self.person_id}: {self.from_region_id} → {self.to_region_id or '—'}"
