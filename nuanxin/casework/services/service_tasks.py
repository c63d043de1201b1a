"""Writes for service tasks: a job on a schedule, each occurrence a duty done or missed.

The schedule is expanded into `TaskOccurrence` rows when the task is created, so
a volunteer's day and an area's blind spots are plain indexed queries. A task
ends (FINISHED) when no occurrence is still due; cancelling it cancels the
occurrences still to come.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.accounts.selectors import users_over, usual_worker
from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.errors import Conflict
from nuanxin.registry.selectors import person_for_change
from nuanxin.visits.models import FollowUp, FollowUpKind

from ..models import (
    HelpRequest,
    OccurrenceStatus,
    Recurrence,
    ServiceTask,
    TaskKind,
    TaskOccurrence,
    TaskStatus,
)

MAX_OCCURRENCES = 366
STEP_DAYS = {Recurrence.DAILY: 1, Recurrence.WEEKLY: 7}

# Who may be given a task: anyone who works over the person's region, and volunteers.
ASSIGNABLE_ROLES = frozenset(
    {
        access.Role.CITY_ADMIN,
        access.Role.DISTRICT_OFFICER,
        access.Role.STREET_OFFICER,
        access.Role.COMMUNITY_WORKER,
        access.Role.GRID_WORKER,
        access.Role.SOCIAL_WORKER,
        access.Role.VOLUNTEER,
    }
)


class TooManyOccurrences(ValueError):
    pass


# --- the schedule, as a pure function --------------------------------------------


def recurrence_dates(
    *,
    starts_on: dt.date,
    recurrence: str,
    count: int | None = None,
    until: dt.date | None = None,
    cap: int = MAX_OCCURRENCES,
) -> list[dt.date]:
    """The dates of a schedule: once, or every day/week for `count` times or until `until`.

    `until` is inclusive. Raises TooManyOccurrences rather than return more than
    `cap` dates, and ValueError when the arguments do not describe a schedule.
    """
    if recurrence == Recurrence.ONCE:
        return [starts_on]
    step = STEP_DAYS.get(recurrence)
    if step is None:
        raise ValueError(f"unknown recurrence {recurrence!r}")
    if (count is None) == (until is None):
        raise ValueError("give exactly one of count and until")
    if count is not None:
        if count < 1:
            raise ValueError("count must be at least 1")
        n = count
    else:
        if until < starts_on:
            raise ValueError("until is before the start")
        n = (until - starts_on).days // step + 1
    if n > cap:
        raise TooManyOccurrences(n)
    return [starts_on + dt.timedelta(days=i * step) for i in range(n)]


def schedule_dates(
    *, starts_on, recurrence, count=None, until=None, count_field="occurrences"
) -> list[dt.date]:
    """recurrence_dates with the form's messages, each on the field at fault."""
    if recurrence not in Recurrence.values:
        raise ValidationError({"recurrence": _("Choose how often.")})
    if recurrence != Recurrence.ONCE:
        if count is None and until is None:
            raise ValidationError({count_field: _("Give either a number of times or an end date.")})
        if count is not None and until is not None:
            raise ValidationError(
                {count_field: _("Give either a number of times or an end date, not both.")}
            )
        if count is not None and count < 1:
            raise ValidationError({count_field: _("At least once.")})
        if until is not None and until < starts_on:
            raise ValidationError({"until": _("The end date is before the first date.")})
    try:
        return recurrence_dates(
            starts_on=starts_on, recurrence=recurrence, count=count, until=until
        )
    except TooManyOccurrences as exc:
        field = count_field if count is not None else "until"
        raise ValidationError(
            {
                field: _("That makes %(n)s times; at most %(max)s. Shorten the schedule.")
                % {"n": exc.args[0], "max": MAX_OCCURRENCES}
            }
        ) from None


# --- who may be assigned ----------------------------------------------------------


def assignable_users(region_id: str, roles=ASSIGNABLE_ROLES):
    """Users with an active membership over the region: staff or volunteers."""
    return users_over(region_id, roles)


def _assignee_check(assignee, region_id: str, field: str = "assignee") -> None:
    if assignee is None:
        return
    if not assignable_users(region_id).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {field: _("%(user)s does not work in this person's area.") % {"user": assignee}}
        )


# --- create ------------------------------------------------------------------------


@transaction.atomic
def service_task_create(
    *,
    user,
    person_id: int,
    kind: str,
    starts_on: dt.date,
    recurrence: str = Recurrence.ONCE,
    occurrences: int | None = None,
    until: dt.date | None = None,
    details: str = "",
    assignee=None,
    help_request: HelpRequest | None = None,
    follow_up=None,
    request=None,
) -> ServiceTask:
    """Create a task and every occurrence of its schedule (one INSERT for them all)."""
    person = person_for_change(user=user, pk=person_id)
    return _task_create(
        user=user,
        person=person,
        kind=kind,
        starts_on=starts_on,
        recurrence=recurrence,
        occurrences=occurrences,
        until=until,
        details=details,
        assignee=assignee,
        help_request=help_request,
        follow_up=follow_up,
        request=request,
    )


