"""Reads for care plans, scoped by region (staff) or by being a responsible worker; the duty source."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties

from ..models import CarePlan, CareSession, OccurrenceStatus, PlanStatus

# --- links: a plan's responsible workers reach it wherever they work ---------------------


def _my_plans(user):
    return CarePlan.responsible.through.objects.filter(user_id=user.pk).values("careplan_id")


def plan_link(user, action: str) -> Q | None:
    """Plans naming the user as responsible: to read (closing one is staff work)."""
    if action != access.Action.VIEW or not getattr(user, "is_authenticated", False):
        return None
    return Q(pk__in=_my_plans(user))


def session_link(user, action: str) -> Q | None:
    """Sessions of those plans: to read and to record as held (a change)."""
    if action not in (access.Action.VIEW, access.Action.CHANGE):
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(plan_id__in=_my_plans(user))


def plan_get(*, user, pk: int) -> CarePlan:
    return access.get_or_404(
        CarePlan.objects.select_related(
            "person", "assessment", "help_request", "created_by"
        ).prefetch_related("responsible"),
        user,
        pk=pk,
    )


def plan_sessions(*, plan: CarePlan) -> QuerySet[CareSession]:
    return CareSession.objects.filter(plan=plan).select_related("held_by").order_by("number")


def session_get(*, user, pk: int) -> CareSession:
    return access.get_or_404(
        CareSession.objects.select_related("plan", "person", "held_by"), user, pk=pk
    )


def can_record(user, plan: CarePlan) -> bool:
    """Responsible workers, or staff who may change the person's records."""
    if access.can(user, access.Action.CHANGE, plan.region_id):
        return True
    return any(w.pk == user.pk for w in plan.responsible.all())


class SessionDuties:
    """Care sessions as duties: for the plan's responsible workers, and for staff by area."""

    kind = "care_session"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every session due of an active plan in reach (see core.duties: any date)."""
        return [SessionDuties._open(user, region)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(due_on__lte=until)
        return [self._duty(s, user) for s in rows[:limit]]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(due_on__lt=today)
        return [self._duty(s, user) for s in rows[:limit]]

    @staticmethod
    def _open(user, region: str):
        return (
            CareSession.objects.restrict(user, access.Action.VIEW)
            .within(region)
            .filter(status=OccurrenceStatus.DUE, plan__status=PlanStatus.ACTIVE)
        )

    @staticmethod
    def _rows(user, region: str):
        rows = SessionDuties._open(user, region)
        # Whether the user is one of the plan's responsible workers: the duty is theirs.
        responsible = CarePlan.responsible.through.objects.filter(
            careplan_id=OuterRef("plan_id"), user_id=getattr(user, "pk", None)
        )
        return (
            rows.annotate(is_mine=Exists(responsible))
            .select_related("plan", "person")
            .order_by("due_on", "id")
        )

    @staticmethod
    def _duty(s: CareSession, user) -> duties.Duty:
        return duties.Duty(
            kind="care_session",
            person_id=s.person_id,
            person_name=s.person.name,
            region_id=s.region_id,
            due_on=s.due_on,
            tier=s.person.tier or "",
            label=_("%(plan)s: session %(n)s of %(total)s")
            % {"plan": s.plan.get_kind_display(), "n": s.number, "total": s.plan.sessions},
            link=reverse("casework:session_record", args=[s.pk]),
            owner_id=user.pk if s.is_mine else None,
            address=s.person.address,
            phone=s.person.phone,
        )


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
    duties.register(SessionDuties())
    access.register_link("casework.CarePlan", plan_link)
    access.register_link("casework.CareSession", session_link)
