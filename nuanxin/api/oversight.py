"""/api/v1/spot-checks, /inspections, /rectifications: oversight, through the same selectors
and services as the pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer
from pydantic import Field

from nuanxin.casework.models import NeedType, Urgency
from nuanxin.core.masking import mask_phone
from nuanxin.oversight import monthly, selectors, services
from nuanxin.oversight.models import (
    CallStatus,
    Method,
    Outcome,
    RectificationStatus,
    Severity,
    SpotCheckCall,
)

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    BodyMoment,
    ClientId,
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

router = Router(tags=["oversight"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

RequiredRegion = Annotated[
    str,
    Query(
        pattern=r"^([0-9]{12}|[0-9]{15})$",
        description="A 12- or 15-digit region code: that region and everything under it.",
    ),
]
OptionalDay = Annotated[
    dt.date | None,
    Query(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31), description="YYYY-MM-DD."),
]


class CallOut(Schema):
    call_id: int
    position: int
    person_id: int
    name: str
    phone: str  # masked
    region: str
    date: dt.date
    status: CallStatus
    attempts: int
    ok: bool | None
    needs: str
    help_request_id: int | None


class SamplePageOut(PageOut):
    street: str
    date: dt.date
    seed: str
    candidates: int
    items: list[CallOut]


class CallIn(Schema):
    """One dial. `reached` false: call again later. With `open_request`, a problem found
    (`ok` false or `needs`) becomes a help request in the same step."""

    person_id: Id
    date: BodyDay = Field(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))
    reached: bool
    ok: bool | None = None
    needs: str = Field("", max_length=300)
    winter_issue: str = Field("", max_length=300)
    epidemic_issue: str = Field("", max_length=300)
    notes: str = Field("", max_length=2000)
    client_id: ClientId | None = None
    open_request: bool = False
    need_type: NeedType | None = None
    urgency: Urgency = Urgency.NORMAL


class ReportRowOut(Schema):
    region: str
    name: str
    drawn: int
    reached: int
    problems: int
    follow_ups: int
    follow_ups_closed: int


class ReportOut(Schema):
    region: str
    date: dt.date
    totals: ReportRowOut
    streets: list[ReportRowOut]


def _call(c: SpotCheckCall) -> dict:
    return {
        "call_id": c.pk,
        "position": c.position,
        "person_id": c.person_id,
        "name": c.person.name,
        "phone": mask_phone(c.person.phone),
        "region": c.region_id,
        "date": c.day,
        "status": c.status,
        "attempts": c.attempts,
        "ok": c.ok,
        "needs": c.needs,
        "help_request_id": c.help_request_id,
    }


def _row(r) -> dict:
    return {
        "region": r.code,
        "name": r.name,
        "drawn": r.drawn,
        "reached": r.reached,
        "problems": r.problems,
        "follow_ups": r.follow_ups_opened,
        "follow_ups_closed": r.follow_ups_closed,
    }


@router.get("/spot-checks", response={200: SamplePageOut, **ERRORS}, url_name="spot_check_list")
def spot_check_list(
    request,
    region: RequiredRegion,
    date: OptionalDay = None,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """A street's sample for a day (today by default), in drawn order: drawn when first
    asked, stored, and the same on every later call. A community or grid code gives its
    part of its street's sample. 422 for a day to come; 404 for a street out of sight."""
    day = date or timezone.localdate()
    area = selectors.region_for(user=request.auth, code=region)
    street = selectors.street_of(area)
    if street is None:
        raise ValidationError({"region": _("Give a street, community or grid code.")})
    drawn = services.spot_check_draw(user=request.auth, street_code=street.code, day=day)
    rows = selectors.calls_of(user=request.auth, street_code=street.code, day=day)
    rows = rows.within(area.code)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {
        **info,
        "street": street.code,
        "date": day,
        "seed": drawn.seed,
        "candidates": drawn.candidates,
        "items": [_call(c) for c in items],
    }


@router.post(
    "/spot-checks/calls",
    response={201: CallOut, 403: ErrorOut, 409: ValidationErrorOut, **ERRORS},
    url_name="spot_check_call",
)
def spot_check_call(request, payload: CallIn):
    """Record a call to a drawn person. 404 if the person was not drawn that day (or is not
    yours); 403 if you may only read; a retry with the same `client_id` changes nothing."""
    data = payload.dict()
    call = services.call_for(
        user=request.auth, person_id=data.pop("person_id"), day=data.pop("date")
    )
    data["need_type"] = data["need_type"] or ""
    saved = services.call_record(user=request.auth, call_id=call.pk, request=request, **data)
    saved = selectors.call_get(user=request.auth, pk=saved.pk)
    return Answer(201, _call(saved))