def _task_create(
    *,
    user,
    person,
    kind,
    starts_on,
    recurrence,
    occurrences,
    until,
    details,
    assignee,
    help_request,
    follow_up,
    request,
) -> ServiceTask:
    if kind not in TaskKind.values:
        raise ValidationError({"kind": _("Choose the task.")})
    if help_request is not None and help_request.person_id not in (None, person.pk):
        raise ValidationError({"help_request": _("That help request is about someone else.")})
    if recurrence == Recurrence.ONCE:
        occurrences, until = None, None
    dates = schedule_dates(
        starts_on=starts_on, recurrence=recurrence, count=occurrences, until=until
    )
    _assignee_check(assignee, person.region_id)
    task = ServiceTask(
        person=person,
        region_id=person.region_id,
        kind=kind,
        details=(details or "").strip(),
        assignee=assignee,
        recurrence=recurrence,
        starts_on=starts_on,
        occurrences=occurrences,
        until=until,
        help_request=help_request,
        follow_up=follow_up,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    task.full_clean(exclude=["person", "assignee", "help_request", "follow_up", "created_by"])
    task.save()
    TaskOccurrence.objects.bulk_create(
        TaskOccurrence(
            task=task,
            person_id=person.pk,
            region_id=person.region_id,
            assignee=assignee,
            due_on=day,
        )
        for day in dates
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=task,
        request=request,
        object_repr=f"{person} · {task.get_kind_display()}",
        changes={
            "recurrence": recurrence,
            "starts_on": str(starts_on),
            "occurrences": len(dates),
            "assignee": getattr(assignee, "username", None),
        },
    )
    return task


def task_from_follow_up(follow_up) -> ServiceTask | None:
    """A visit's service-task or rectification follow-up, as a task (see the receiver).

    Runs inside the visit's transaction: a bad assignee undoes the whole visit,
    and the visitor sees why on the form.
    """
    visit = follow_up.visit
    user = visit.recorded_by
    assignee = None
    if follow_up.assignee_id:
        assignee = assignable_users(follow_up.region_id).filter(pk=follow_up.assignee_id).first()
        if assignee is None:
            raise ValidationError(
                {"findings": _("The person named for the task does not work in this area.")}
            )
    else:
        # Work nobody owns is work nobody does: the person's usual worker, by default.
        assignee = usual_worker(follow_up.region_id)
        if (
            assignee is not None
            and not assignable_users(follow_up.region_id).filter(pk=assignee.pk).exists()
        ):
            assignee = None
    if follow_up.kind == FollowUpKind.RECTIFICATION:
        kind, recurrence, count = TaskKind.RECTIFICATION, Recurrence.ONCE, None
        starts_on = follow_up.due_on
    else:
        kind = follow_up.task_kind or TaskKind.OTHER
        starts_on = visit.visited_on
        days = follow_up.repeat_days or 0
        recurrence = Recurrence.DAILY if days > 0 else Recurrence.ONCE
        count = days if days > 0 else None
    task = _task_create(
        user=user,
        person=follow_up.person,
        kind=kind,
        starts_on=starts_on,
        recurrence=recurrence,
        occurrences=count,
        until=None,
        details=follow_up.text,
        assignee=assignee,
        help_request=None,
        follow_up=follow_up,
        request=None,
    )
    type(follow_up).objects.filter(pk=follow_up.pk).update(
        picked_up_at=timezone.now(),
        picked_up_ref=f"casework.servicetask:{task.pk}",
        owner=assignee,
    )
    return task


def _follow_up_close(task: ServiceTask) -> None:
    """The visit's follow-up is done when the task it became has ended."""
    if task.follow_up_id:
        FollowUp.objects.filter(pk=task.follow_up_id, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )


# --- changes to a task --------------------------------------------------------------


def _task_locked(user, pk: int) -> ServiceTask:
    """The task, locked for a change by staff of its area (404 out of sight, 403 otherwise)."""
    return access.get_or_404(
        ServiceTask.objects.select_related("person"),
        user,
        access.Action.CHANGE,
        pk=pk,
        for_update=True,
    )


@transaction.atomic
def service_task_assign(
    *, user, task_id: int, assignee, today: dt.date | None = None, request=None
) -> ServiceTask:
    """Give the task to someone else; its undone occurrences from today on follow."""
    today = today or timezone.localdate()
    task = _task_locked(user, task_id)
    if task.status != TaskStatus.ACTIVE:
        raise ValidationError({"assignee": _("Only an active task can be re-assigned.")})
    _assignee_check(assignee, task.region_id)
    before = getattr(task.assignee, "username", None)
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    moved = TaskOccurrence.objects.filter(
        task=task, status=OccurrenceStatus.DUE, due_on__gte=today
    ).update(assignee=assignee)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=task,
        request=request,
        changes={
            "assignee": [before, getattr(assignee, "username", None)],
            "occurrences": moved,
        },
    )
    return task


