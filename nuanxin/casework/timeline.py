"""Casework's entries on the person's profile timeline (nuanxin.core.timeline).

One query per kind, each scoped by the record's own region (the person's region
when it was created), sliced to `limit`; counts of occurrences and sessions come
from `annotate`, never from a query per row.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access, timeline
from nuanxin.core.timeline import Entry, day_start, local

from .models import (
    Application,
    Assessment,
    CarePlan,
    CareSession,
    HelpRequest,
    OccurrenceStatus,
    Recurrence,
    Referral,
    ServiceTask,
)

SHORT = 80  # characters of free text shown in an entry


def _short(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(SHORT)


def _scoped(model, *, user, person):
    # A person's history is for those who reach them by region, never through a link.
    return model.objects.restrict(user, access.Action.VIEW, links=False).filter(person=person)


def _held(user, person):
    return _scoped(CareSession, user=user, person=person).filter(status=OccurrenceStatus.DONE)


class CaseworkTimeline:
    position = 20
    kinds = {
        "help_request": _("Help requests"),
        "assessment": _("Needs assessments"),
        "referral": _("Referrals"),
        "service_task": _("Service tasks"),
        "care_plan": _("Care plans"),
        "care_session": _("Care sessions"),
        "application": _("Applications"),
    }

    def entries(self, *, user, person, kinds, limit):
        found: list[Entry] = []
        for kind in self.kinds:
            if kind in kinds:
                found += getattr(self, f"_{kind}")(user, person, limit)
        return found

    def count(self, *, user, person, kinds) -> int:
        models = {
            "help_request": HelpRequest,
            "assessment": Assessment,
            "referral": Referral,
            "service_task": ServiceTask,
            "care_plan": CarePlan,
            "application": Application,
        }
        total = 0
        for kind, model in models.items():
            if kind in kinds:
                total += _scoped(model, user=user, person=person).count()
        if "care_session" in kinds:
            total += _held(user, person).count()
        return total

    # ---- one query per kind ------------------------------------------------------------

    def _help_request(self, user, person, limit):
        rows = (
            _scoped(HelpRequest, user=user, person=person)
            .select_related("created_by")
            .order_by("-received_at", "-id")[:limit]
        )
        return [
            Entry(
                kind="help_request",
                at=local(r.received_at),
                record_id=r.pk,
                title=gettext("Help request: %(need)s") % {"need": r.get_need_type_display()},
                detail=" · ".join(
                    x
                    for x in (
                        str(r.get_source_display()),
                        str(r.get_urgency_display()),
                        _short(r.description),
                    )
                    if x
                ),
                status=r.get_status_display(),
                link=timeline.link("casework:request_detail", r.pk),
                icon="telephone-inbound",
                actor=timeline.actor_name(r.created_by),
            )
            for r in rows
        ]

    def _assessment(self, user, person, limit):
        rows = (
            _scoped(Assessment, user=user, person=person)
            .select_related("created_by")
            .order_by("-assessed_on", "-version")[:limit]
        )
        return [
            Entry(
                kind="assessment",
                at=day_start(a.assessed_on),
                all_day=True,
                record_id=a.pk,
                title=gettext("Needs assessment, version %(version)d") % {"version": a.version},
                detail=_short(a.summary),
                link=timeline.link("casework:assessment_detail", a.pk),
                icon="clipboard2-pulse",
                actor=timeline.actor_name(a.created_by),
            )
            for a in rows
        ]

    def _referral(self, user, person, limit):
        rows = (
            _scoped(Referral, user=user, person=person)
            .select_related("provider", "created_by")
            .order_by("-sent_on", "-id")[:limit]
        )
        return [
            Entry(
                kind="referral",
                at=day_start(r.sent_on),
                all_day=True,
                record_id=r.pk,
                title=gettext("Referral to %(provider)s") % {"provider": r.provider.name},
                detail=gettext("%(asked)s · by %(due)s")
                % {"asked": _short(r.asked), "due": r.due_on.isoformat()},
                status=r.get_status_display(),
                link=timeline.link("casework:referral_detail", r.pk),
                icon="box-arrow-up-right",
                actor=timeline.actor_name(r.created_by),
            )
            for r in rows
        ]

    def _service_task(self, user, person, limit):
        rows = (
            _scoped(ServiceTask, user=user, person=person)
            .select_related("assignee")
            .annotate(
                n_done=Count("occurrence_set", filter=Q(occurrence_set__status="done")),
                n_missed=Count("occurrence_set", filter=Q(occurrence_set__status="missed")),
            )
            .order_by("-starts_on", "-id")[:limit]
        )
        return [
            Entry(
                kind="service_task",
                at=day_start(t.starts_on),
                all_day=True,
                record_id=t.pk,
                title=gettext("Service task: %(kind)s") % {"kind": t.get_kind_display()},
                detail=" · ".join(
                    x
                    for x in (
                        _schedule(t),
                        gettext("%(done)d done, %(missed)d missed")
                        % {"done": t.n_done, "missed": t.n_missed},
                        _short(t.details),
                    )
                    if x
                ),
                status=t.get_status_display(),
                link=timeline.link("casework:task_detail", t.pk),
                icon="basket",
                actor=timeline.actor_name(t.assignee),
            )
            for t in rows
        ]

    def _care_plan(self, user, person, limit):
        rows = (
            _scoped(CarePlan, user=user, person=person)
            .select_related("created_by")
            .annotate(n_held=Count("session_set", filter=Q(session_set__status="done")))
            .order_by("-starts_on", "-id")[:limit]
        )
        return [
            Entry(
                kind="care_plan",
                at=day_start(p.starts_on),
                all_day=True,
                record_id=p.pk,
                title=gettext("Care plan: %(kind)s") % {"kind": p.get_kind_display()},
                detail=" · ".join(
                    x
                    for x in (
                        _short(p.goals),
                        gettext("%(held)d of %(total)d sessions held (%(how)s)")
                        % {
                            "held": p.n_held,
                            "total": p.sessions,
                            "how": p.get_recurrence_display(),
                        },
                    )
                    if x
                ),
                status=p.get_status_display(),
                link=timeline.link("casework:plan_detail", p.pk),
                icon="heart-pulse",
                actor=timeline.actor_name(p.created_by),
            )
            for p in rows
        ]

    def _care_session(self, user, person, limit):
        rows = (
            _held(user, person)
            .select_related("plan", "held_by")
            .order_by("-held_on", "-due_on", "-id")[:limit]
        )
        return [
            Entry(
                kind="care_session",
                at=day_start(s.held_on or s.due_on),
                all_day=True,
                record_id=s.pk,
                title=gettext("Care session %(number)d: %(kind)s")
                % {"number": s.number, "kind": s.plan.get_kind_display()},
                detail=" · ".join(
                    x for x in (str(s.get_mode_display() or ""), _short(s.notes)) if x
                ),
                status=s.get_status_display(),
                link=timeline.link("casework:plan_detail", s.plan_id),
                icon="chat-heart",
                actor=timeline.actor_name(s.held_by),
            )
            for s in rows
        ]

    def _application(self, user, person, limit):
        rows = (
            _scoped(Application, user=user, person=person)
            .select_related("helped_by")
            .order_by("-created_at", "-id")[:limit]
        )
        return [
            Entry(
                kind="application",
                at=local(a.created_at),
                record_id=a.pk,
                title=gettext("Application: %(scheme)s") % {"scheme": a.get_scheme_display()},
                detail=" · ".join(x for x in (_dates(a), _short(a.decision or a.details)) if x),
                status=a.get_status_display(),
                link=timeline.link("casework:application_detail", a.pk),
                icon="file-earmark-text",
                actor=timeline.actor_name(a.helped_by),
            )
            for a in rows
        ]


def _schedule(task: ServiceTask) -> str:
    if task.recurrence == Recurrence.ONCE:
        return gettext("once, on %(day)s") % {"day": task.starts_on.isoformat()}
    if task.occurrences:
        return ngettext("%(how)s, %(n)d time", "%(how)s, %(n)d times", task.occurrences) % {
            "how": task.get_recurrence_display(),
            "n": task.occurrences,
        }
    if task.until:
        return gettext("%(how)s until %(day)s") % {
            "how": task.get_recurrence_display(),
            "day": task.until.isoformat(),
        }
    return str(task.get_recurrence_display())


def _dates(app: Application) -> str:
    parts = []
    if app.submitted_on:
        parts.append(gettext("submitted %(day)s") % {"day": app.submitted_on.isoformat()})
    if app.decided_on:
        parts.append(gettext("decided %(day)s") % {"day": app.decided_on.isoformat()})
    return " · ".join(parts)


def ready() -> None:
    """Called from AppConfig.ready: register timeline sources."""
    timeline.register(CaseworkTimeline())