@router.get(
    "/spot-checks/report", response={200: ReportOut, **ERRORS}, url_name="spot_check_report"
)
def spot_check_report(request, region: RequiredRegion, date: OptionalDay = None):
    """The daily report (yesterday by default): totals and one row per street with calls in
    your scope — drawn, reached, problems, follow-ups (help requests) opened and closed."""
    day = date or timezone.localdate() - dt.timedelta(days=1)
    area = selectors.region_for(user=request.auth, code=region)
    found = selectors.report(user=request.auth, region=area, day=day)
    return {
        "region": area.code,
        "date": day,
        "totals": _row(found.total),
        "streets": [_row(r) for r in found.rows],
    }


# --- joint supervision ------------------------------------------------------------------------


class InspectionOut(Schema):
    id: int
    plan_id: int
    team: str
    region: str
    method: Method
    on: dt.date
    summary: str
    findings: int


class InspectionPageOut(PageOut):
    items: list[InspectionOut]


class InspectionIn(Schema):
    plan_id: Id
    region: str = Field(pattern=r"^([0-9]{12}|[0-9]{15})$")
    method: Method
    on: BodyDay = Field(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))
    summary: str = Field("", max_length=4000)


class InspectionFindingIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    severity: Severity
    responsible_name: str = Field("", max_length=120)
    responsible_unit_id: Id | None = None
    owner_id: Id
    deadline: BodyDay = Field(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))


class FindingOut(Schema):
    id: int
    inspection_id: int
    region: str
    text: str
    severity: Severity
    responsible_name: str
    responsible_unit_id: int | None
    owner_id: int
    deadline: dt.date
    status: RectificationStatus
    overdue: bool


class FindingPageOut(PageOut):
    items: list[FindingOut]


def _inspection(i) -> dict:
    return {
        "id": i.pk,
        "plan_id": i.plan_id,
        "team": i.plan.team.name,
        "region": i.region_id,
        "method": i.method,
        "on": i.on,
        "summary": i.summary,
        "findings": getattr(i, "findings_count", 0),
    }


def _finding(f, today: dt.date) -> dict:
    return {
        "id": f.pk,
        "inspection_id": f.inspection_id,
        "region": f.region_id,
        "text": f.text,
        "severity": f.severity,
        "responsible_name": f.responsible_name,
        "responsible_unit_id": f.responsible_unit_id,
        "owner_id": f.owner_id,
        "deadline": f.deadline,
        "status": f.status,
        "overdue": f.status == RectificationStatus.OPEN and f.deadline < today,
    }


@router.get("/inspections", response={200: InspectionPageOut, **ERRORS}, url_name="inspection_list")
def inspection_list(
    request,
    region: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Inspections of places in your scope, newest first, with their number of findings."""
    rows = selectors.inspection_list(user=request.auth, region=region)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_inspection(i) for i in items]}


@router.post(
    "/inspections",
    response={201: InspectionOut, 403: ErrorOut, **ERRORS},
    url_name="inspection_create",
)
def inspection_create(request, payload: InspectionIn):
    """Record an inspection of one of a plan's places. 404 if the plan is not yours; 403 if you
    may only read the place."""
    data = payload.dict()
    data["region_code"] = data.pop("region")
    inspection = services.inspection_create(user=request.auth, request=request, **data)
    return Answer(
        201, _inspection(selectors.inspection_list(user=request.auth).get(pk=inspection.pk))
    )


@router.post(
    "/inspections/{int:inspection_id}/findings",
    response={201: FindingOut, 403: ErrorOut, **ERRORS},
    url_name="finding_create",
)
def finding_create(request, inspection_id: Id, payload: InspectionFindingIn):
    """A finding and its rectification (owner, deadline). Staff of the place and its inspectors
    may record findings; 403 for anyone else who sees the inspection."""
    finding = services.finding_add(
        user=request.auth, inspection_id=inspection_id, request=request, **payload.dict()
    )
    return Answer(201, _finding(finding, timezone.localdate()))


@router.get(
    "/rectifications", response={200: FindingPageOut, **ERRORS}, url_name="rectification_list"
)
def rectification_list(
    request,
    region: RegionCode = "",
    overdue: Annotated[bool, Query(description="Only those still open past the deadline.")] = False,
    mine: Annotated[bool, Query(description="Only those you own.")] = False,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Findings' rectifications in your scope, by deadline."""
    today = timezone.localdate()
    rows = selectors.rectifications(
        user=request.auth, today=today, region=region, overdue=overdue, mine=mine
    )
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_finding(f, today) for f in items]}


# --- street rescue ----------------------------------------------------------------------------


