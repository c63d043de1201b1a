"""The demo's map-change step: a merge in 武侯区 and a village become a community."""

from __future__ import annotations

import random

import pytest

from nuanxin.demo.places import STORY_PLACES
from nuanxin.demo.steps import seed_steps_run
from nuanxin.regions.models import AdministrativeChange, ChangeKind, Region, prefix_q
from nuanxin.registry.models import Person
from tests.demo_city import city_with_steps

STEPS = ["nuanxin.demo.regions.map_change_seed"]


@pytest.fixture
def city(db):
    return city_with_steps(STEPS, persons=600)


def test_it_merges_a_community_away_from_the_stories(city):
    merge = AdministrativeChange.objects.get(kind=ChangeKind.MERGE)
    retired = Region.objects.get(code=merge.from_code)
    assert retired.retired_on == city.replace(day=1)
    assert retired.successor_id == merge.to_code
    assert merge.from_code.startswith("510107")
    assert merge.counts["people"] > 0
    assert not Person.objects.filter(prefix_q(merge.from_code[:12])).exists()
    story = {code for code, _name in STORY_PLACES}
    assert merge.from_code not in story and merge.to_code not in story


def test_it_turns_a_village_into_a_community(city):
    rename = AdministrativeChange.objects.get(kind=ChangeKind.RENAME)
    assert rename.old_name.endswith("村")
    assert rename.name == rename.old_name[:-1] + "社区"
    assert Region.objects.get(code=rename.from_code).name == rename.name


def test_it_adds_nothing_when_run_again(city):
    before = AdministrativeChange.objects.count()
    seed_steps_run(rng=random.Random(1), today=city, steps=STEPS)
    assert AdministrativeChange.objects.count() == before == 2
