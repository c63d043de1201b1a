"""Visits as a duty source (nuanxin.core.duties): each person's next visit due."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nuanxin.core.duties import Duty

REASONS = {
    "policy": _("Visit due"),
    "cold_snap": _("Cold snap: contact due"),
    "major_change": _("Major change: visit within 24 hours"),
}


class VisitDuties:
    kind = "visit"

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        from .selectors import schedule_due

        rows = schedule_due(user=user, until=until, region=region)[:limit]
        return [self._duty(s) for s in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        from .selectors import schedule_due

        rows = schedule_due(user=user, until=today - dt.timedelta(days=1), region=region)[:limit]
        return [self._duty(s) for s in rows]

    @staticmethod
    def _duty(s) -> Duty:
        return Duty(
            kind="visit",
            person_id=s.person_id,
            person_name=s.person.name,
            region_id=s.region_id,
            due_on=s.due_on,
            tier=s.tier,
            label=str(REASONS.get(s.due_reason, REASONS["policy"])),
            link=reverse("visits:visit_new", args=[s.person_id]),
            address=s.person.address,
        )