class EncounterIn(Schema):
    """Someone a patrol met: `person_id` when identified, else a `description`."""

    patrol_id: Id
    at: BodyMoment | None = None
    place: str = Field(min_length=1, max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    person_id: Id | None = None
    description: str = Field("", max_length=300)
    condition: str = Field(min_length=1, max_length=300)
    outcome: Outcome
    follow_ups: str = Field("", max_length=300)
    client_id: ClientId | None = None


class EncounterOut(Schema):
    id: int
    patrol_id: int
    region: str
    at: dt.datetime
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    person_id: int | None
    description: str
    condition: str
    outcome: Outcome
    follow_ups: str


class OutcomeCountsOut(Schema):
    station: int
    hospital: int
    home: int
    ticket: int
    declined: int
    police: int


class DistrictCountOut(Schema):
    region: str
    name: str
    total: int
    outcomes: OutcomeCountsOut


class WeekCountOut(Schema):
    week: str
    total: int
    outcomes: OutcomeCountsOut


class SeasonOut(Schema):
    region: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    total: int
    by_outcome: OutcomeCountsOut
    by_district: list[DistrictCountOut]
    by_week: list[WeekCountOut]


@router.post(
    "/rescue/encounters",
    response={201: EncounterOut, 403: ErrorOut, 409: ValidationErrorOut, **ERRORS},
    url_name="encounter_create",
)
def encounter_create(request, payload: EncounterIn):
    """Record an encounter on a patrol. 404 if the patrol (or the person) is not yours; 403
    if you may only read it; a retry with the same `client_id` answers the stored one."""
    e = services.encounter_record(user=request.auth, request=request, **payload.dict())
    return Answer(
        201,
        {
            "id": e.pk,
            "patrol_id": e.patrol_id,
            "region": e.region_id,
            "at": e.at,
            "place": e.place,
            "latitude": e.latitude,
            "longitude": e.longitude,
            "person_id": e.person_id,
            "description": e.description,
            "condition": e.condition,
            "outcome": e.outcome,
            "follow_ups": e.follow_ups,
        },
    )


@router.get("/rescue/report", response={200: SeasonOut, **ERRORS}, url_name="rescue_report")
def rescue_report(
    request,
    region: RequiredRegion,
    start: Annotated[OptionalDay, Query(alias="from")] = None,
    end: Annotated[OptionalDay, Query(alias="to")] = None,
):
    """Encounters in your scope from `from` to `to` (local dates, both included; by default
    the winter season, 1 November to 31 March): by outcome, by district, by ISO week."""
    first, last = selectors.winter_of(timezone.localdate())
    start, end = start or first, end or last
    if end < start:
        raise ValidationError({"to": _("The end comes before the start.")})
    area = selectors.region_for(user=request.auth, code=region)
    found = selectors.season_report(user=request.auth, region=area, start=start, end=end)
    return SeasonOut.model_validate(
        {
            "region": area.code,
            "from": found.start,
            "to": found.end,
            "total": found.total,
            "by_outcome": found.by_outcome,
            "by_district": found.by_district,
            "by_week": found.by_week,
        }
    ).model_dump(by_alias=True)


# --- the monthly report -----------------------------------------------------------------------


class LineOut(Schema):
    code: str
    label: str
    value: int


class ChildCoverageOut(Schema):
    code: str
    name: str
    in_scope: int
    visited: int
    explained: int
    missed: int
    rate: float
    communities_signed: int


class MonthlyOut(Schema):
    region: str
    month: str
    coverage_total: ChildCoverageOut
    coverage: list[ChildCoverageOut]
    people_by_category: list[LineOut]
    people_by_tier: list[LineOut]
    visits_by_method: list[LineOut]
    requests: dict[str, int]
    spot_checks: dict[str, int]
    rectifications: dict[str, int]
    rescue: list[LineOut]
    rescue_total: int


@router.get("/reports/monthly", response={200: MonthlyOut, **ERRORS}, url_name="monthly_report")
def monthly_report(request, region: RegionCode = "", month: Month = ""):
    """The monthly report (月报) of a region you reach as a whole (last month by default):
    coverage by child region with sign-offs, people by category and tier, visits by method,
    requests opened / resolved / past a response time, spot-checks, rectifications and
    street-rescue encounters by outcome — each the figure of the page or route it names."""
    today = timezone.localdate()
    first = (
        dt.date.fromisoformat(f"{month}-01")
        if month
        else (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    )
    found = monthly.monthly(user=request.auth, region_code=region, month=first)
    return {
        **dataclasses.asdict(found),
        "region": found.region.code,
        "month": f"{found.month:%Y-%m}",
    }
