"""Reads for service tasks, always scoped; the duty source; the volunteer's link.

Two kinds of reader:

- staff reach tasks by region (`access.region_q`);
- a volunteer (a link-only role) reaches the occurrences assigned to them, and
  through them only the person's name, address and phone.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties

from ..models import OccurrenceStatus, ServiceTask, TaskOccurrence, TaskStatus

MISSED_SHOWN_DAYS = 7  # an explicitly missed day stays on the blind-spot report this long


# --- who sees what --------------------------------------------------------------------


def is_staff(user, region_id: str | None = None) -> bool:
    """May the user see tasks by area (as opposed to only their own)?"""
    return access.can(user, access.Action.VIEW, region_id)


def occurrence_q(user, action: str = access.Action.VIEW) -> Q:
    """Occurrences the user reaches: their own, and their area's if staff."""
    q = access.region_q(user, action)
    if getattr(user, "is_authenticated", False):
        q |= Q(assignee_id=user.pk)
    return q


def task_q(user) -> Q:
    """Tasks the user reaches: their area's, or those with an occurrence assigned to them."""
    q = access.region_q(user, access.Action.VIEW)
    if getattr(user, "is_authenticated", False):
        mine = TaskOccurrence.objects.filter(assignee_id=user.pk).values("task_id")
        q |= Q(assignee_id=user.pk) | Q(pk__in=mine)
    return q


def linked_person_ids(user):
    """access.register_link provider: the people of active tasks assigned to the user."""
    return ServiceTask.objects.filter(assignee_id=user.pk, status=TaskStatus.ACTIVE).values(
        "person_id"
    )


# --- lists ----------------------------------------------------------------------------


def task_list(
    *,
    user,
    kind: str = "",
    assignee: str = "",
    status: str = "",
    missed: bool = False,
    person_id: int | None = None,
    today: dt.date,
) -> QuerySet[ServiceTask]:
    """Tasks in the user's area, newest first, with their counts (one query per page)."""
    undone = TaskOccurrence.objects.filter(task_id=OuterRef("pk")).filter(
        Q(status=OccurrenceStatus.MISSED) | Q(status=OccurrenceStatus.DUE, due_on__lt=today)
    )
    rows = (
        ServiceTask.objects.filter(access.region_q(user, access.Action.VIEW))
        .select_related("person", "assignee")
        .annotate(
            n_total=Count("occurrence_set"),
            n_done=Count("occurrence_set", filter=Q(occurrence_set__status=OccurrenceStatus.DONE)),
            has_missed=Exists(undone),
        )
    )
    if kind:
        rows = rows.filter(kind=kind)
    if assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif assignee.isdigit():
        rows = rows.filter(assignee_id=int(assignee))
    if status:
        rows = rows.filter(status=status)
    if missed:
        rows = rows.filter(has_missed=True)
    if person_id:
        rows = rows.filter(person_id=person_id)
    return rows.order_by("-starts_on", "-id")


def my_occurrences(*, user, start: dt.date, end: dt.date) -> QuerySet[TaskOccurrence]:
    """The occurrences assigned to the user between two dates, with what the visit needs."""
    return (
        TaskOccurrence.objects.filter(assignee_id=user.pk, due_on__gte=start, due_on__lte=end)
        .exclude(status=OccurrenceStatus.CANCELLED)
        .select_related("task", "person")
        .order_by("due_on", "person_id", "task_id")
    )


def task_get(*, user, pk: int) -> ServiceTask:
    task = (
        ServiceTask.objects.filter(task_q(user), pk=pk)
        .select_related("person", "assignee", "created_by", "help_request", "follow_up")
        .first()
    )
    if task is None:
        raise Http404
    return task


def task_occurrences(*, user, task: ServiceTask) -> QuerySet[TaskOccurrence]:
    """A task's occurrences; a volunteer sees only those assigned to them."""
    rows = TaskOccurrence.objects.filter(task=task).select_related("assignee", "done_by")
    if not is_staff(user, task.region_id):
        rows = rows.filter(assignee_id=user.pk)
    return rows.order_by("due_on")


def occurrence_get(*, user, pk: int) -> TaskOccurrence:
    occ = (
        TaskOccurrence.objects.filter(occurrence_q(user), pk=pk)
        .select_related("task", "person")
        .first()
    )
    if occ is None:
        raise Http404
    return occ


# --- duties -------------------------------------------------------------------------


class TaskDuties:
    """Occurrences as duties: due ones (for the assignee, and for staff by area) and late ones."""

    kind = "service_task"

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(status=OccurrenceStatus.DUE, due_on__lte=until)
        return [self._duty(o) for o in rows[:limit]]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        late = Q(status=OccurrenceStatus.DUE, due_on__lt=today) | Q(
            status=OccurrenceStatus.MISSED,
            due_on__lt=today,
            due_on__gte=today - dt.timedelta(days=MISSED_SHOWN_DAYS),
        )
        rows = self._rows(user, region).filter(late)
        return [self._duty(o) for o in rows[:limit]]

    @staticmethod
    def _rows(user, region: str):
        from nuanxin.regions.models import prefix_q

        rows = TaskOccurrence.objects.filter(occurrence_q(user))
        if region:
            rows = rows.filter(prefix_q(region, "region_id"))
        return rows.select_related("task", "person").order_by("due_on", "id")

    @staticmethod
    def _duty(o: TaskOccurrence) -> duties.Duty:
        label = o.task.get_kind_display()
        if o.status == OccurrenceStatus.MISSED:
            label = _("%(task)s — missed: %(why)s") % {"task": label, "why": o.note}
        elif o.task.details:
            label = f"{label}: {o.task.details}"
        return duties.Duty(
            kind="service_task",
            person_id=o.person_id,
            person_name=o.person.name,
            region_id=o.region_id,
            due_on=o.due_on,
            tier=o.person.tier or "",
            label=label,
            link=reverse("casework:occurrence_done", args=[o.pk]),
            owner_id=o.assignee_id,
            address=o.person.address,
            phone=o.person.phone,
        )


# --- wiring ---------------------------------------------------------------------------


def _follow_up_saved(sender, instance, created, raw=False, **kwargs):
    """A visit's service-task or rectification follow-up becomes a task at once."""
    from nuanxin.visits.models import FollowUpKind

    if raw or not created:
        return
    if instance.kind not in (FollowUpKind.SERVICE_TASK, FollowUpKind.RECTIFICATION):
        return
    from ..services.service_tasks import task_from_follow_up

    task_from_follow_up(instance)


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
    from django.db.models.signals import post_save

    from nuanxin.visits.models import FollowUp

    duties.register(TaskDuties())
    access.register_link(linked_person_ids)
    post_save.connect(
        _follow_up_saved, sender=FollowUp, dispatch_uid="casework.service_tasks.follow_up"
    )
