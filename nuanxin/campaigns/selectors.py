"""Reads for campaigns, always through the gate: lists, eligibility and progress.

Progress is a fixed number of queries whatever the size of the campaign: one
GROUP BY over the allocations (by the child region's code prefix), one over the
eligible people, one for the child regions' names.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from nuanxin.core import access
from nuanxin.regions.models import PREFIX_LENGTH, Level, Region, prefix_q, significant
from nuanxin.registry.models import Disability, Enrollment, Person
from nuanxin.registry.models import Status as PersonStatus

from .models import (
    OPEN_STATUSES,
    Allocation,
    Campaign,
    CampaignStatus,
    Fund,
    FundBalance,
    FundEntry,
    Kind,
    Method,
    Status,
)

# Physical, visual or multiple disability of grade 1–2: home delivery by default.
HOMEBOUND_DISABILITIES = (1, 4, 7)


def campaign_list(*, user, status: str = ""):
    qs = Campaign.objects.restrict(user).select_related("region")
    if status:
        qs = qs.filter(status=status)
    return qs


def campaign_get(*, user, pk: int, action: str = access.Action.VIEW, for_update=False) -> Campaign:
    return access.get_or_404(
        Campaign.objects.select_related("region"), user, action, for_update=for_update, pk=pk
    )


def can_change(user, campaign: Campaign) -> bool:
    return access.allows(user, access.Action.CHANGE, campaign)


def area_prefixes(campaign: Campaign) -> list[str]:
    """The code prefixes where people are eligible: the areas, or the whole region."""
    codes = [r.code for r in campaign.areas.all()] or [campaign.region_id]
    return [significant(c) for c in codes]


def _in_areas(campaign: Campaign, field: str = "region_id") -> Q:
    q = Q(pk__in=[])
    for prefix in area_prefixes(campaign):
        q |= prefix_q(prefix, field)
    return q


def eligible_people(campaign: Campaign, *, day: dt.date | None = None, user=None):
    """The people a campaign allocates to, each once however many categories they hold.

    An EXISTS over active enrollments (never a join, which would repeat a person
    holding 低保 and 特困); for a household campaign, one member per household
    (the lowest id among the eligible) and everyone without a household alone.
    """
    day = day or timezone.localdate()
    enrolled = Enrollment.objects.active_on(day).filter(
        person=OuterRef("pk"), category__in=list(campaign.categories or [])
    )
    qs = Person.objects.restrict(user, access.Action.VIEW, links=False) if user else Person.objects
    qs = qs.filter(_in_areas(campaign), Exists(enrolled), status__in=[
        PersonStatus.ACTIVE, PersonStatus.IN_HOSPITAL])  # fmt: skip
    if campaign.tiers:
        qs = qs.filter(tier__in=list(campaign.tiers))
    if campaign.unit == "household":
        elder_enrolled = Enrollment.objects.active_on(day).filter(
            person=OuterRef("pk"), category__in=list(campaign.categories or [])
        )
        elder = Person.objects.filter(
            _in_areas(campaign),
            Exists(elder_enrolled),
            household=OuterRef("household"),
            pk__lt=OuterRef("pk"),
            status__in=[PersonStatus.ACTIVE, PersonStatus.IN_HOSPITAL],
        )
        if campaign.tiers:
            elder = elder.filter(tier__in=list(campaign.tiers))
        qs = qs.filter(Q(household__isnull=True) | ~Exists(elder))
    return qs


def homebound_q() -> Q:
    """Who cannot go out: walking or transfer lost, or a severe physical/visual disability."""
    severe = Disability.objects.filter(
        person=OuterRef("pk"), grade__lte=2, category__in=HOMEBOUND_DISABILITIES
    )
    return Q(adl_walking=True) | Q(adl_transfer=True) | Q(Exists(severe))


def default_method(campaign: Campaign) -> str:
    return Method.INSTALLATION if campaign.kind == Kind.INSTALLATION else Method.PICKUP


def allocation_list(
    *, user, campaign: Campaign, region: str = "", status: str = "", method: str = "",
    action: str = access.Action.VIEW,
):  # fmt: skip
    qs = (
        Allocation.objects.restrict(user, action, links=False)
        .filter(campaign=campaign)
        .select_related("person", "region", "delivered_by")
    )
    if region:
        qs = qs.within(region)
    if status == "outstanding":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if method:
        qs = qs.filter(method=method)
    return qs


def allocation_get(*, user, pk: int, action: str = access.Action.VIEW, for_update=False):
    # PostgreSQL cannot lock the nullable side of an outer join: no notice or device then.
    related = ("campaign", "person", "region") if for_update else (
        "campaign", "person", "region", "notice", "device")  # fmt: skip
    return access.get_or_404(
        Allocation.objects.select_related(*related),
        user,
        action,
        for_update=for_update,
        links=False,
        pk=pk,
    )


def _child_length(code: str) -> int:
    """How many digits name the regions one level below `code`."""
    prefix = significant(code)
    for lvl in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
        if PREFIX_LENGTH[lvl] > len(prefix):
            return PREFIX_LENGTH[lvl]
    return len(prefix)


FIGURES = ("eligible", "allocated", "notified", "delivered", "refused", "outstanding")


def progress(*, user, campaign: Campaign, region: str = "") -> dict:
    """Totals and one row per child region of `region` (default: the campaign's region):
    eligible, allocated, notified, delivered, refused, outstanding. Four queries."""
    region = region or campaign.region_id
    length = _child_length(region)
    within = prefix_q(significant(region))
    allocations = (
        Allocation.objects.restrict(user, access.Action.VIEW, links=False)
        .filter(campaign=campaign)
        .filter(within)
        .annotate(child=Substr("region_id", 1, length))
        .values("child")
        .annotate(
            allocated=Count("id"),
            notified=Count("id", filter=Q(status=Status.NOTIFIED)),
            delivered=Count("id", filter=Q(status=Status.DELIVERED)),
            refused=Count("id", filter=Q(status=Status.REFUSED)),
        )
        .order_by()
    )
    eligible = (
        eligible_people(campaign, user=user)
        .filter(within)
        .annotate(child=Substr("region_id", 1, length))
        .values("child")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: dict[str, dict] = {}

    def row(child: str) -> dict:
        return rows.setdefault(child, dict.fromkeys(FIGURES, 0) | {"prefix": child})

    for a in allocations:
        r = row(a["child"])
        r.update(allocated=a["allocated"], notified=a["notified"], delivered=a["delivered"],
                 refused=a["refused"])  # fmt: skip
    for e in eligible:
        row(e["child"])["eligible"] = e["n"]
    codes = {p: p.ljust(12, "0") if len(p) < 12 else p for p in rows}
    names = dict(Region.objects.filter(code__in=codes.values()).values_list("code", "name"))
    out = []
    for prefix in sorted(rows):
        r = rows[prefix]
        # Notified counts those notified and not yet done; outstanding all not yet done.
        r["outstanding"] = r["allocated"] - r["delivered"] - r["refused"]
        r["code"] = codes[prefix]
        r["name"] = names.get(codes[prefix], codes[prefix])
        out.append(r)
    totals = dict.fromkeys(FIGURES, 0)
    for r in out:
        for f in FIGURES:
            totals[f] += r[f]
    return {"region": region, "rows": out, "totals": totals}


def open_allocations(*, user, region: str = ""):
    """Open allocations of open campaigns, whatever their end date."""
    qs = Allocation.objects.restrict(user, access.Action.VIEW, links=False).filter(
        status__in=OPEN_STATUSES, campaign__status=CampaignStatus.OPEN
    )
    return qs.within(region)


def overdue_allocations(*, user, today: dt.date, until: dt.date | None = None, region: str = ""):
    """Open allocations of open campaigns whose end date is on or before `until`."""
    until = until or today - dt.timedelta(days=1)
    qs = open_allocations(user=user, region=region).filter(campaign__ends_on__lte=until)
    return qs.select_related("person", "campaign").order_by("campaign__ends_on", "id")


# --- funds ---------------------------------------------------------------------------


def fund_list(*, user):
    return Fund.objects.restrict(user).select_related("region")


def fund_get(*, user, pk: int, action: str = access.Action.VIEW) -> Fund:
    return access.get_or_404(Fund.objects.select_related("region"), user, action, pk=pk)


def fund_entries(*, user, fund: Fund, region: str = "", action: str = access.Action.VIEW):
    qs = (
        FundEntry.objects.restrict(user, action)
        .filter(fund=fund)
        .select_related("region", "counterpart", "campaign", "created_by")
    )
    return qs.within(region) if region else qs


ENTRY_COLUMNS = ("income", "transfer_in", "transfer_out", "purchase", "refund", "correction")


def reconciliation(*, user, fund: Fund, action: str = access.Action.VIEW) -> dict:
    """One row per region of the fund within the user's reach: each kind's sum, the sum
    of all entries, and the stored balance; they agree to the fen. Three queries."""
    sums = {kind: Sum("amount_fen", filter=Q(kind=kind), default=0) for kind in ENTRY_COLUMNS}
    grouped = (
        FundEntry.objects.restrict(user, action)
        .filter(fund=fund)
        .values("region_id")
        .annotate(total=Sum("amount_fen"), **sums)
        .order_by("region_id")
    )
    stored = dict(
        FundBalance.objects.restrict(user, action)
        .filter(fund=fund)
        .values_list("region_id", "balance_fen")
    )
    rows = [dict(r) for r in grouped]
    names = dict(
        Region.objects.filter(code__in=[r["region_id"] for r in rows]).values_list("code", "name")
    )
    for r in rows:
        r["name"] = names.get(r["region_id"], r["region_id"])
        r["level"] = len(significant(r["region_id"]))
        r["balance"] = stored.get(r["region_id"], 0)
        r["balanced"] = r["balance"] == r["total"]
    totals = {k: sum(r[k] for r in rows) for k in (*ENTRY_COLUMNS, "total", "balance")}
    return {"rows": rows, "totals": totals, "balanced": all(r["balanced"] for r in rows)}


def campaign_spent(*, user, campaign: Campaign) -> int:
    """What the funds paid for the campaign, in fen (purchases less refunds and reversals),
    as far as the user reaches: one query."""
    total = (
        FundEntry.objects.restrict(user)
        .filter(campaign=campaign)
        .aggregate(total=Sum("amount_fen", default=0))["total"]
    )
    return -total


def open_campaign_figures(*, user, region: str = "", limit: int = 5) -> list[dict]:
    """Open campaigns with allocations in `region` the user reaches: allocated, delivered,
    outstanding each. One query."""
    qs = Allocation.objects.restrict(user, access.Action.VIEW, links=False).filter(
        campaign__status=CampaignStatus.OPEN
    )
    if region:
        qs = qs.within(region)
    rows = (
        qs.values("campaign_id", "campaign__name", "campaign__ends_on")
        .annotate(
            allocated=Count("id"),
            delivered=Count("id", filter=Q(status=Status.DELIVERED)),
            outstanding=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        )
        .order_by("campaign__ends_on", "campaign_id")[:limit]
    )
    return list(rows)


class CampaignsCard:
    """Officers' and workers' home page: the open campaigns in their area, how far along."""

    position = 60
    template = "campaigns/_card_campaigns.html"

    def context(self, *, user, region, today) -> dict | None:
        if not access.can(user, access.Action.VIEW, region.code):
            return None
        rows = open_campaign_figures(user=user, region=region.prefix)
        return {"campaigns": rows} if rows else None
