"""Campaigns (专项行动): who is eligible, what each gets, and the receipt of every kit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nuanxin.core import access
from nuanxin.regions.districts import DistrictField, district_check
from nuanxin.regions.models import ancestor_codes


class Kind(models.TextChoices):
    GOODS = "goods", _("goods distribution")
    INSTALLATION = "installation", _("installation")
    SERVICE = "service", _("service")


class Unit(models.TextChoices):
    PERSON = "person", _("per person")
    HOUSEHOLD = "household", _("per household")


class CampaignStatus(models.TextChoices):
    # With a context: "open" alone means something else in other apps' catalogs.
    DRAFT = "draft", pgettext_lazy("campaign status", "draft")
    OPEN = "open", pgettext_lazy("campaign status", "open")
    CLOSED = "closed", pgettext_lazy("campaign status", "closed")


class AllocationState(models.TextChoices):
    IDLE = "idle", _("not allocated")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("allocating")
    DONE = "done", _("allocated")
    FAILED = "failed", pgettext_lazy("allocation run", "failed")


class CampaignQuerySet(access.RestrictedQuerySet):
    def restrict(self, user, action: str = access.Action.VIEW, *, links: bool = True):
        """Campaigns of the user's regions, and those of a region above them: a
        community worker sees the district's campaign (and only her people in it)."""
        found = access.scope(user, action)
        if found.everywhere:
            return self.all()
        above: set[str] = set()
        for prefix in found.prefixes:
            above.update(ancestor_codes(prefix.ljust(12, "0")[:12] if len(prefix) < 15 else prefix))
        return self.filter(found.q("region_id") | Q(region_id__in=above))


