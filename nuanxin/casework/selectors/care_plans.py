"""Reads for care plans, scoped by region (staff) or by being a responsible worker; the duty source."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties

from ..models import CarePlan, CareSession, OccurrenceStatus, PlanStatus


def plan_q(user) -> Q:
    q = access.region_q(user, access.Action.VIEW)
    if getattr(user, "is_authenticated", False):
        mine = CarePlan.responsible.through.objects.filter(user_id=user.pk).values("careplan_id")
        q |= Q(pk__in=mine)
    return q


def session_q(user) -> Q:
    q = access.region_q(user, access.Action.VIEW)
    if getattr(user, "is_authenticated", False):
        mine = CarePlan.responsible.through.objects.filter(user_id=user.pk).values("careplan_id")
        q |= Q(plan_id__in=mine)
    return q


def plan_get(*, user, pk: int) -> CarePlan:
    plan = (
        CarePlan.objects.filter(plan_q(user), pk=pk)
        .select_related("person", "assessment", "help_request", "created_by")
        .prefetch_related("responsible")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def plan_sessions(*, plan: CarePlan) -> QuerySet[CareSession]:
    return CareSession.objects.filter(plan=plan).select_related("held_by").order_by("number")


def session_get(*, user, pk: int) -> CareSession:
    session = (
        CareSession.objects.filter(session_q(user), pk=pk)
        .select_related("plan", "person", "held_by")
        .first()
    )
    if session is None:
        raise Http404
    return session


def can_record(user, plan: CarePlan) -> bool:
    """Responsible workers, or staff who may change the person's records."""
    if access.can(user, access.Action.CHANGE, plan.region_id):
        return True
    return any(w.pk == user.pk for w in plan.responsible.all())


class SessionDuties:
    """Care sessions as duties: for the plan's responsible workers, and for staff by area."""

    kind = "care_session"

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(due_on__lte=until)
        return [self._duty(s, user) for s in rows[:limit]]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(due_on__lt=today)
        return [self._duty(s, user) for s in rows[:limit]]

    @staticmethod
    def _rows(user, region: str):
        from nuanxin.regions.models import prefix_q

        rows = CareSession.objects.filter(
            session_q(user), status=OccurrenceStatus.DUE, plan__status=PlanStatus.ACTIVE
        )
        if region:
            rows = rows.filter(prefix_q(region, "region_id"))
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
