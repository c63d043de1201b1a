"""Writes for care plans (帮扶方案): goals, measures and a schedule of sessions.

Sessions are expanded into `CareSession` rows when the plan is made; each is a
duty until it is held or cancelled. Closing the plan cancels what remains.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.registry.selectors import person_for_change

from ..models import (
    Assessment,
    CarePlan,
    CareSession,
    HelpRequest,
    OccurrenceStatus,
    PlanKind,
    PlanStatus,
    Recurrence,
    SessionMode,
)
from .service_tasks import ASSIGNABLE_ROLES, assignable_users, schedule_dates

REVIEW_AFTER_DAYS = 7


def responsible_candidates(region_id: str):
    """Workers who may be responsible for a plan: staff over the region (not volunteers)."""
    return assignable_users(region_id, roles=ASSIGNABLE_ROLES - {access.Role.VOLUNTEER})


@transaction.atomic
def care_plan_create(
    *,
    user,
    person_id: int,
    kind: str,
    goals: str,
    starts_on: dt.date,
    sessions: int,
    recurrence: str = Recurrence.WEEKLY,
    measures: str = "",
    responsible=(),
    review_on: dt.date | None = None,
    assessment: Assessment | None = None,
    help_request: HelpRequest | None = None,
    request=None,
) -> CarePlan:
    """Make a plan and its sessions; the review falls a week after the last session by default."""
    person = person_for_change(user=user, pk=person_id)
    if kind not in PlanKind.values:
        raise ValidationError({"kind": _("Choose the kind of plan.")})
    if not (goals or "").strip():
        raise ValidationError({"goals": _("Write down the goals.")})
    if recurrence == Recurrence.ONCE:
        sessions = 1
    dates = schedule_dates(
        starts_on=starts_on, recurrence=recurrence, count=sessions, count_field="sessions"
    )
    workers = list(responsible)
    if not workers:
        raise ValidationError({"responsible": _("Name at least one responsible worker.")})
    allowed = set(
        responsible_candidates(person.region_id)
        .filter(pk__in=[w.pk for w in workers])
        .values_list("pk", flat=True)
    )
    strangers = [str(w) for w in workers if w.pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "responsible": _("%(users)s do not work in this person's area.")
                % {"users": ", ".join(strangers)}
            }
        )
    for linked, field in ((assessment, "assessment"), (help_request, "help_request")):
        if linked is not None and linked.person_id not in (None, person.pk):
            raise ValidationError({field: _("That record is about someone else.")})
    plan = CarePlan(
        person=person,
        region_id=person.region_id,
        kind=kind,
        goals=goals.strip(),
        measures=(measures or "").strip(),
        assessment=assessment,
        help_request=help_request,
        starts_on=starts_on,
        recurrence=recurrence,
        sessions=len(dates),
        review_on=review_on or dates[-1] + dt.timedelta(days=REVIEW_AFTER_DAYS),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    plan.full_clean(exclude=["person", "assessment", "help_request", "created_by"])
    plan.save()
    plan.responsible.set(workers)
    CareSession.objects.bulk_create(
        CareSession(
            plan=plan, person_id=person.pk, region_id=person.region_id, number=i, due_on=day
        )
        for i, day in enumerate(dates, start=1)
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=plan,
        request=request,
        object_repr=f"{person} · {plan.get_kind_display()}",
        changes={
            "sessions": len(dates),
            "recurrence": recurrence,
            "responsible": [w.get_username() for w in workers],
        },
    )
    return plan


def _session_locked(user, pk: int) -> CareSession:
    """The session, locked, if the user is responsible for its plan or staff with CHANGE."""
    return access.get_or_404(
        CareSession.objects.select_related("plan", "person"),
        user,
        access.Action.CHANGE,
        pk=pk,
        for_update=True,
    )


@transaction.atomic
def care_session_record(
    *,
    user,
    session_id: int,
    held_on: dt.date,
    mode: str,
    notes: str = "",
    request=None,
) -> CareSession:
    """Record that a session was held (in person, online or by phone), with notes."""
    session = _session_locked(user, session_id)
    if session.plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"__all__": _("The plan is closed.")})
    if session.status not in (OccurrenceStatus.DUE, OccurrenceStatus.DONE):
        raise ValidationError({"__all__": _("This session was cancelled.")})
    if mode not in SessionMode.values:
        raise ValidationError({"mode": _("Say how the session was held.")})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A session cannot be recorded in the future.")})
    before = session.status
    session.status = OccurrenceStatus.DONE
    session.held_on = held_on
    session.mode = mode
    session.notes = (notes or "").strip()
    session.held_by = user if getattr(user, "is_authenticated", False) else None
    session.save(update_fields=["status", "held_on", "mode", "notes", "held_by"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=session,
        request=request,
        changes={"status": [before, session.status], "held_on": str(held_on), "mode": mode},
    )
    return session


@transaction.atomic
def care_session_cancel(*, user, session_id: int, reason: str = "", request=None) -> CareSession:
    session = _session_locked(user, session_id)
    if session.status != OccurrenceStatus.DUE:
        raise ValidationError({"__all__": _("Only a session still due can be cancelled.")})
    session.status = OccurrenceStatus.CANCELLED
    session.notes = (reason or "").strip()
    session.save(update_fields=["status", "notes"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=session,
        request=request,
        reason=reason or "",
        changes={"status": [OccurrenceStatus.DUE, OccurrenceStatus.CANCELLED]},
    )
    return session


@transaction.atomic
def care_plan_close(
    *, user, plan_id: int, outcome: str, closed_on: dt.date | None = None, request=None
) -> CarePlan:
    """Close the plan with its outcome; sessions not yet held are cancelled."""
    plan = access.get_or_404(CarePlan, user, access.Action.CHANGE, pk=plan_id, for_update=True)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"__all__": _("The plan is already closed.")})
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Describe the outcome.")})
    closed_on = closed_on or timezone.localdate()
    if closed_on < plan.starts_on:
        raise ValidationError({"closed_on": _("The plan cannot close before it starts.")})
    cancelled = CareSession.objects.filter(plan=plan, status=OccurrenceStatus.DUE).update(
        status=OccurrenceStatus.CANCELLED
    )
    plan.status = PlanStatus.CLOSED
    plan.closed_on = closed_on
    plan.outcome = outcome.strip()
    plan.save(update_fields=["status", "closed_on", "outcome"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=plan,
        request=request,
        changes={"status": [PlanStatus.ACTIVE, PlanStatus.CLOSED], "cancelled": cancelled},
    )
    return plan
