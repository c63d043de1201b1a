"""/api/v1 worklist, visits, coverage and blind spots: the same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Answer

from nuanxin.core import duties
from nuanxin.visits import selectors, services
from nuanxin.visits.models import FindingKind, FollowUpKind, Method, Outcome, WithWhom

from .schemas import ErrorOut, ValidationErrorOut

router = Router(tags=["visits"])

ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


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


class WorklistOut(Schema):
    date: dt.date
    overdue: list[DutyOut]
    today: list[DutyOut]
    this_week: list[DutyOut]


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({"date": _("Enter a date as YYYY-MM-DD.")}) from None


def _month(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate().replace(day=1)
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValidationError({"month": _("Enter a month as YYYY-MM.")}) from None


def _duty_out(duty: duties.Duty, day: dt.date) -> dict:
    return {
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
def worklist(request, date: str | None = None, region: str = ""):
    """What is due for the signed-in worker: overdue, today, the next six days; red first."""
    day = _day(date)
    items = duties.worklist(
        user=request.auth, today=day, until=day + dt.timedelta(days=6), region=region
    )
    out = {"date": day, "overdue": [], "today": [], "this_week": []}
    for duty in items:
        bucket = "overdue" if duty.due_on < day else "today" if duty.due_on == day else "this_week"
        out[bucket].append(_duty_out(duty, day))
    return out


class FindingIn(Schema):
    kind: FindingKind
    text: str
    tier: str = ""
    ends_on: dt.date | None = None
    follow_up_kind: FollowUpKind | None = None
    repeat_days: int = 0
    # For a service-task follow-up: the task (water, rubbish, medicine …) and
    # the user id of who does it (staff or a volunteer of the person's area).
    task_kind: str = ""
    assignee: int | None = None


class VisitIn(Schema):
    client_id: str | None = None
    person_id: int
    visited_on: dt.date
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
            {"kind": f.kind, "text": f.text, "tier": f.tier, "ends_on": f.ends_on}
            for f in visit.findings.all()
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


@router.get("/persons/{person_id}/visits", response={200: list[VisitOut], **ERRORS})
def person_visits(request, person_id: int):
    _person, visits = selectors.person_visits(user=request.auth, pk=person_id)
    return [_visit_out(v) for v in visits[:200]]


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
def coverage(request, region: str = "", month: str | None = None):
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


class BlindSpotsOut(Schema):
    region: str
    month: str
    count: int
    people: list[BlindSpotOut]


@router.get("/blind-spots", response={200: BlindSpotsOut, **ERRORS})
def blind_spots(request, region: str = "", month: str | None = None):
    """Everyone in scope that month with no qualifying visit and no recorded reason."""
    m = _month(month)
    found, rows = selectors.blind_spots(user=request.auth, region_code=region, month=m)
    if found is None:
        raise Http404
    return {
        "region": found.code,
        "month": f"{m:%Y-%m}",
        "count": len(rows),
        "people": [
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
