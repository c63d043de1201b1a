"""The demo's care step on a small city: agreements, S6's pairings, a half-done screening."""

from __future__ import annotations

import random

import pytest
from django.test import Client

from nuanxin.care import selectors
from nuanxin.care.models import CareAgreement, CareSubstitute, Pairing, Screening, ScreeningItem
from nuanxin.demo.steps import seed_steps_run
from nuanxin.demo.story import story_person
from tests.demo_city import city_with_steps

STEPS = ["nuanxin.demo.care.care_seed"]


@pytest.fixture
def city(db):
    return city_with_steps(STEPS)


def test_it_seeds_agreements_pairings_and_a_half_done_screening(city):
    zhao = story_person("jinjiang_tekun")
    agreement = CareAgreement.objects.get(person=zhao)
    assert CareSubstitute.objects.filter(absence__agreement=agreement).count() == 1
    current = selectors.active_caregiver(user=None, person=zhao)
    assert (current.name, current.substitute is not None) == ("赵勇", True)
    assert CareAgreement.objects.count() > 1
    zhou = story_person("xiao_zhou")
    pairing = Pairing.objects.get(person=zhou)
    assert pairing.organisation.name.startswith("新都区")
    assert Pairing.objects.filter(organisation__name__startswith="新都区").count() <= 24
    screening = Screening.objects.get()
    items = ScreeningItem.objects.filter(screening=screening)
    assert items.filter(done_at__isnull=False).count() == items.count() // 2
    assert screening.status == "open"


def test_it_lets_the_demo_partner_see_xiao_zhou_only(city):
    from nuanxin.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="partner"))
    children = client.get("/care/pairings/").context["children"]
    assert [(c.name, c.age, c.guardian_name) for c in children] == [("周晓宇", 14, "周建国")]


def test_it_adds_nothing_when_run_again(city):
    before = (CareAgreement.objects.count(), Pairing.objects.count(), Screening.objects.count())
    seed_steps_run(rng=random.Random(1), today=city, steps=STEPS)
    assert (
        CareAgreement.objects.count(),
        Pairing.objects.count(),
        Screening.objects.count(),
    ) == before
