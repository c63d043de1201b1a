"""/api/v1 worklist, visits, coverage and blind spots: the same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Router, Schema
from ninja import Status as Answer
from pydantic import Field

from nuanxin.core import duties
from nuanxin.visits import selectors, services
from nuanxin.visits.models import FindingKind, FollowUpKind, Method, Outcome, WithWhom

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    ClientId,
    Day,
    ErrorOut,
    Id,
    Month,
    PageNumber,
    PageOut,
    PageSize,
    RegionCode,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["visits"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class DutyOut(Schema):
    kind: str
    person_id: int
    person_name: str
    region: str
    address: str
    tier: str
    due_on: dt.date
    days_late: int
    label: str
    link: str
    # overdue, today or this_week, relative to the worklist's date
    bucket: str


class WorklistOut(PageOut):
    date: dt.date
    overdue: int  # how many of all the pages' duties are late
    items: list[DutyOut]


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01") if text else timezone.localdate().replace(day=1)


def _bucket(duty: duties.Duty, day: dt.date) -> str:
    return "overdue" if duty.due_on < day else "today" if duty.due_on == day else "this_week"


def _duty_out(duty: duties.Duty, day: dt.date) -> dict:
    return {
        "bucket": _bucket(duty, day),
        "kind": duty.kind,
        "person_id": duty.person_id,
        "person_name": duty.person_name,
        "region": duty.region_id,
        "address": duty.address,
        "tier": duty.tier,
        "due_on": duty.due_on,
        "days_late": duty.late_days(day),
        "label": duty.label,
        "link": duty.link,
    }


@router.get("/worklist", response={200: WorklistOut, **ERRORS})
def worklist(
    request,
    date: Day = None,
    region: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """What is due for the signed-in worker: overdue, today, the next six days; red first,
    a page at a time (each duty says its `bucket`)."""
    day = date or timezone.localdate()
    items = duties.worklist(
        user=request.auth, today=day, until=day + dt.timedelta(days=6), region=region
    )
    info, rows = paginate(request, items, page=page, page_size=page_size)
    overdue = sum(1 for duty in items if duty.due_on < day)
    return {**info, "date": day, "overdue": overdue, "items": [_duty_out(d, day) for d in rows]}


class FindingIn(Schema):
    kind: FindingKind
    text: str
    tier: str = ""
    ends_on: BodyDay | None = None
    follow_up_kind: FollowUpKind | None = None
    repeat_days: Annotated[int, Field(ge=0, le=366)] = 0
    # For a service-task follow-up: the task (water, rubbish, medicine …) and
    # the user id of who does it (staff or a volunteer of the person's area).
    task_kind: str = ""
    assignee: Id | None = None


class VisitIn(Schema):
    client_id: ClientId | None = None
    person_id: Id
    visited_on: BodyDay
    method: Method
    with_whom: WithWhom
    outcome: Outcome
    checklist: dict[str, str] = {}
    notes: str = ""
    findings: list[FindingIn] = []


class VisitOut(Schema):
    id: int
    person_id: int
    region: str
    visited_on: dt.date
    method: str
    with_whom: str
    outcome: str
    checklist: dict
    notes: str
    late: bool
    findings: list[dict]
    client_id: str | None


def _visit_out(visit) -> dict:
    # A visit just recorded carries its findings (`stored_findings`); others read them.
    findings = getattr(visit, "stored_findings", None)
    if findings is None:
        findings = visit.findings.all()
    return {
        "id": visit.pk,
        "person_id": visit.person_id,
        "region": visit.region_id,
        "visited_on": visit.visited_on,
        "method": visit.method,
        "with_whom": visit.with_whom,
        "outcome": visit.outcome,
        "checklist": visit.checklist,
        "notes": visit.notes,
        "late": visit.late,
        "findings": [
            {"kind": f.kind, "text": f.text, "tier": f.tier, "ends_on": f.ends_on} for f in findings
        ],
        "client_id": visit.client_id,
    }


@router.post(
    "/visits",
    response={200: VisitOut, 201: VisitOut, 403: ErrorOut, 409: ValidationErrorOut, **ERRORS},
)
def visit_create(request, payload: VisitIn):
    """Record a visit. 201 with the new id; 200 with the same id when the client_id was seen.

    A `client_id` belongs to its sender: sent again for the same person it answers
    the first visit (200); sent for someone else it is a conflict (409). 404 for a
    person out of sight, 403 for one you may see but not visit (inspectors)."""
    visit, created = services.visit_record(
        user=request.auth,
        person_id=payload.person_id,
        visited_on=payload.visited_on,
        method=payload.method,
        with_whom=payload.with_whom,
        outcome=payload.outcome,
        checklist=payload.checklist,
        notes=payload.notes,
        findings=[f.dict() for f in payload.findings],
        client_id=payload.client_id,
        request=request,
    )
    return Answer(201 if created else 200, _visit_out(visit))


class VisitPageOut(PageOut):
    items: list[VisitOut]


@router.get("/persons/{person_id}/visits", response={200: VisitPageOut, **ERRORS})
def person_visits(
    request, person_id: Id, page: PageNumber = 1, page_size: PageSize = DEFAULT_PAGE_SIZE
):
    """A person's visits, newest first, a page at a time."""
    _person, visits = selectors.person_visits(user=request.auth, pk=person_id)
    info, rows = paginate(request, visits, page=page, page_size=page_size)
    return {**info, "items": [_visit_out(v) for v in rows]}


class FiguresOut(Schema):
    region: str
    name: str
    in_scope: int
    visited: int
    explained: int
    missed: int
    rate: float


class CoverageOut(FiguresOut):
    month: str
    children: list[FiguresOut]


def _figures(f) -> dict:
    return {"region": f.code, "name": f.name, **f.as_dict()}


@router.get("/coverage", response={200: CoverageOut, **ERRORS})
def coverage(request, region: RegionCode = "", month: Month = ""):
    """A month's visit rate for a region and each child region (the children add up)."""
    result = selectors.coverage_for(user=request.auth, region_code=region, month=_month(month))
    return {
        **_figures(result.total),
        "month": f"{result.month:%Y-%m}",
        "children": [_figures(c) for c in result.children],
    }


class BlindSpotOut(Schema):
    person_id: int
    name: str
    region: str
    address: str
    tier: str
    last_visit_on: dt.date | None
    due_on: dt.date | None
    responsible_worker: str


class BlindSpotsOut(PageOut):
    region: str
    month: str
    items: list[BlindSpotOut]


@router.get("/blind-spots", response={200: BlindSpotsOut, **ERRORS})
def blind_spots(
    request,
    region: RegionCode = "",
    month: Month = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Everyone in scope that month with no qualifying visit and no recorded reason, a page
    at a time (`count` is all of them)."""
    m = _month(month)
    found, rows = selectors.blind_spots(user=request.auth, region_code=region, month=m)
    info, rows = paginate(request, rows, page=page, page_size=page_size)
    return {
        **info,
        "region": found.code,
        "month": f"{m:%Y-%m}",
        "items": [
            {
                "person_id": r.person_id,
                "name": r.name,
                "region": r.region_id,
                "address": r.address,
                "tier": r.tier,
                "last_visit_on": r.last_contact_on,
                "due_on": r.due_on,
                "responsible_worker": r.worker,
            }
            for r in rows
        ],
    }
