"""The demo city's campaigns and funds: S4 half delivered, S5 balanced to the fen."""

import random

import pytest

from nuanxin.campaigns import selectors
from nuanxin.campaigns.models import Allocation, Campaign, Fund
from nuanxin.demo.steps import seed_steps_run
from nuanxin.registry.models import Device
from tests.demo_city import city_with_steps

STEPS = ["nuanxin.demo.campaigns.story_s4_seed", "nuanxin.demo.campaigns.story_s5_seed"]


@pytest.fixture
def city(db):
    return city_with_steps(STEPS, persons=3000)


def test_it_seeds_s4_half_delivered(city):
    campaign = Campaign.objects.get(name="健康防疫包")
    assert campaign.budget_fen == 70_000_000 and campaign.hotlines.count() == 12
    assert campaign.region_id == "510107000000" and campaign.status == "open"
    progress = selectors.progress(user=None, campaign=campaign)
    totals = progress["totals"]
    assert totals["allocated"] == totals["eligible"] > 0
    assert totals["delivered"] == totals["allocated"] // 2
    people = Allocation.objects.filter(campaign=campaign).values("person").distinct().count()
    assert people == totals["allocated"]


def test_it_seeds_s5_balanced_to_the_fen(city):
    fund = Fund.objects.get(name="2026年慈善一日捐")
    recon = selectors.reconciliation(user=None, fund=fund)
    assert recon["balanced"] and recon["totals"]["total"] == recon["totals"]["balance"]
    assert len(recon["rows"]) == 7  # the city, two districts, four streets
    assert Device.objects.filter(from_campaign__name="燃气报警器安装").exists()


def test_it_adds_nothing_when_the_steps_run_again(city):
    before = (Allocation.objects.count(), Fund.objects.count())
    seed_steps_run(rng=random.Random(2), today=city, steps=STEPS)
    assert (Allocation.objects.count(), Fund.objects.count()) == before
