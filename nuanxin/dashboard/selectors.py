"""What the home page shows, per role: scoped reads over the visits app's stored schedule."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count

from nuanxin.core import access, cards, duties
from nuanxin.regions.models import Region
from nuanxin.visits import selectors as visits
from nuanxin.visits.models import VisitSchedule


@dataclasses.dataclass
class Home:
    field: bool  # a field worker: the worklist comes first
    region: Region | None
    today: dt.date
    worklist: list = dataclasses.field(default_factory=list)
    coverage: visits.Coverage | None = None
    trend: list = dataclasses.field(default_factory=list)
    ranked: list = dataclasses.field(default_factory=list)
    overdue_by_tier: dict = dataclasses.field(default_factory=dict)
    follow_ups: int = 0
    snaps: list = dataclasses.field(default_factory=list)
    cards: list = dataclasses.field(default_factory=list)  # other apps' cards (core.cards)


def is_field_worker(user) -> bool:
    """Field workers reach a community or a grid (or only linked people), not a wider area."""
    widest = access.scope(user, access.Action.VIEW).widest()
    return not widest or len(widest) >= 12


def overdue_by_tier(*, user, region: Region, today: dt.date) -> dict[str, int]:
    rows = (
        VisitSchedule.objects.restrict(user, access.Action.VIEW)
        .within(region.prefix)
        .filter(active=True, due_on__lt=today)
        .values("tier")
        .annotate(n=Count("pk"))
    )
    counts = {"red": 0, "yellow": 0, "blue": 0}
    counts.update({r["tier"]: r["n"] for r in rows if r["tier"]})
    return counts


def trend_region(*, user) -> Region | None:
    """The region whose 12-month trend an officer's home page shows (None for field workers)."""
    if is_field_worker(user):
        return None
    return visits.region_for(user=user)


def home_for(*, user, today: dt.date, months: int = 12, region: Region | None = None) -> Home:
    """The home page's figures; `region` is the user's own when the caller has read it
    already (`trend_region`), so it is not read twice."""
    field = is_field_worker(user)
    reaches_an_area = not access.scope(user, access.Action.VIEW).nowhere
    if region is None and reaches_an_area:
        region = visits.region_for(user=user)
    home = Home(field=field, region=region, today=today)
    home.snaps = visits.cold_snaps_for(user=user, today=today)
    if field:
        home.worklist = duties.worklist(
            user=user, today=today, until=today, region=region.prefix if region else ""
        )
    if region is None:
        return home
    home.coverage = visits.coverage_compute(region=region, month=today, today=today)
    home.ranked = sorted(
        # The running month: only the late rank (the rest are not due yet).
        (c for c in home.coverage.children if c.behind and c.code != region.code),
        key=lambda c: (-c.behind, c.code),
    )[:10]
    home.overdue_by_tier = overdue_by_tier(user=user, region=region, today=today)
    home.follow_ups = visits.follow_ups_open(user=user, region=region.prefix).count()
    if not field:
        # The running month's figures are the ones counted above: not counted twice.
        home.trend = visits.coverage_trend(
            region=region, months=months, today=today, running=home.coverage.total
        )
        home.cards = cards.cards_for(user=user, region=region, today=today)
    return home
