"""/api/v1/funds: funds and their entries in integer fen, balanced per region."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Router, Schema
from ninja import Status as Answer
from pydantic import Field

from nuanxin.campaigns import selectors, services
from nuanxin.campaigns.models import Fund, FundEntry, FundKind

from .schemas import (
    DEFAULT_PAGE_SIZE,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["funds"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {403: ErrorOut, **ERRORS}
Code = Annotated[str, Field(pattern=r"^([0-9]{12}|[0-9]{15})$")]


class FundIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    kind: FundKind
    region: Code
    note: Annotated[str, Field(max_length=200)] = ""


class FundOut(Schema):
    id: int
    name: str
    kind: FundKind
    region: str
    note: str


class FundPageOut(PageOut):
    items: list[FundOut]


class EntryIn(Schema):
    """income / transfer (to `to_region`, a region under `region`) / purchase and refund
    (against `campaign_id`) / correction (reverses entry `reverses_id`)."""

    kind: Literal["income", "transfer", "purchase", "refund", "correction"]
    amount_fen: Annotated[int, Field(ge=1, le=10**13)] | None = None
    region: Code | None = None
    to_region: Code | None = None
    campaign_id: Id | None = None
    reverses_id: Id | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class EntryOut(Schema):
    id: int
    kind: str
    region: str
    amount_fen: int
    counterpart: str | None
    campaign_id: int | None
    reverses_id: int | None
    note: str
    created_at: dt.datetime


class EntryPageOut(PageOut):
    items: list[EntryOut]


class BalanceOut(Schema):
    region: str
    name: str
    level: int
    balance_fen: int
    entries_fen: int
    balanced: bool


class BalancesOut(Schema):
    balanced: bool
    items: list[BalanceOut]


def _fund(f: Fund) -> dict:
    return {"id": f.pk, "name": f.name, "kind": f.kind, "region": f.region_id, "note": f.note}


def _entry(e: FundEntry) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "region": e.region_id,
        "amount_fen": e.amount_fen,
        "counterpart": e.counterpart_id,
        "campaign_id": e.campaign_id,
        "reverses_id": e.reverses_id,
        "note": e.note,
        "created_at": e.created_at,
    }


@router.get("/funds", response={200: FundPageOut, **ERRORS}, url_name="fund_list")
def fund_list(request, page: PageNumber = 1, page_size: PageSize = DEFAULT_PAGE_SIZE):
    """Funds of your regions and of the regions above them."""
    info, items = paginate(request, selectors.fund_list(user=request.auth), page=page,
                           page_size=page_size)  # fmt: skip
    return {**info, "items": [_fund(f) for f in items]}


@router.post("/funds", response={201: FundOut, **WRITE_ERRORS}, url_name="fund_create")
def fund_create(request, payload: FundIn):
    fund = services.fund_create(user=request.auth, name=payload.name, kind=payload.kind,
                                region_code=payload.region, note=payload.note,
                                request=request)  # fmt: skip
    return Answer(201, _fund(fund))


@router.get(
    "/funds/{int:fund_id}/entries", response={200: EntryPageOut, **ERRORS}, url_name="fund_entries"
)
def fund_entries(request, fund_id: Id, page: PageNumber = 1,
                 page_size: PageSize = DEFAULT_PAGE_SIZE):  # fmt: skip
    """The entries of the regions you reach, oldest first."""
    fund = selectors.fund_get(user=request.auth, pk=fund_id)
    rows = selectors.fund_entries(user=request.auth, fund=fund)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_entry(e) for e in items]}


@router.post(
    "/funds/{int:fund_id}/entries",
    response={201: list[EntryOut], **WRITE_ERRORS},
    url_name="fund_entry_add",
)
def fund_entry_add(request, fund_id: Id, payload: EntryIn):
    """Record an operation; answers its entries (a transfer has two). 422 above the balance."""
    data = payload.dict()
    entries = services.fund_entry_add(
        user=request.auth,
        fund_id=fund_id,
        kind=data["kind"],
        amount_fen=data["amount_fen"] or 0,
        region=data["region"] or "",
        to_region=data["to_region"] or "",
        campaign_id=data["campaign_id"],
        reverses_id=data["reverses_id"],
        note=data["note"],
        request=request,
    )
    return Answer(201, [_entry(e) for e in entries])


@router.get(
    "/funds/{int:fund_id}/balances", response={200: BalancesOut, **ERRORS}, url_name="fund_balances"
)
def fund_balances(request, fund_id: Id):
    """One balance per region (each level) you reach, with the sum of its entries: equal
    to the fen."""
    fund = selectors.fund_get(user=request.auth, pk=fund_id)
    found = selectors.reconciliation(user=request.auth, fund=fund)
    return {
        "balanced": found["balanced"],
        "items": [
            {
                "region": r["region_id"],
                "name": r["name"],
                "level": r["level"],
                "balance_fen": r["balance"],
                "entries_fen": r["total"],
                "balanced": r["balanced"],
            }  # fmt: skip
            for r in found["rows"]
        ],
    }
