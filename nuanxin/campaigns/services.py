"""Writes for campaigns: create, open and close, allocate, and each allocation's life.

Allocation is set-based: one ``INSERT … SELECT`` of the distinct eligible people
(per child region when it runs in the background, so progress can be shown),
skipping those already allocated. The unique constraints on (campaign, person)
and (campaign, household) make a second run, or two at once, add nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.errors import Conflict
from nuanxin.core.tiers import Tier
from nuanxin.directory.models import Hotline
from nuanxin.notices.models import Channel
from nuanxin.notices.services import notice_queue
from nuanxin.regions.models import Region, contains
from nuanxin.registry.models import Category, DeviceKind, Person
from nuanxin.registry.services import device_record

from . import selectors
from .allocation import allocate_run
from .models import (
    OPEN_STATUSES,
    Allocation,
    AllocationState,
    CallOutcome,
    Campaign,
    CampaignStatus,
    EntryKind,
    Fund,
    FundBalance,
    FundEntry,
    Kind,
    Method,
    Signer,
    Status,
    Unit,
)
from .tasks import campaign_allocate_task

logger = logging.getLogger(__name__)

# Over this many eligible people, allocation runs in the task worker with progress.
BACKGROUND_OVER = getattr(settings, "NUANXIN_CAMPAIGN_BACKGROUND_OVER", 100_000)

TRANSITIONS = {
    "open": ({CampaignStatus.DRAFT}, CampaignStatus.OPEN),
    "close": ({CampaignStatus.OPEN}, CampaignStatus.CLOSED),
}


def _items(items) -> list[dict]:
    out = []
    for item in items or ():
        name = str(item.get("name") or "").strip()
        try:
            quantity = int(item.get("quantity") or 0)
        except (TypeError, ValueError):
            quantity = 0
        if not name or quantity < 1 or len(name) > 60 or quantity > 100_000:
            raise ValidationError(
                {"items": _("Each item needs a name and a quantity of 1 or more.")}
            )
        out.append({"name": name, "quantity": quantity})
    return out


def _regions(codes) -> list[Region]:
    codes = list(dict.fromkeys(c for c in (codes or ()) if c))
    if not codes:
        raise ValidationError({"region_codes": _("Name at least one region.")})
    found = list(Region.objects.filter(code__in=codes))
    if len(found) != len(codes):
        raise ValidationError({"region_codes": _("Unknown region.")})
    return found


def _common(regions: list[Region]) -> Region:
    """The region that holds them all: one region itself, or their nearest common ancestor."""
    if len(regions) == 1:
        return regions[0]
    chains = [r.ancestors() for r in regions]
    common = None
    for level in zip(*chains, strict=False):
        if all(r.code == level[0].code for r in level):
            common = level[0]
        else:
            break
    if common is None:
        raise ValidationError({"region_codes": _("The regions lie in different cities.")})
    return common


@transaction.atomic
def campaign_create(
    *,
    user,
    name: str,
    kind: str = Kind.GOODS,
    region_codes=(),
    categories=(),
    tiers=(),
    unit: str = Unit.PERSON,
    items=(),
    budget_fen: int = 0,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    hotline_ids=(),
    device_kind: str = "",
    request=None,
) -> Campaign:
    """A draft campaign over `region_codes` for people holding any of `categories`."""
    areas = _regions(region_codes)
    region = _common(areas)
    # A region out of sight answers like a missing one; in sight but read-only, 403.
    if not all(access.scope(user, access.Action.VIEW).covers(a.code) for a in areas):
        raise Http404
    access.require_region(user, access.Action.CHANGE, region.code)
    categories = list(dict.fromkeys(categories or ()))
    if not categories:
        raise ValidationError({"categories": _("Choose at least one category.")})
    if any(c not in Category.values for c in categories):
        raise ValidationError({"categories": _("Unknown category.")})
    tiers = list(dict.fromkeys(tiers or ()))
    if any(t not in Tier.values for t in tiers):
        raise ValidationError({"tiers": _("Unknown tier.")})
    if budget_fen is None or budget_fen < 0:
        raise ValidationError({"budget_fen": _("The budget cannot be negative.")})
    if kind == Kind.INSTALLATION and device_kind not in DeviceKind.values:
        raise ValidationError({"device_kind": _("Choose the device an installation puts in.")})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end comes before the start.")})
    campaign = Campaign(
        name=(name or "").strip(),
        kind=kind,
        region=region,
        categories=categories,
        tiers=tiers,
        unit=unit,
        items=_items(items),
        budget_fen=budget_fen,
        starts_on=starts_on,
        ends_on=ends_on,
        device_kind=device_kind or "",
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    campaign.full_clean(exclude=["created_by"])
    campaign.save()
    if len(areas) > 1 or areas[0].code != region.code:
        campaign.areas.set(areas)
    hotline_ids = list(dict.fromkeys(hotline_ids or ()))
    hotlines = list(Hotline.objects.filter(pk__in=hotline_ids, active=True))
    if len(hotlines) != len(hotline_ids):
        raise ValidationError({"hotline_ids": _("Unknown hotline.")})
    campaign.hotlines.set(hotlines)
    access.recheck(user, access.Action.CHANGE, campaign)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=campaign,
        request=request,
        changes={
            "region": region.code,
            "categories": categories,
            "budget_fen": budget_fen,
            "areas": [a.code for a in areas],
        },  # fmt: skip
    )
    return campaign


@transaction.atomic
def campaign_transition(*, user, campaign_id: int, action: str, request=None) -> Campaign:
    """open (draft → open) or close (open → closed)."""
    campaign = selectors.campaign_get(
        user=user, pk=campaign_id, action=access.Action.CHANGE, for_update=True
    )
    if action not in TRANSITIONS:
        raise ValidationError({"action": _("Unknown action.")})
    allowed, to = TRANSITIONS[action]
    if campaign.status not in allowed:
        raise ValidationError({"action": _("The campaign's status does not allow that.")})
    before = campaign.status
    campaign.status = to
    campaign.save(update_fields=["status"])
    audit_record(user=user, action=AuditAction.UPDATE, obj=campaign, request=request,
                 changes={"status": [before, to]})  # fmt: skip
    return campaign


# --- allocation ----------------------------------------------------------------------


def _require_allocatable(user, campaign: Campaign) -> None:
    access.require(user, access.Action.CHANGE, campaign)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"status": _("A closed campaign allocates nothing.")})
    if campaign.allocation_state in (AllocationState.QUEUED, AllocationState.RUNNING):
        raise Conflict({"status": _("The allocation is already running.")}, code="conflict")


def campaign_allocate(*, user, campaign_id: int, background: bool | None = None, request=None):
    """Allocate the campaign to every eligible person not yet allocated.

    Runs here and returns the number added, or — over `BACKGROUND_OVER` eligible
    people, or when asked — queues the task worker and returns None; the
    campaign's `allocation_*` fields show its progress.
    """
    with transaction.atomic():
        campaign = selectors.campaign_get(
            user=user, pk=campaign_id, action=access.Action.CHANGE, for_update=True
        )
        _require_allocatable(user, campaign)
        total = selectors.eligible_people(campaign).count()
        if background is None:
            background = total > BACKGROUND_OVER
        campaign.allocation_total = total
        campaign.allocation_done = 0
        campaign.allocation_state = (
            AllocationState.QUEUED if background else AllocationState.RUNNING
        )
        campaign.save(update_fields=["allocation_total", "allocation_done", "allocation_state"])
        audit_record(user=user, action=AuditAction.UPDATE, obj=campaign, request=request,
                     changes={"allocate": total, "background": background})  # fmt: skip
        if background:
            pk = campaign.pk
            transaction.on_commit(lambda: campaign_allocate_task.enqueue(campaign_id=pk))
            return None
    return allocate_run(campaign_id=campaign.pk)


# --- one allocation ------------------------------------------------------------------


def _open_allocation(user, allocation_id: int) -> Allocation:
    allocation = selectors.allocation_get(
        user=user, pk=allocation_id, action=access.Action.CHANGE, for_update=True
    )
    if allocation.campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"status": _("The campaign is not open.")})
    return allocation


def notice_text(allocation: Allocation) -> str:
    campaign = allocation.campaign
    items = "、".join(f"{i['name']}×{i['quantity']}" for i in campaign.items or ())
    hotline = next(iter(campaign.hotlines.all()), None)
    values = {"name": allocation.person.name, "campaign": campaign.name, "items": items}
    if allocation.method == Method.PICKUP:
        text = (
            _("%(name)s: your %(campaign)s (%(items)s) is ready to collect at your community.")
            % values
        )
    else:
        text = _("%(name)s: we will bring your %(campaign)s (%(items)s) to your home.") % values
    if hotline is not None:
        text += " " + _("Questions: %(unit)s %(number)s.") % {
            "unit": hotline.unit,
            "number": hotline.number,
        }
    return text


@transaction.atomic
def allocation_notify(
    *, user, allocation_id: int, outcome: str, channel: str = Channel.SMS, note: str = "",
    request=None,
) -> Allocation:  # fmt: skip
    """Phone notice to collect: queue the notice in the outbox and record the call outcome.

    A wrong number keeps the allocation open (it is still to be notified); otherwise
    it is notified.
    """
    allocation = _open_allocation(user, allocation_id)
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose the call's outcome.")})
    if not allocation.is_open:
        raise ValidationError({"status": _("This allocation is already settled.")})
    phone = allocation.person.phone
    if outcome != CallOutcome.WRONG_NUMBER and phone:
        allocation.notice = notice_queue(
            user=user,
            phone=phone,
            text=notice_text(allocation),
            channel=channel,
            region_id=allocation.region_id,
            person=allocation.person,
            source=f"campaigns.allocation:{allocation.pk}",
            request=request,
        )
    allocation.call_outcome = outcome
    if outcome != CallOutcome.WRONG_NUMBER:
        allocation.status = Status.NOTIFIED
        allocation.notified_at = timezone.now()
        allocation.notified_by = user if getattr(user, "is_authenticated", False) else None
    allocation.note = (note or allocation.note)[:200]
    allocation.save()
    access.recheck(user, access.Action.CHANGE, allocation)
    audit_record(user=user, action=AuditAction.UPDATE, obj=allocation, request=request,
                 changes={"notify": outcome, "status": allocation.status})  # fmt: skip
    return allocation


def _seen(user, client_id: str, allocation_id: int) -> Allocation | None:
    author = user if getattr(user, "is_authenticated", False) else None
    seen = Allocation.objects.filter(delivered_by=author, client_id=client_id).first()
    if seen is not None and seen.pk != allocation_id:
        raise Conflict(
            {
                "client_id": _(
                    "That client id was already used for another receipt; send a new one."
                )
            },
            code="conflict",
        )
    return seen


def allocation_deliver(
    *,
    user,
    allocation_id: int,
    method: str = "",
    signer: str = Signer.PERSON,
    signer_name: str = "",
    delivered_at: dt.datetime | None = None,
    note: str = "",
    client_id: str | None = None,
    request=None,
) -> tuple[Allocation, bool]:
    """Record the receipt: who delivered (the user), when, how, who signed.

    Returns (allocation, created). A phone retrying with the same `client_id`
    gets the stored receipt back and changes nothing; a client id of the same
    author used for another allocation is a conflict (409).
    """
    client_id = (client_id or "").strip() or None
    if client_id:
        seen = _seen(user, client_id, allocation_id)
        if seen is not None:
            selectors.allocation_get(user=user, pk=allocation_id)  # still in sight
            return seen, False
    with transaction.atomic():
        allocation = _open_allocation(user, allocation_id)
        if not allocation.is_open:
            raise ValidationError({"status": _("This allocation is already settled.")})
        if signer not in Signer.values:
            raise ValidationError({"signer": _("Say who signed.")})
        signer_name = (signer_name or "").strip()
        if signer == Signer.RELATIVE and not signer_name:
            raise ValidationError({"signer_name": _("Name the relative who signed.")})
        now = timezone.now()
        delivered_at = delivered_at or now
        if delivered_at > now + dt.timedelta(minutes=5):
            raise ValidationError({"delivered_at": _("The delivery cannot be in the future.")})
        if method:
            if method not in Method.values:
                raise ValidationError({"method": _("Unknown method.")})
            allocation.method = method
        allocation.status = Status.DELIVERED
        allocation.delivered_at = delivered_at
        allocation.delivered_by = user if getattr(user, "is_authenticated", False) else None
        allocation.signer = signer
        allocation.signer_name = signer_name or allocation.person.name
        allocation.note = (note or allocation.note)[:200]
        allocation.client_id = client_id
        allocation.full_clean(exclude=["campaign", "person", "household", "region", "notice"],
                              validate_constraints=False)  # fmt: skip
        allocation.save()
        access.recheck(user, access.Action.CHANGE, allocation)
        audit_record(user=user, action=AuditAction.UPDATE, obj=allocation, request=request,
                     changes={"status": [Status.ALLOCATED, Status.DELIVERED], "method":
                              allocation.method, "signer": signer})  # fmt: skip
    return allocation, True


@transaction.atomic
def allocation_refuse(*, user, allocation_id: int, reason: str, request=None) -> Allocation:
    allocation = _open_allocation(user, allocation_id)
    if not allocation.is_open:
        raise ValidationError({"status": _("This allocation is already settled.")})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why it was refused.")})
    allocation.status = Status.REFUSED
    allocation.refused_reason = reason[:200]
    allocation.save(update_fields=["status", "refused_reason", "updated_at"])
    access.recheck(user, access.Action.CHANGE, allocation)
    audit_record(user=user, action=AuditAction.UPDATE, obj=allocation, request=request,
                 changes={"status": [Status.ALLOCATED, Status.REFUSED], "reason": reason})  # fmt: skip
    return allocation


@transaction.atomic
def allocation_set_method(*, user, allocation_id: int, method: str, request=None) -> Allocation:
    """The community worker's choice: phone notice to collect, or home delivery."""
    allocation = _open_allocation(user, allocation_id)
    if method not in (Method.PICKUP, Method.DELIVERY) or allocation.method == Method.INSTALLATION:
        raise ValidationError({"method": _("Choose collection or home delivery.")})
    if allocation.status not in OPEN_STATUSES:
        raise ValidationError({"status": _("This allocation is already settled.")})
    before = allocation.method
    allocation.method = method
    allocation.save(update_fields=["method", "updated_at"])
    audit_record(user=user, action=AuditAction.UPDATE, obj=allocation, request=request,
                 changes={"method": [before, method]})  # fmt: skip
    return allocation


