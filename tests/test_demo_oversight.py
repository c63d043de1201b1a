"""The demo's oversight steps on a small city: a week of spot-checks in 成华区, one supervision
with open and overdue rectifications, last winter's rescue season (27: 22 station, 5 hospital)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from nuanxin.accounts.models import User
from nuanxin.core import duties
from nuanxin.demo.steps import seed_steps_run
from nuanxin.oversight import selectors
from nuanxin.oversight.models import Encounter, Finding, SpotCheckCall, SpotCheckDraw
from nuanxin.regions.models import Region
from tests.demo_city import city_with_steps

STEPS = [
    "nuanxin.demo.oversight.spot_checks_seed",
    "nuanxin.demo.oversight.supervision_seed",
    "nuanxin.demo.oversight.rescue_seed",
]


@pytest.fixture
def city(db):
    return city_with_steps(STEPS)


def test_it_seeds_a_week_of_spot_checks_the_draw_agrees_with(city):
    days = sorted(set(SpotCheckDraw.objects.values_list("day", flat=True)))
    assert days == [city - dt.timedelta(days=n) for n in range(7, 0, -1)]
    assert SpotCheckCall.objects.filter(status="reached").exists()
    # Each stored sample is the one the documented draw gives (the earlier days' calls
    # included: those reached rest for 30 days).
    draw = SpotCheckDraw.objects.order_by("day", "region_id").first()
    seed_hex, _n, chosen = selectors.draw(draw.region_id, draw.day)
    stored = list(draw.calls.order_by("position").values_list("person_id", flat=True))
    assert (seed_hex, chosen) == (draw.seed, stored)
    district = User.objects.get(username="district")
    yesterday = selectors.report(
        user=district,
        region=Region.objects.get(code="510108000000"),
        day=city - dt.timedelta(days=1),
    )
    assert (
        yesterday.total.drawn
        == SpotCheckCall.objects.filter(day=city - dt.timedelta(days=1)).count()
    )


def test_it_seeds_a_supervision_with_overdue_rectifications(city):
    assert Finding.objects.count() == 5
    district = User.objects.get(username="district")
    counts = selectors.rectification_counts(user=district, region="510108", today=city)
    assert counts == {"open": 3, "overdue": 2, "to_verify": 1}
    street = User.objects.get(username="street")
    mine = duties.mine(user=street, today=city, until=city)
    assert any(d.kind == "rectification" for d in mine)


def test_it_seeds_last_winters_rescue_season(city):
    first, _ = selectors.winter_of(city)
    start, end = selectors.winter_of(first - dt.timedelta(days=1))
    city_region = Region.objects.get(code="510100000000")
    report = selectors.season_report(user=None, region=city_region, start=start, end=end)
    assert report.total == 27
    assert (report.by_outcome["station"], report.by_outcome["hospital"]) == (22, 5)
    assert len(report.by_district) == 3 and len(report.by_week) >= 4
    assert Encounter.objects.filter(person__isnull=False).count() == 2


def test_it_adds_nothing_when_run_again(city):
    before = (SpotCheckCall.objects.count(), Finding.objects.count(), Encounter.objects.count())
    seed_steps_run(rng=random.Random(1), today=city, steps=STEPS)
    assert (
        SpotCheckCall.objects.count(),
        Finding.objects.count(),
        Encounter.objects.count(),
    ) == before