class Campaign(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GOODS)
    name = models.CharField(_("name"), max_length=120)
    # The region that runs it (whose officers may change it); `areas` narrow who is eligible.
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    areas = models.ManyToManyField(
        "regions.Region",
        blank=True,
        related_name="+",
        verbose_name=_("areas"),
        help_text=_("Where people are eligible; empty: the whole region."),
    )
    categories = models.JSONField(_("categories"), default=list)
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PERSON)
    # [{"name": "N95 口罩", "quantity": 10}, …] per unit.
    items = models.JSONField(_("kit items"), default=list, blank=True)
    budget_fen = models.BigIntegerField(_("budget (fen)"), default=0)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    hotlines = models.ManyToManyField(
        "directory.Hotline", blank=True, related_name="+", verbose_name=_("hotline sheet")
    )
    device_kind = models.CharField(
        _("device to install"), max_length=20, blank=True, help_text=_("Installation campaigns.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    allocation_state = models.CharField(
        max_length=8, choices=AllocationState.choices, default=AllocationState.IDLE
    )
    allocation_total = models.PositiveIntegerField(default=0)
    allocation_done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.name

    @property
    def budget_yuan(self) -> str:
        return f"{self.budget_fen // 100:,}.{self.budget_fen % 100:02d}"

    @property
    def allocation_percent(self) -> int:
        if self.allocation_state == AllocationState.DONE:
            return 100
        if not self.allocation_total:
            return 0
        return min(100, self.allocation_done * 100 // self.allocation_total)


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("phone notice to collect")
    DELIVERY = "delivery", _("home delivery")
    INSTALLATION = "installation", _("installation at home")


# The API names schema components by class: a distinct name keeps its enum apart from
# the other apps' "Method"s in the OpenAPI document.
Method = DeliveryMethod


class AllocationStatus(models.TextChoices):
    ALLOCATED = "allocated", pgettext_lazy("allocation status", "allocated")
    NOTIFIED = "notified", pgettext_lazy("allocation status", "notified")
    DELIVERED = "delivered", pgettext_lazy("allocation status", "delivered")
    REFUSED = "refused", pgettext_lazy("allocation status", "refused")


Status = AllocationStatus  # a distinct class name: the OpenAPI document names enums by it


OPEN_STATUSES = (Status.ALLOCATED, Status.NOTIFIED)


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("reached")
    NO_ANSWER = "no_answer", _("no answer")
    WRONG_NUMBER = "wrong_number", _("wrong number")


class Signer(models.TextChoices):
    PERSON = "person", _("the person")
    RELATIVE = "relative", _("a relative")


class Allocation(models.Model):
    """One kit (or installation) for one person, or one household through one member."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="allocations")
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="allocations", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The person's region when allocated: a street's progress is one indexed range.
    region = models.ForeignKey("regions.Region", models.PROTECT, related_name="+", db_index=False)
    method = models.CharField(_("delivery method"), max_length=12, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ALLOCATED
    )
    call_outcome = models.CharField(
        _("call outcome"), max_length=12, choices=CallOutcome.choices, blank=True
    )
    notice = models.ForeignKey(
        "notices.Notice", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signer = models.CharField(
        _("receipt signed by"), max_length=10, choices=Signer.choices, blank=True
    )
    signer_name = models.CharField(_("signer's name"), max_length=60, blank=True)
    refused_reason = models.CharField(_("reason for refusing"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The device an installation put in (installation campaigns).
    device = models.OneToOneField(
        "registry.Device", models.SET_NULL, null=True, blank=True, related_name="allocation"
    )
    # What a phone sends with a receipt, so a retry is stored once.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["region_id", "id"]
        constraints = [
            district_check("campaigns_allocation"),
            # Never two kits to one person, whatever their categories or households.
            models.UniqueConstraint(
                fields=["campaign", "person", "district"], name="allocation_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["campaign", "household", "district"],
                condition=Q(household__isnull=False),
                name="allocation_one_per_household",
            ),
            models.UniqueConstraint(
                fields=["delivered_by", "client_id", "district"],
                condition=Q(client_id__isnull=False),
                name="allocation_client_id_per_author",
            ),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "region", "status"], name="allocation_campaign_region"
            ),
            models.Index(fields=["person"], name="allocation_person"),
        ]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self):
        return f"{self.campaign} → {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# --- funds ---------------------------------------------------------------------------


class FundKind(models.TextChoices):
    CHARITY_DAY = "charity_day", _("charity day (慈善一日捐)")
    BUDGET = "budget", _("budget line")
    DONATION = "donation", _("donation")


class Fund(models.Model):
    """Money for campaigns, held region by region (city → district → street)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=FundKind.choices)
    # The region that holds it first (the city for 慈善一日捐).
    region = models.ForeignKey(
        "regions.Region", models.PROTECT, related_name="+", verbose_name=_("region")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()  # seen from its region and every region below

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self):
        return self.name


class EntryKind(models.TextChoices):
    INCOME = "income", _("income")
    TRANSFER_OUT = "transfer_out", _("transfer down")
    TRANSFER_IN = "transfer_in", _("transfer received")
    PURCHASE = "purchase", _("purchase")
    REFUND = "refund", _("refund")
    CORRECTION = "correction", _("correction (reversal)")


class ImmutableQuerySet(access.RestrictedQuerySet):
    def update(self, **kwargs):
        raise ImmutableError("fund entries are immutable: reverse them instead")

    def delete(self):
        raise ImmutableError("fund entries are immutable: reverse them instead")


class ImmutableError(RuntimeError):
    pass


class FundEntry(models.Model):
    """One movement of money at one region, in fen: positive adds to the region's balance,
    negative takes from it. Never changed or deleted; a correction is a reversing entry."""

    fund = models.ForeignKey(Fund, models.PROTECT, related_name="entries")
    region = models.ForeignKey("regions.Region", models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    # A transfer's other side, and the entries of one operation (a transfer's two halves).
    counterpart = models.ForeignKey(
        "regions.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    operation = models.UUIDField(db_index=True)
    campaign = models.ForeignKey(
        Campaign, models.PROTECT, null=True, blank=True, related_name="fund_entries"
    )
    reverses = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["fund", "region"], name="fund_entry_fund_region")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="fund_entry_not_zero"),
        ]
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_fen}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("fund entries are immutable: reverse them instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("fund entries are immutable: reverse them instead")


class FundBalance(models.Model):
    """The running balance of a fund at a region: what the overdraw check locks and
    decrements in one conditional UPDATE. Always equals the sum of the region's entries."""

    fund = models.ForeignKey(Fund, models.PROTECT, related_name="balances")
    region = models.ForeignKey("regions.Region", models.PROTECT, related_name="+")
    balance_fen = models.BigIntegerField(default=0)

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["region_id"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "region"], name="fund_balance_unique"),
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0), name="fund_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.fund_id}@{self.region_id}: {self.balance_fen}"