# --- funds ---------------------------------------------------------------------------
#
# Every movement is a FundEntry (immutable) and a change to the FundBalance of its
# region, in the same transaction. Money leaves a region only through one conditional
# UPDATE (balance >= amount), so two officers spending at once can never overdraw it,
# on SQLite or PostgreSQL; the fund row is locked first (select_for_update) as well.


def _fen(amount_fen) -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationError({"amount_fen": _("Enter an amount in fen, above zero.")})
    if amount_fen > 10**13:
        raise ValidationError({"amount_fen": _("That amount is too large.")})
    return amount_fen


def _region(code: str, field: str = "region") -> Region:
    found = Region.objects.filter(code=code or "").first()
    if found is None:
        raise ValidationError({field: _("Unknown region.")})
    return found


def _add(fund: Fund, region_code: str, amount: int) -> None:
    balance, _created = FundBalance.objects.get_or_create(fund=fund, region_id=region_code)
    FundBalance.objects.filter(pk=balance.pk).update(balance_fen=F("balance_fen") + amount)


def _take(fund: Fund, region_code: str, amount: int) -> None:
    taken = FundBalance.objects.filter(
        fund=fund, region_id=region_code, balance_fen__gte=amount
    ).update(balance_fen=F("balance_fen") - amount)
    if not taken:
        raise ValidationError({"amount_fen": _("That is more than the balance.")})


