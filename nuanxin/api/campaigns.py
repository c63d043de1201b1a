"""/api/v1/campaigns and /api/v1/allocations: campaigns (专项行动), through the same
selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Router, Schema
from ninja import Status as Answer
from pydantic import Field

from nuanxin.campaigns import selectors, services
from nuanxin.campaigns.models import (
    Allocation,
    CallOutcome,
    Campaign,
    CampaignStatus,
    Kind,
    Method,
    Signer,
    Status,
    Unit,
)
from nuanxin.core import fieldviews
from nuanxin.core.masking import mask_phone
from nuanxin.notices.models import Channel
from nuanxin.registry.models import DeviceKind

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    BodyMoment,
    ClientId,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    RegionCode,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["campaigns"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {403: ErrorOut, 409: ValidationErrorOut, **ERRORS}

Code = Annotated[str, Field(pattern=r"^([0-9]{12}|[0-9]{15})$")]
Fen = Annotated[int, Field(ge=0, le=10**13)]


class ItemIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    quantity: Annotated[int, Field(ge=1, le=100_000)]


class CampaignIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    kind: Kind = Kind.GOODS
    region_codes: Annotated[list[Code], Field(min_length=1, max_length=50)]
    categories: Annotated[list[str], Field(min_length=1, max_length=20)]
    tiers: Annotated[list[str], Field(max_length=5)] = []
    unit: Unit = Unit.PERSON
    budget_fen: Fen = 0
    items: Annotated[list[ItemIn], Field(max_length=50)] = []
    starts_on: BodyDay | None = None
    ends_on: BodyDay | None = None
    hotline_ids: Annotated[list[Id], Field(max_length=50)] = []
    device_kind: DeviceKind | None = None


class CampaignOut(Schema):
    id: int
    name: str
    kind: Kind
    region: str
    region_codes: list[str]
    categories: list[str]
    tiers: list[str]
    unit: Unit
    budget_fen: int
    items: list[ItemIn]
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: CampaignStatus
    allocation_state: str
    allocation_total: int
    allocation_done: int
    hotline_ids: list[int]
    device_kind: str
    spent_fen: int | None = None  # what the funds paid for it (the detail only)


class CampaignPageOut(PageOut):
    items: list[CampaignOut]


class AllocateOut(Schema):
    """`allocated`: added now; null when it runs in the background (see `allocation_*`)."""

    allocated: int | None
    allocation_state: str
    allocation_total: int


class Figures(Schema):
    eligible: int
    allocated: int
    notified: int
    delivered: int
    refused: int
    outstanding: int


class ProgressRow(Figures):
    code: str
    name: str


class ProgressOut(Schema):
    region: str
    totals: Figures
    rows: list[ProgressRow]


class AllocationOut(Schema):
    id: int
    campaign_id: int
    person_id: int
    person_name: str
    phone: str  # masked unless you may reveal in the person's region
    region: str
    method: Method
    status: Status
    call_outcome: str
    notice_status: str | None
    notified_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivered_by: str
    signer: str
    signer_name: str
    refused_reason: str
    client_id: str | None


class AllocationPageOut(PageOut):
    items: list[AllocationOut]


class NotifyIn(Schema):
    outcome: CallOutcome
    channel: Channel = Channel.SMS
    note: Annotated[str, Field(max_length=200)] = ""


class DeliverIn(Schema):
    method: Method | None = None
    signer: Signer = Signer.PERSON
    signer_name: Annotated[str, Field(max_length=60)] = ""
    delivered_at: BodyMoment | None = None
    note: Annotated[str, Field(max_length=200)] = ""
    client_id: ClientId | None = None


class RefuseIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


def _campaign(c: Campaign) -> dict:
    areas = [a.code for a in c.areas.all()] or [c.region_id]
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "region": c.region_id,
        "region_codes": areas,
        "categories": c.categories,
        "tiers": c.tiers,
        "unit": c.unit,
        "budget_fen": c.budget_fen,
        "items": c.items,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "status": c.status,
        "allocation_state": c.allocation_state,
        "allocation_total": c.allocation_total,
        "allocation_done": c.allocation_done,
        "hotline_ids": [h.pk for h in c.hotlines.all()],
        "device_kind": c.device_kind,
    }


def _allocation(user, a: Allocation) -> dict:
    full = fieldviews.view_by_region(user, a.region_id).full
    return {
        "id": a.pk,
        "campaign_id": a.campaign_id,
        "person_id": a.person_id,
        "person_name": a.person.name,
        "phone": a.person.phone if full else mask_phone(a.person.phone),
        "region": a.region_id,
        "method": a.method,
        "status": a.status,
        "call_outcome": a.call_outcome,
        "notice_status": a.notice.status if a.notice_id else None,
        "notified_at": a.notified_at,
        "delivered_at": a.delivered_at,
        "delivered_by": a.delivered_by.get_username() if a.delivered_by_id else "",
        "signer": a.signer,
        "signer_name": a.signer_name,
        "refused_reason": a.refused_reason,
        "client_id": a.client_id,
    }


@router.get("/campaigns", response={200: CampaignPageOut, **ERRORS}, url_name="campaign_list")
def campaign_list(
    request,
    status: CampaignStatus | None = None,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Campaigns of your regions and of the regions above them."""
    rows = selectors.campaign_list(user=request.auth, status=status or "").prefetch_related(
        "areas", "hotlines"
    )
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_campaign(c) for c in items]}


