"""/api/v1 routes for service tasks and care plans: the same selectors and services as the pages.

A volunteer's answers carry only what the job needs: the person's name,
address and phone — never the ID number, categories or health.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer

from nuanxin.casework.models import (
    Assessment,
    HelpRequest,
    OccurrenceStatus,
    PlanKind,
    Recurrence,
    SessionMode,
    TaskKind,
    TaskStatus,
)
from nuanxin.casework.selectors import care_plans as plan_selectors
from nuanxin.casework.selectors import service_tasks as task_selectors
from nuanxin.casework.services import care_plans as plan_services
from nuanxin.casework.services import service_tasks as task_services
from nuanxin.core import access

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    ClientId,
    Day,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    Times,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["casework"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


# --- shapes ----------------------------------------------------------------------------


class PersonBriefOut(Schema):
    """What a task needs to know of the person, and nothing more."""

    id: int
    name: str
    address: str
    phone: str


class OccurrenceOut(Schema):
    id: int
    task_id: int
    kind: str
    kind_label: str
    details: str
    due_on: dt.date
    status: str
    done_at: dt.datetime | None
    note: str
    person: PersonBriefOut


class OccurrencePageOut(PageOut):
    items: list[OccurrenceOut]


class TaskOut(Schema):
    id: int
    person: PersonBriefOut
    region: str
    kind: str
    kind_label: str
    details: str
    assignee_id: int | None
    recurrence: str
    starts_on: dt.date
    occurrences: int | None
    until: dt.date | None
    status: str
    help_request_id: int | None
    schedule: list[OccurrenceOut] = []


class TaskPageOut(PageOut):
    items: list[TaskOut]


class TaskIn(Schema):
    person_id: Id
    kind: TaskKind
    details: str = ""
    assignee_id: Id | None = None
    recurrence: Recurrence = Recurrence.ONCE
    starts_on: BodyDay
    occurrences: Times | None = None
    until: BodyDay | None = None
    help_request_id: Id | None = None


class DoneIn(Schema):
    client_id: ClientId | None = None
    note: str = ""


class SessionOut(Schema):
    id: int
    number: int
    due_on: dt.date
    status: str
    held_on: dt.date | None
    mode: str
    notes: str


class PlanOut(Schema):
    id: int
    person_id: int
    person_name: str
    region: str
    kind: str
    goals: str
    measures: str
    responsible: list[int]
    starts_on: dt.date
    recurrence: str
    sessions: int
    review_on: dt.date | None
    status: str
    closed_on: dt.date | None
    outcome: str
    schedule: list[SessionOut]


class PlanIn(Schema):
    person_id: Id
    kind: PlanKind
    goals: str
    measures: str = ""
    responsible: list[Id]
    starts_on: BodyDay
    recurrence: Recurrence = Recurrence.WEEKLY
    sessions: Times
    review_on: BodyDay | None = None
    help_request_id: Id | None = None
    assessment_id: Id | None = None


class SessionIn(Schema):
    held_on: BodyDay
    mode: SessionMode
    notes: str = ""


# --- converters ------------------------------------------------------------------------


def _person(p) -> dict:
    return {"id": p.pk, "name": p.name, "address": p.address, "phone": p.phone}


def _occurrence_out(o) -> dict:
    return {
        "id": o.pk,
        "task_id": o.task_id,
        "kind": o.task.kind,
        "kind_label": o.task.get_kind_display(),
        "details": o.task.details,
        "due_on": o.due_on,
        "status": o.status,
        "done_at": o.done_at,
        "note": o.note,
        "person": _person(o.person),
    }


def _task_out(t, schedule=()) -> dict:
    return {
        "id": t.pk,
        "person": _person(t.person),
        "region": t.region_id,
        "kind": t.kind,
        "kind_label": t.get_kind_display(),
        "details": t.details,
        "assignee_id": t.assignee_id,
        "recurrence": t.recurrence,
        "starts_on": t.starts_on,
        "occurrences": t.occurrences,
        "until": t.until,
        "status": t.status,
        "help_request_id": t.help_request_id,
        "schedule": [_occurrence_out(o) for o in schedule],
    }


def _plan_out(plan) -> dict:
    return {
        "id": plan.pk,
        "person_id": plan.person_id,
        "person_name": plan.person.name,
        "region": plan.region_id,
        "kind": plan.kind,
        "goals": plan.goals,
        "measures": plan.measures,
        "responsible": [u.pk for u in plan.responsible.all()],
        "starts_on": plan.starts_on,
        "recurrence": plan.recurrence,
        "sessions": plan.sessions,
        "review_on": plan.review_on,
        "status": plan.status,
        "closed_on": plan.closed_on,
        "outcome": plan.outcome,
        "schedule": [
            {
                "id": s.pk,
                "number": s.number,
                "due_on": s.due_on,
                "status": s.status,
                "held_on": s.held_on,
                "mode": s.mode,
                "notes": s.notes,
            }
            for s in plan_selectors.plan_sessions(plan=plan)
        ],
    }


def _user(pk: int | None, field: str):
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("No such user.")})
    return user


# --- tasks -----------------------------------------------------------------------------


@router.get(
    "/tasks", response={200: TaskPageOut | OccurrencePageOut, **ERRORS}, url_name="task_list"
)
def task_list(
    request,
    kind: TaskKind | None = None,
    assignee: Annotated[
        str, Query(pattern=r"^(none|[1-9][0-9]{0,17})?$", description="A user's id, or none.")
    ] = "",
    status: TaskStatus | None = None,
    missed: bool = False,
    date_from: Day = None,
    date_to: Day = None,
    mine: bool = False,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Staff: the tasks of their area (filters: kind, assignee, status, missed).

    A volunteer (or anyone with `mine=true`): their own occurrences from
    `date_from` to `date_to` (default: a week back to a week ahead), by day.
    """
    user = request.auth
    today = timezone.localdate()
    if mine or access.scope(user, access.Action.VIEW).nowhere:
        start = date_from or today - dt.timedelta(days=7)
        end = date_to or today + dt.timedelta(days=7)
        rows = task_selectors.my_occurrences(user=user, start=start, end=end)
        info, items = paginate(request, rows, page=page, page_size=page_size)
        return {**info, "items": [_occurrence_out(o) for o in items]}
    rows = task_selectors.task_list(
        user=user,
        kind=kind or "",
        assignee=assignee,
        status=status or "",
        missed=missed,
        today=today,
    )
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_task_out(t) for t in items]}


