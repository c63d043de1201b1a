"""/api/v1/region-changes: administrative changes of the map (区划调整), read only."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from nuanxin.mapchange import selectors
from nuanxin.regions.models import AdministrativeChange, ChangeKind

from .schemas import (
    DEFAULT_PAGE_SIZE,
    ErrorOut,
    PageNumber,
    PageOut,
    PageSize,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["regions"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut}


class RegionChangeOut(Schema):
    """One change: `from_code` is the region renamed, the community merged away or split,
    or the old code; `to_code` the community it joined, the new community or the new code
    (empty for a rename). `counts` says what moved ("people": 120 …); `grids` the grids
    that moved, as [old code, new code]."""

    id: int
    kind: ChangeKind
    from_code: str
    to_code: str
    name: str
    old_name: str
    effective_on: dt.date
    cut_month: dt.date
    grids: list[list[str]]
    counts: dict[str, int]
    applied_at: dt.datetime
    applied_by: str | None


class RegionChangePageOut(PageOut):
    items: list[RegionChangeOut]


def _change(c: AdministrativeChange) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "from_code": c.from_code,
        "to_code": c.to_code,
        "name": c.name,
        "old_name": c.old_name,
        "effective_on": c.effective_on,
        "cut_month": c.cut_month,
        "grids": c.grids or [],
        "counts": c.counts or {},
        "applied_at": c.applied_at,
        "applied_by": c.applied_by.get_username() if c.applied_by else None,
    }


@router.get(
    "/region-changes", response={200: RegionChangePageOut, **ERRORS}, url_name="region_change_list"
)
def region_change_list(request, page: PageNumber = 1, page_size: PageSize = DEFAULT_PAGE_SIZE):
    """Changes of the map touching a region you may audit (its old or new code), newest
    first. Only the city administrator audits: for other roles the list is empty."""
    rows = selectors.change_list_audited(user=request.auth)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_change(c) for c in items]}