@router.post("/campaigns", response={201: CampaignOut, **WRITE_ERRORS}, url_name="campaign_create")
def campaign_create(request, payload: CampaignIn):
    """A draft campaign. 404 when a region is outside your reach for changes."""
    data = payload.dict()
    data["device_kind"] = data["device_kind"] or ""
    campaign = services.campaign_create(user=request.auth, request=request, **data)
    return Answer(201, _campaign(campaign))


@router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignOut, **ERRORS},
    url_name="campaign_detail",
)
def campaign_detail(request, campaign_id: Id):
    """One campaign, with what the funds paid for it (`spent_fen`) as far as you reach."""
    campaign = selectors.campaign_get(user=request.auth, pk=campaign_id)
    return {**_campaign(campaign),
            "spent_fen": selectors.campaign_spent(user=request.auth, campaign=campaign)}  # fmt: skip


@router.post(
    "/campaigns/{int:campaign_id}/open",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_open",
)
def campaign_open(request, campaign_id: Id):
    c = services.campaign_transition(user=request.auth, campaign_id=campaign_id, action="open",
                                     request=request)  # fmt: skip
    return _campaign(c)


@router.post(
    "/campaigns/{int:campaign_id}/close",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_close",
)
def campaign_close(request, campaign_id: Id):
    c = services.campaign_transition(user=request.auth, campaign_id=campaign_id, action="close",
                                     request=request)  # fmt: skip
    return _campaign(c)


@router.post(
    "/campaigns/{int:campaign_id}/allocate",
    response={200: AllocateOut, **WRITE_ERRORS},
    url_name="campaign_allocate",
)
def campaign_allocate(request, campaign_id: Id):
    """Allocate to every eligible person not yet allocated, once each. Over 100,000 people
    it runs in the background: `allocated` is null and the campaign shows the progress."""
    added = services.campaign_allocate(user=request.auth, campaign_id=campaign_id,
                                       request=request)  # fmt: skip
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    return {"allocated": added, "allocation_state": c.allocation_state,
            "allocation_total": c.allocation_total}  # fmt: skip


@router.get(
    "/campaigns/{int:campaign_id}/progress",
    response={200: ProgressOut, **ERRORS},
    url_name="campaign_progress",
)
def campaign_progress(request, campaign_id: Id, region: RegionCode = ""):
    """Totals and one row per child region of `region` (default: the campaign's region),
    counting only the people you reach."""
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    return selectors.progress(user=request.auth, campaign=c, region=region)