def _entry(fund, user, region, kind, amount, operation, **fields) -> FundEntry:
    entry = FundEntry(
        fund=fund,
        region=region,
        kind=kind,
        amount_fen=amount,
        operation=operation,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
    entry.full_clean(exclude=["created_by", "reverses"])
    entry.save()
    return entry


@transaction.atomic
def fund_create(
    *, user, name: str, kind: str, region_code: str, note: str = "", request=None
) -> Fund:
    region = _region(region_code)
    if not access.scope(user, access.Action.VIEW).covers(region.code):
        raise Http404
    access.require_region(user, access.Action.CHANGE, region.code)
    fund = Fund(
        name=(name or "").strip(),
        kind=kind,
        region=region,
        note=(note or "").strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    fund.full_clean(exclude=["created_by"])
    fund.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=fund, request=request,
                 changes={"region": region.code, "kind": kind})  # fmt: skip
    return fund


@transaction.atomic
def fund_entry_add(
    *,
    user,
    fund_id: int,
    kind: str,
    amount_fen: int = 0,
    region: str = "",
    to_region: str = "",
    campaign_id: int | None = None,
    reverses_id: int | None = None,
    note: str = "",
    request=None,
) -> list[FundEntry]:
    """Record one operation; returns its entries (a transfer has two).

    income → +amount at `region`; transfer → −amount at `region`, +amount at
    `to_region` (a region under it); purchase → −amount at `region` against
    `campaign_id`; refund → +amount at `region` back from a campaign's purchases;
    correction → the reverse of entry `reverses_id` (and of its transfer's other half).
    """
    fund = access.get_or_404(Fund.objects.select_for_update(), user, access.Action.VIEW,
                             pk=fund_id)  # fmt: skip
    operation = uuid.uuid4()
    note = (note or "").strip()[:200]
    if kind == "correction":
        entries = _reverse(fund, user, reverses_id, operation, note)
    else:
        amount = _fen(amount_fen)
        where = _region(region)
        if not access.scope(user, access.Action.VIEW).covers(where.code):
            raise Http404
        access.require_region(user, access.Action.CHANGE, where.code)
        if not contains(fund.region_id, where.code):
            raise ValidationError({"region": _("The region lies outside the fund's region.")})
        if kind == EntryKind.INCOME:
            _add(fund, where.code, amount)
            entries = [_entry(fund, user, where, kind, amount, operation, note=note)]
        elif kind == "transfer":
            to = _region(to_region, "to_region")
            if to.code == where.code or not contains(where.code, to.code):
                raise ValidationError({"to_region": _("Transfer to a region under it.")})
            _take(fund, where.code, amount)
            _add(fund, to.code, amount)
            entries = [
                _entry(
                    fund,
                    user,
                    where,
                    EntryKind.TRANSFER_OUT,
                    -amount,
                    operation,
                    counterpart=to,
                    note=note,
                ),  # fmt: skip
                _entry(
                    fund,
                    user,
                    to,
                    EntryKind.TRANSFER_IN,
                    amount,
                    operation,
                    counterpart=where,
                    note=note,
                ),  # fmt: skip
            ]
        elif kind in (EntryKind.PURCHASE, EntryKind.REFUND):
            if campaign_id is None:
                raise ValidationError({"campaign_id": _("Name the campaign.")})
            campaign = selectors.campaign_get(user=user, pk=campaign_id)
            if kind == EntryKind.PURCHASE:
                _take(fund, where.code, amount)
                entries = [_entry(fund, user, where, kind, -amount, operation,
                                  campaign=campaign, note=note)]  # fmt: skip
            else:
                spent = -(
                    FundEntry.objects.filter(fund=fund, region=where, campaign=campaign)
                    .filter(kind__in=[EntryKind.PURCHASE, EntryKind.REFUND])
                    .aggregate(total=Sum("amount_fen"))["total"]
                    or 0
                )
                if amount > spent:
                    raise ValidationError(
                        {"amount_fen": _("A refund cannot exceed what was spent on the campaign.")}
                    )
                _add(fund, where.code, amount)
                entries = [_entry(fund, user, where, kind, amount, operation,
                                  campaign=campaign, note=note)]  # fmt: skip
        else:
            raise ValidationError({"kind": _("Unknown kind of entry.")})
    for entry in entries:
        audit_record(user=user, action=AuditAction.CREATE, obj=entry, request=request,
                     changes={"fund": fund.pk, "kind": entry.kind, "region": entry.region_id,
                              "amount_fen": entry.amount_fen})  # fmt: skip
    return entries


def _reverse(fund, user, reverses_id, operation, note) -> list[FundEntry]:
    if reverses_id is None:
        raise ValidationError({"reverses_id": _("Name the entry to reverse.")})
    original = FundEntry.objects.filter(fund=fund, pk=reverses_id).first()
    if original is None or not access.scope(user, access.Action.VIEW).covers(original.region_id):
        raise Http404
    if original.kind == EntryKind.CORRECTION:
        raise ValidationError({"reverses_id": _("A correction is not reversed; record anew.")})
    group = list(FundEntry.objects.filter(operation=original.operation).order_by("id"))
    for entry in group:
        access.require_region(user, access.Action.CHANGE, entry.region_id)
        if FundEntry.objects.filter(reverses=entry).exists():
            raise ValidationError({"reverses_id": _("That entry was already reversed.")})
    # Take back what was added before giving back what was taken.
    for entry in sorted(group, key=lambda e: -e.amount_fen):
        if entry.amount_fen > 0:
            _take(fund, entry.region_id, entry.amount_fen)
        else:
            _add(fund, entry.region_id, -entry.amount_fen)
    return [
        _entry(
            fund,
            user,
            entry.region,
            EntryKind.CORRECTION,
            -entry.amount_fen,
            operation,
            counterpart=entry.counterpart,
            campaign=entry.campaign,
            reverses=entry,
            note=note or _("reverses #%(id)s") % {"id": entry.pk},
        )  # fmt: skip
        for entry in group
    ]


# --- installations -------------------------------------------------------------------


def installation_record(
    *,
    user,
    allocation_id: int | None = None,
    person_id: int | None = None,
    campaign_id: int | None = None,
    kind: str = "",
    installed_on: dt.date | None = None,
    model: str = "",
    serial: str = "",
    installer: str = "",
    request=None,
):
    """Record an installation: the `Device` on the person's home, linked to the campaign.

    From an allocation (or a person and an installation campaign), the campaign's device
    kind; the allocation is then settled. A person alone records a device with `kind`,
    linked to no campaign. A device that needs consent still needs it (the registry's
    rule, `device_record`). Returns the device.
    """
    with transaction.atomic():
        allocation = None
        if allocation_id is None and person_id is not None and campaign_id is not None:
            campaign = selectors.campaign_get(user=user, pk=campaign_id)
            found = Allocation.objects.filter(campaign=campaign, person_id=person_id).first()
            if found is None:
                raise ValidationError({"person_id": _("This person has no allocation here.")})
            allocation_id = found.pk
        if allocation_id is not None:
            allocation = _open_allocation(user, allocation_id)
            campaign = allocation.campaign
            if campaign.kind != Kind.INSTALLATION:
                raise ValidationError({"allocation_id": _("Not an installation campaign.")})
            if not allocation.is_open:
                raise ValidationError({"status": _("This allocation is already settled.")})
            person, kind = allocation.person, campaign.device_kind
        elif person_id is not None:
            person = access.get_or_404(Person, user, access.Action.CHANGE, links=False,
                                       pk=person_id)  # fmt: skip
            campaign = None
        else:
            raise ValidationError({"allocation_id": _("Name an allocation or a person.")})
        if kind not in DeviceKind.values:
            raise ValidationError({"kind": _("Choose the kind of device.")})
        device = device_record(
            user=user,
            person=person,
            kind=kind,
            installed_on=installed_on or timezone.localdate(),
            campaign=campaign.name[:100] if campaign else "",
            from_campaign=campaign,
            serial=(serial or "").strip(),
            model=(model or "").strip(),
            installer=(installer or "").strip(),
            request=request,
        )
        if allocation is not None:
            allocation.device = device
            allocation.method = Method.INSTALLATION
            allocation.status = Status.DELIVERED
            allocation.delivered_at = timezone.now()
            allocation.delivered_by = user if getattr(user, "is_authenticated", False) else None
            allocation.signer = Signer.PERSON
            allocation.signer_name = person.name
            allocation.save()
            access.recheck(user, access.Action.CHANGE, allocation)
            audit_record(user=user, action=AuditAction.UPDATE, obj=allocation, request=request,
                         changes={"installed": device.pk})  # fmt: skip
    return device
