"""Reads for service tasks, always scoped; the duty source; the volunteer's link.

Two kinds of reader:

- staff reach tasks by region (the gate, `restrict`);
- whoever a task is assigned to — a volunteer above all — reaches it and its
  occurrences through links declared here, and through them only the person's
  name, address and phone (the gate's task view).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties

from ..models import OccurrenceStatus, ServiceTask, TaskOccurrence, TaskStatus

MISSED_SHOWN_DAYS = 7  # an explicitly missed day stays on the blind-spot report this long


# --- links: what an assignment lets its assignee reach ---------------------------------


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def task_link(user, action: str) -> Q | None:
    """Tasks assigned to the user, or with an occurrence assigned to them (to read)."""
    if action != access.Action.VIEW or not _signed_in(user):
        return None
    mine = TaskOccurrence.objects.filter(assignee_id=user.pk).values("task_id")
    return Q(assignee_id=user.pk) | Q(pk__in=mine)


def occurrence_link(user, action: str) -> Q | None:
    """Occurrences assigned to the user: to read, and to mark done (a change)."""
    if action not in (access.Action.VIEW, access.Action.CHANGE) or not _signed_in(user):
        return None
    return Q(assignee_id=user.pk)


def person_link(user, action: str) -> Q | None:
    """People of active tasks assigned to a volunteer or partner: their task view."""
    if action != access.Action.VIEW or not access.has_link_role(user):
        return None
    return Q(
        pk__in=ServiceTask.objects.filter(assignee_id=user.pk, status=TaskStatus.ACTIVE).values(
            "person_id"
        )
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
        ServiceTask.objects.restrict(user, access.Action.VIEW, links=False)
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
    return access.get_or_404(
        ServiceTask.objects.select_related(
            "person", "assignee", "created_by", "help_request", "follow_up"
        ),
        user,
        pk=pk,
    )


def task_occurrences(*, user, task: ServiceTask) -> QuerySet[TaskOccurrence]:
    """A task's occurrences, as far as the user reaches them (a volunteer: their own)."""
    rows = TaskOccurrence.objects.restrict(user, access.Action.VIEW).filter(task=task)
    return rows.select_related("assignee", "done_by").order_by("due_on")


def occurrence_get(*, user, pk: int) -> TaskOccurrence:
    return access.get_or_404(TaskOccurrence.objects.select_related("task", "person"), user, pk=pk)


# --- duties -------------------------------------------------------------------------


class TaskDuties:
    """Occurrences as duties: due ones (for the assignee, and for staff by area) and late ones."""

    kind = "service_task"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Occurrences still due, and those missed lately (see core.duties: any date)."""
        shown = Q(status=OccurrenceStatus.DUE) | Q(
            status=OccurrenceStatus.MISSED,
            due_on__gte=today - dt.timedelta(days=MISSED_SHOWN_DAYS),
        )
        return [
            TaskOccurrence.objects.restrict(user, access.Action.VIEW).within(region).filter(shown)
        ]

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
        rows = TaskOccurrence.objects.restrict(user, access.Action.VIEW).within(region)
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


def ready() -> None:
    """Called from AppConfig.ready: register duty sources and access links."""
    duties.register(TaskDuties())
    access.register_link("casework.ServiceTask", task_link)
    access.register_link("casework.TaskOccurrence", occurrence_link)
    access.register_link("registry.Person", person_link)
