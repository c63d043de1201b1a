"""The monthly report a bureau files (月报): one region, one month, every figure read from the
selector behind the page or API that shows it — never computed a second way.

| figure | from | shown on |
|---|---|---|
| coverage by child region, sign-offs | visits.selectors.coverage_for, signoffs_in | /coverage/, GET /api/v1/coverage |
| people by category, by tier | registry.selectors.person_list | /people/, GET /api/v1/persons |
| visits by method | visits.selectors.visit_list | /visits/ |
| requests opened, resolved, breached | casework.selectors.requests.request_list | /requests/, GET /api/v1/requests |
| spot-checks | oversight.selectors.report_between | /oversight/spot-checks/report/, GET /api/v1/spot-checks/report |
| rectifications opened, overdue | oversight.selectors.rectifications | /oversight/rectifications/, GET /api/v1/rectifications |
| rescue encounters by outcome | oversight.selectors.season_report | /oversight/rescue/report/, GET /api/v1/rescue/report |
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from nuanxin.casework.selectors.requests import request_list
from nuanxin.core.tiers import Tier
from nuanxin.regions.models import Region, contains
from nuanxin.registry.models import Category
from nuanxin.registry.selectors import person_list
from nuanxin.visits import rules
from nuanxin.visits import selectors as visits
from nuanxin.visits.models import Method

from . import selectors
from .models import Outcome


@dataclasses.dataclass
class Line:
    code: str
    label: str
    value: int


@dataclasses.dataclass
class ChildCoverage:
    code: str
    name: str
    in_scope: int
    visited: int
    explained: int
    missed: int
    rate: float
    communities_signed: int


@dataclasses.dataclass
class Monthly:
    region: Region
    month: dt.date
    coverage_total: ChildCoverage
    coverage: list[ChildCoverage]
    people_by_category: list[Line]
    people_by_tier: list[Line]
    visits_by_method: list[Line]
    requests: dict[str, int]  # opened, resolved, breached
    spot_checks: dict[str, int]  # drawn, reached, problems, follow_ups, follow_ups_closed
    rectifications: dict[str, int]  # opened, overdue
    rescue: list[Line]  # by outcome
    rescue_total: int


def _child(figures, signed: int) -> ChildCoverage:
    return ChildCoverage(
        code=figures.code,
        name=figures.name,
        in_scope=figures.in_scope,
        visited=figures.visited,
        explained=figures.explained,
        missed=figures.missed,
        rate=round(figures.rate, 4),
        communities_signed=signed,
    )


def monthly(*, user, region_code: str, month: dt.date, today: dt.date | None = None) -> Monthly:
    """The month's figures for a region the user reaches as a whole (404 otherwise)."""
    today = today or timezone.localdate()
    first, last = rules.month_bounds(month)
    coverage = visits.coverage_for(user=user, region_code=region_code, month=first, today=today)
    region = coverage.region
    signed = visits.signoffs_in(user=user, region=region, month=first)

    def signed_under(code: str) -> int:
        return sum(1 for s in signed if contains(code, s.region_id))

    # One COUNT per category and tier: the people list's own filter, as the list counts it.
    by_category = {
        c: person_list(user=user, region=region.prefix, category=c).count() for c in Category.values
    }
    by_tier = {t: person_list(user=user, region=region.prefix, tier=t).count() for t in Tier.values}
    visit_counts = dict(
        visits.visit_list(user=user, region=region.prefix)
        .filter(visited_on__gte=first, visited_on__lte=last)
        .order_by()
        .values_list("method")
        .annotate(n=Count("pk"))
    )
    now = timezone.now()
    requests = request_list(user=user, region=region.prefix, now=now)
    in_month = Q(received_at__date__gte=first, received_at__date__lte=last)
    request_counts = {
        "opened": requests.filter(in_month).count(),
        "resolved": requests.filter(
            resolved_at__date__gte=first, resolved_at__date__lte=last
        ).count(),
        "breached": request_list(user=user, region=region.prefix, now=now, breached=True)
        .filter(in_month)
        .count(),
    }
    spot = selectors.report_between(user=user, region=region, start=first, end=last).total
    rect = selectors.rectifications(user=user, today=today, region=region.code)
    season = selectors.season_report(user=user, region=region, start=first, end=last)
    labels = dict(Outcome.choices)
    return Monthly(
        region=region,
        month=first,
        coverage_total=_child(coverage.total, signed_under(region.code)),
        coverage=[_child(c, signed_under(c.code)) for c in coverage.children],
        people_by_category=[Line(c, str(label), by_category[c]) for c, label in Category.choices],
        people_by_tier=[Line(t, str(label), by_tier[t]) for t, label in Tier.choices],
        visits_by_method=[
            Line(m, str(label), visit_counts.get(m, 0)) for m, label in Method.choices
        ],
        requests=request_counts,
        spot_checks={
            "drawn": spot.drawn,
            "reached": spot.reached,
            "problems": spot.problems,
            "follow_ups": spot.follow_ups_opened,
            "follow_ups_closed": spot.follow_ups_closed,
        },
        rectifications={
            "opened": rect.filter(created_at__date__gte=first, created_at__date__lte=last).count(),
            "overdue": selectors.rectifications(
                user=user, today=today, region=region.code, overdue=True
            ).count(),
        },
        rescue=[Line(o, str(labels[o]), n) for o, n in season.by_outcome.items()],
        rescue_total=season.total,
    )
