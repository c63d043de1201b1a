"""The directory (DESIGN §1): service providers, organisations and hotlines.

Service providers are what casework refers people to.

A provider (gas company, repair service, hospital, counselling team, home-service
organisation …) serves an area — one or more regions, each covering everything
under it. Its staff may have their own accounts (`ProviderAccount`); such a user
sees only the referrals made to their provider, and of each person only what
the job needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nuanxin.regions.models import ancestor_codes


class ProviderKind(models.TextChoices):
    GAS = "gas", _("gas company")
    REPAIR = "repair", _("repair service")
    HOSPITAL = "hospital", _("hospital or clinic")
    COUNSELLING = "counselling", _("counselling team")
    HOME_SERVICE = "home_service", _("home-service organisation")
    SOCIAL_WORK = "social_work", _("social-work station")
    OTHER = "other", _("other")


class ServiceProviderQuerySet(models.QuerySet):
    def serving(self, region_code: str) -> ServiceProviderQuerySet:
        """Providers whose service area covers this region: one of its regions is the
        region or lies above it, or the area is empty (the whole city)."""
        area = ServiceProvider.service_area.through.objects.filter(
            serviceprovider_id=models.OuterRef("pk")
        )
        return self.filter(
            models.Exists(area.filter(region_id__in=ancestor_codes(region_code)))
            | ~models.Exists(area)
        )


class ServiceProvider(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    services = models.CharField(_("services offered"), max_length=300, blank=True)
    service_area = models.ManyToManyField(
        "regions.Region",
        verbose_name=_("service area"),
        blank=True,
        help_text=_("Each region covers everything under it. Empty: the whole city."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self):
        return self.name


class ProviderContact(models.Model):
    provider = models.ForeignKey(ServiceProvider, models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40)

    class Meta:
        ordering = ["id"]
        verbose_name = _("provider contact")
        verbose_name_plural = _("provider contacts")

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class ProviderAccount(models.Model):
    """A user who answers for a provider: sees and updates that provider's referrals only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="provider_account"
    )
    provider = models.ForeignKey(ServiceProvider, models.CASCADE, related_name="accounts")

    class Meta:
        verbose_name = _("provider account")
        verbose_name_plural = _("provider accounts")

    def __str__(self):
        return f"{self.user} → {self.provider}"


# --- organisations: departments, partners, groups ---------------------------------------


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", _("government department")  # 民政, 人社, 残联, 卫健, 医保, 教育 …
    SOCIAL_ORG = "social_org", _("social organisation")  # 社会组织, 社工机构
    COMPANY = "company", _("company")
    VOLUNTEER_GROUP = "volunteer_group", _("volunteer group")
    OTHER = "other", _("other organisation")


class OrganisationQuerySet(models.QuerySet):
    def within(self, region_code: str) -> OrganisationQuerySet:
        """Organisations of this region or one above it (a district's and the city's)."""
        return self.filter(
            models.Q(region__isnull=True) | models.Q(region_id__in=ancestor_codes(region_code))
        )


class Organisation(models.Model):
    """A department, company, social organisation or volunteer group.

    Departments sit on joint supervision teams; any kind may be a pairing partner.
    Organisations are not personal data: every signed-in user reads the directory.
    Its contacts with their own accounts (`OrganisationAccount`) reach only what
    their organisation's pairings or tasks name.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    # Where it belongs: a district's department, or the city's (empty).
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("The district or street it belongs to. Empty: the city."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class OrganisationContact(models.Model):
    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40)

    class Meta:
        ordering = ["id"]
        verbose_name = _("organisation contact")
        verbose_name_plural = _("organisation contacts")

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class OrganisationAccount(models.Model):
    """A user (role partner_contact) who answers for an organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="organisation_account"
    )
    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="accounts")

    class Meta:
        verbose_name = _("organisation account")
        verbose_name_plural = _("organisation accounts")

    def __str__(self):
        return f"{self.user} → {self.organisation}"


# --- hotlines -------------------------------------------------------------------------


class HotlineQuerySet(models.QuerySet):
    def serving(self, region_code: str) -> HotlineQuerySet:
        """Hotlines that answer for this region: the city's and those of a region above it."""
        return self.filter(
            models.Q(region__isnull=True) | models.Q(region_id__in=ancestor_codes(region_code))
        )


class Hotline(models.Model):
    """A number people can call (printed on kits and the hotline sheet handed out)."""

    unit = models.CharField(_("unit"), max_length=120)
    number = models.CharField(_("number"), max_length=40)
    hours = models.CharField(_("hours"), max_length=60, blank=True, help_text=_("e.g. 24 hours"))
    topic = models.CharField(_("what it is for"), max_length=120, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("The area it answers for. Empty: the whole city."),
    )
    position = models.PositiveSmallIntegerField(_("order on the sheet"), default=100)
    active = models.BooleanField(_("active"), default=True)

    objects = HotlineQuerySet.as_manager()

    class Meta:
        ordering = ["position", "unit", "id"]
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="hotline_unit_number")
        ]

    def __str__(self):
        return f"{self.unit} {self.number}"
