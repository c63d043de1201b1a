"""Visits on a person's timeline (nuanxin.core.timeline): one entry per visit, one query."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access, timeline
from nuanxin.core.timeline import Entry, day_start

from .models import Visit

ICONS = {"home": "house-heart", "phone": "telephone", "video": "camera-video"}


def _visits(*, user, person):
    # A visit keeps the region where it happened: scope it by that, like the visit pages.
    return Visit.objects.restrict(user, access.Action.VIEW).filter(person=person)


class VisitTimeline:
    position = 10  # offered first: visits, then casework, then the registry
    kinds = {"visit": _("Visits")}

    def entries(self, *, user, person, kinds, limit):
        rows = (
            _visits(user=user, person=person)
            .select_related("recorded_by")
            .annotate(
                n_findings=Count("findings", distinct=True),
                n_follow_ups=Count("follow_ups", distinct=True),
            )
            .order_by("-visited_on", "-id")[:limit]
        )
        return [self._entry(v) for v in rows]

    def count(self, *, user, person, kinds) -> int:
        return _visits(user=user, person=person).count()

    @staticmethod
    def _entry(v: Visit) -> Entry:
        parts = [v.get_with_whom_display()]
        if v.n_findings:
            parts.append(
                ngettext("%(n)d finding", "%(n)d findings", v.n_findings) % {"n": v.n_findings}
            )
        if v.n_follow_ups:
            parts.append(
                ngettext("%(n)d follow-up", "%(n)d follow-ups", v.n_follow_ups)
                % {"n": v.n_follow_ups}
            )
        if v.late:
            parts.append(gettext("after sign-off"))
        return Entry(
            kind="visit",
            at=day_start(v.visited_on),
            all_day=True,
            record_id=v.pk,
            title=gettext("Visit: %(method)s") % {"method": v.get_method_display()},
            detail=" · ".join(str(p) for p in parts),
            status=v.get_outcome_display(),
            link=timeline.link("visits:visit_detail", v.pk),
            icon=ICONS.get(v.method, "person-check"),
            actor=timeline.actor_name(v.recorded_by),
        )


def ready() -> None:
    timeline.register(VisitTimeline())