@router.post("/tasks", response={201: TaskOut, **ERRORS}, url_name="task_create")
def task_create(request, payload: TaskIn):
    """Create a task and its whole schedule (at most 366 occurrences)."""
    user = request.auth
    help_request = None
    if payload.help_request_id is not None:
        help_request = (
            HelpRequest.objects.restrict(user, access.Action.VIEW)
            .filter(pk=payload.help_request_id)
            .first()
        )
        if help_request is None:
            raise ValidationError({"help_request_id": _("No such help request.")})
    task = task_services.service_task_create(
        user=user,
        person_id=payload.person_id,
        kind=payload.kind,
        details=payload.details,
        assignee=_user(payload.assignee_id, "assignee_id"),
        recurrence=payload.recurrence,
        starts_on=payload.starts_on,
        occurrences=payload.occurrences,
        until=payload.until,
        help_request=help_request,
        request=request,
    )
    task = task_selectors.task_get(user=user, pk=task.pk)
    return Answer(201, _task_out(task, task_selectors.task_occurrences(user=user, task=task)))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, url_name="task_detail")
def task_detail(request, task_id: Id):
    """One task and its schedule; a volunteer sees only their own occurrences of it."""
    task = task_selectors.task_get(user=request.auth, pk=task_id)
    occurrences = task_selectors.task_occurrences(user=request.auth, task=task).select_related(
        "task", "person"
    )
    return _task_out(task, occurrences)


@router.post(
    "/tasks/occurrences/{occurrence_id}/done",
    response={200: OccurrenceOut, 201: OccurrenceOut, **ERRORS},
    url_name="occurrence_done",
)
def occurrence_done(request, occurrence_id: Id, payload: DoneIn):
    """Mark an occurrence done: 201 the first time, 200 when it already was (same client_id)."""
    occ, changed = task_services.occurrence_done(
        user=request.auth,
        occurrence_id=occurrence_id,
        note=payload.note,
        client_id=payload.client_id,
        request=request,
    )
    occ = task_selectors.occurrence_get(user=request.auth, pk=occ.pk)
    if occ.status != OccurrenceStatus.DONE:  # pragma: no cover - the service guarantees it
        raise Http404
    return Answer(201 if changed else 200, _occurrence_out(occ))


# --- care plans --------------------------------------------------------------------------


@router.post("/care-plans", response={201: PlanOut, **ERRORS}, url_name="plan_create")
def plan_create(request, payload: PlanIn):
    """Create a care plan and its sessions; the review defaults to a week after the last."""
    user = request.auth
    linked = {}
    for model, pk, field in (
        (HelpRequest, payload.help_request_id, "help_request"),
        (Assessment, payload.assessment_id, "assessment"),
    ):
        if pk is None:
            continue
        found = model.objects.restrict(user, access.Action.VIEW).filter(pk=pk).first()
        if found is None:
            raise ValidationError({f"{field}_id": _("Not found.")})
        linked[field] = found
    workers = list(get_user_model().objects.filter(pk__in=payload.responsible, is_active=True))
    if len(workers) != len(set(payload.responsible)):
        raise ValidationError({"responsible": _("No such user.")})
    plan = plan_services.care_plan_create(
        user=user,
        person_id=payload.person_id,
        kind=payload.kind,
        goals=payload.goals,
        measures=payload.measures,
        responsible=workers,
        starts_on=payload.starts_on,
        recurrence=payload.recurrence,
        sessions=payload.sessions,
        review_on=payload.review_on,
        request=request,
        **linked,
    )
    return Answer(201, _plan_out(plan_selectors.plan_get(user=user, pk=plan.pk)))


@router.get("/care-plans/{plan_id}", response={200: PlanOut, **ERRORS}, url_name="plan_detail")
def plan_detail(request, plan_id: Id):
    return _plan_out(plan_selectors.plan_get(user=request.auth, pk=plan_id))


@router.post(
    "/care-plans/sessions/{session_id}",
    response={200: PlanOut, **ERRORS},
    url_name="session_record",
)
def session_record(request, session_id: Id, payload: SessionIn):
    """Record a session as held (in person, online or by phone); answers the whole plan."""
    session = plan_services.care_session_record(
        user=request.auth,
        session_id=session_id,
        held_on=payload.held_on,
        mode=payload.mode,
        notes=payload.notes,
        request=request,
    )
    return _plan_out(plan_selectors.plan_get(user=request.auth, pk=session.plan_id))