@router.get(
    "/campaigns/{int:campaign_id}/allocations",
    response={200: AllocationPageOut, **ERRORS},
    url_name="allocation_list",
)
def allocation_list(
    request,
    campaign_id: Id,
    region: RegionCode = "",
    status: Annotated[
        str, Field(pattern=r"^(|outstanding|allocated|notified|delivered|refused)$")
    ] = "",  # fmt: skip
    method: Method | None = None,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    rows = selectors.allocation_list(user=request.auth, campaign=c, region=region, status=status,
                                     method=method or "").select_related("notice")  # fmt: skip
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_allocation(request.auth, a) for a in items]}


def _one(request, allocation_id: int) -> dict:
    a = selectors.allocation_get(user=request.auth, pk=allocation_id)
    return _allocation(request.auth, a)


@router.post(
    "/allocations/{int:allocation_id}/notify",
    response={200: AllocationOut, **WRITE_ERRORS},
    url_name="allocation_notify",
)
def allocation_notify(request, allocation_id: Id, payload: NotifyIn):
    """Queue the notice to collect (SMS or call script) and record the call's outcome."""
    services.allocation_notify(user=request.auth, allocation_id=allocation_id,
                               request=request, **payload.dict())  # fmt: skip
    return _one(request, allocation_id)


@router.post(
    "/allocations/{int:allocation_id}/deliver",
    response={200: AllocationOut, 201: AllocationOut, **WRITE_ERRORS},
    url_name="allocation_deliver",
)
def allocation_deliver(request, allocation_id: Id, payload: DeliverIn):
    """Record the receipt: 201 the first time, 200 for a retry with the same `client_id`."""
    data = payload.dict()
    data["method"] = data["method"] or ""
    _a, created = services.allocation_deliver(user=request.auth, allocation_id=allocation_id,
                                              request=request, **data)  # fmt: skip
    return Answer(201 if created else 200, _one(request, allocation_id))


@router.post(
    "/allocations/{int:allocation_id}/refuse",
    response={200: AllocationOut, **WRITE_ERRORS},
    url_name="allocation_refuse",
)
def allocation_refuse(request, allocation_id: Id, payload: RefuseIn):
    services.allocation_refuse(user=request.auth, allocation_id=allocation_id,
                               reason=payload.reason, request=request)  # fmt: skip
    return _one(request, allocation_id)


class InstallationIn(Schema):
    """`allocation_id` (or `person_id` with `campaign_id`) of an installation campaign: the
    campaign's device; or `person_id` alone with `kind`: a device of no campaign."""

    allocation_id: Id | None = None
    person_id: Id | None = None
    campaign_id: Id | None = None
    kind: DeviceKind | None = None
    installed_on: BodyDay | None = None
    model: Annotated[str, Field(max_length=60)] = ""
    serial: Annotated[str, Field(max_length=60)] = ""
    installer: Annotated[str, Field(max_length=60)] = ""


class InstalledDeviceOut(Schema):
    id: int
    person_id: int
    kind: str
    installed_on: dt.date
    model: str
    serial: str
    installer: str
    campaign_id: int | None
    consent_id: int | None


@router.post(
    "/installations",
    response={201: InstalledDeviceOut, **WRITE_ERRORS},
    url_name="installation_create",
)
def installation_create(request, payload: InstallationIn):
    """Record an installation: the device on the person's home, linked to its campaign.
    422 when the device needs a consent the person has not given."""
    data = payload.dict()
    data["kind"] = data["kind"] or ""
    device = services.installation_record(user=request.auth, request=request, **data)
    return Answer(
        201,
        {
            "id": device.pk,
            "person_id": device.person_id,
            "kind": device.kind,
            "installed_on": device.installed_on,
            "model": device.model,
            "serial": device.serial,
            "installer": device.installer,
            "campaign_id": device.from_campaign_id,
            "consent_id": device.consent_id,
        },
    )