@transaction.atomic
def service_task_cancel(
    *, user, task_id: int, reason: str = "", today: dt.date | None = None, request=None
) -> ServiceTask:
    """Stop the task: occurrences from today on are cancelled; past ones stay as they are."""
    today = today or timezone.localdate()
    task = _task_locked(user, task_id)
    if task.status != TaskStatus.ACTIVE:
        raise ValidationError({"__all__": _("This task is no longer active.")})
    cancelled = TaskOccurrence.objects.filter(
        task=task, status=OccurrenceStatus.DUE, due_on__gte=today
    ).update(status=OccurrenceStatus.CANCELLED, note=(reason or "")[:300])
    task.status = TaskStatus.CANCELLED
    task.save(update_fields=["status"])
    _follow_up_close(task)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=task,
        request=request,
        reason=reason or "",
        changes={"status": [TaskStatus.ACTIVE, TaskStatus.CANCELLED], "cancelled": cancelled},
    )
    return task


def _finish_if_done(task: ServiceTask) -> None:
    """The finish rule: a task with no occurrence still due is FINISHED."""
    if task.status != TaskStatus.ACTIVE:
        return
    if not TaskOccurrence.objects.filter(task_id=task.pk, status=OccurrenceStatus.DUE).exists():
        task.status = TaskStatus.FINISHED
        task.save(update_fields=["status"])
        _follow_up_close(task)


# --- occurrences ------------------------------------------------------------------


def _occurrence_for(user, pk: int, *, staff_only: bool = False) -> TaskOccurrence:
    """The occurrence, locked, if the user is its assignee or staff with CHANGE over it.

    ``staff_only``: the assignee's link does not count (recording a miss is staff work).
    """
    occ = access.get_or_404(
        TaskOccurrence.objects.select_related("task", "person"), user, pk=pk, for_update=True
    )
    if staff_only:
        access.require_region(user, access.Action.CHANGE, occ.region_id)
    else:
        access.require(user, access.Action.CHANGE, occ)
    return occ


def occurrence_done(
    *, user, occurrence_id: int, note: str = "", client_id: str | None = None, request=None
) -> tuple[TaskOccurrence, bool]:
    """Mark an occurrence done. Returns (occurrence, changed).

    Tapping twice, or a phone retrying with the same client_id, changes nothing
    the second time.
    """
    client_id = (client_id or "").strip() or None
    if client_id:
        seen = _seen(user, client_id, occurrence_id)
        if seen is not None:
            with transaction.atomic():
                _occurrence_for(user, occurrence_id)  # still theirs?
            return seen, False
    try:
        with transaction.atomic():
            occ = _occurrence_for(user, occurrence_id)
            if occ.status == OccurrenceStatus.DONE:
                return occ, False
            if occ.status == OccurrenceStatus.CANCELLED:
                raise ValidationError({"__all__": _("This task was cancelled.")})
            if occ.due_on > timezone.localdate():
                raise ValidationError({"__all__": _("This is not due yet.")})
            before = occ.status
            occ.status = OccurrenceStatus.DONE
            occ.done_at = timezone.now()
            occ.done_by = user if getattr(user, "is_authenticated", False) else None
            occ.note = (note or "").strip()[:300] or occ.note
            occ.client_id = client_id
            occ.save(update_fields=["status", "done_at", "done_by", "note", "client_id"])
            _finish_if_done(occ.task)
            audit_record(
                user=user,
                action=AuditAction.UPDATE,
                obj=occ,
                request=request,
                object_repr=f"{occ.task.get_kind_display()} · {occ.due_on}",
                changes={"status": [before, OccurrenceStatus.DONE]},
            )
    except IntegrityError:
        seen = _seen(user, client_id, occurrence_id) if client_id else None
        if seen is None:
            raise
        return seen, False
    return occ, True


def _seen(user, client_id: str, occurrence_id: int) -> TaskOccurrence | None:
    """The author's own "done" sent with this client id (a retry); another's is never read."""
    author = user if getattr(user, "is_authenticated", False) else None
    seen = TaskOccurrence.objects.filter(done_by=author, client_id=client_id).first()
    if seen is not None and seen.pk != occurrence_id:
        raise Conflict(
            {"client_id": _("That client id was already used for another task; send a new one.")},
            code="conflict",
        )
    return seen


@transaction.atomic
def occurrence_missed(*, user, occurrence_id: int, reason: str, request=None) -> TaskOccurrence:
    """Staff record that an occurrence did not happen, and why."""
    reason = (reason or "").strip()
    occ = _occurrence_for(user, occurrence_id, staff_only=True)
    if not reason:
        raise ValidationError({"reason": _("Say why it was missed.")})
    if occ.status != OccurrenceStatus.DUE:
        raise ValidationError({"__all__": _("Only a due occurrence can be marked missed.")})
    if occ.due_on > timezone.localdate():
        raise ValidationError({"__all__": _("It is not due yet; cancel the task instead.")})
    occ.status = OccurrenceStatus.MISSED
    occ.note = reason[:300]
    occ.save(update_fields=["status", "note"])
    _finish_if_done(occ.task)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=occ,
        request=request,
        reason=reason,
        changes={"status": [OccurrenceStatus.DUE, OccurrenceStatus.MISSED]},
    )
    return occ
