"""Tier rules, manual raises, policy versions and due-date edge cases."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from nuanxin.registry.services import contact_add, disability_set, enrollment_end, person_update
from nuanxin.visits import derive, rules, services
from nuanxin.visits.models import VisitPolicy, VisitSchedule
from tests.conftest import HEMEI_GRID1
from tests.factories import make_person

TODAY = dt.date(2026, 1, 15)
V = rules.PolicyVersion


@pytest.fixture(autouse=True)
def _english():
    # The "why" of a tier is stored in the language active when it is computed;
    # these tests read it in English.
    with translation.override("en"):
        yield


def tier_of(person) -> str:
    person.refresh_from_db()
    return person.tier


def schedule(person) -> VisitSchedule:
    return VisitSchedule.objects.get(person=person)


def years_ago(n: int) -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year - n, 1, 1)


# --- the default tier rules, one by one --------------------------------------------


@pytest.mark.parametrize(
    ("fields", "birth_years", "tier", "why"),
    [
        ({"living": "alone"}, 85, "red", "aged 80+"),
        ({"living": "empty_nest"}, 82, "red", "aged 80+"),
        ({"living": "alone"}, 70, "yellow", "Elderly living alone"),
        ({"living": "empty_nest"}, 65, "yellow", "Elderly living alone"),
        (
            {"adl_eating": True, "adl_dressing": True, "adl_toileting": True, "adl_bathing": True},
            50,
            "red",
            "fully lost",
        ),
        ({"adl_walking": True}, 50, "yellow", "partly lost"),
        ({}, 50, "blue", "Other enrollees"),
    ],
)
def test_it_derives_each_default_tier_from_the_person(places, fields, birth_years, tier, why):
    person = make_person(birth=years_ago(birth_years), categories=["dibao"], **fields)
    assert tier_of(person) == tier
    assert why in schedule(person).tier_why


def test_it_makes_a_severe_disability_living_alone_red_and_otherwise_yellow(places):
    alone = make_person(birth=years_ago(40), categories=["severe_disability"], living="alone")
    family = make_person(birth=years_ago(40), categories=["severe_disability"])
    for person in (alone, family):
        disability_set(user=None, person=person, category=4, grade=1)
    assert tier_of(alone) == "red"
    assert tier_of(family) == "yellow"


def test_it_makes_dispersed_tekun_red_until_a_carer_is_named(places):
    from django.utils import timezone

    from nuanxin.care.services import care_agreement_create

    person = make_person(birth=years_ago(60), categories=["tekun_dispersed"])
    assert tier_of(person) == "red"
    # A contact is no reliable caregiver: the entrusted-care agreement is (care app).
    contact_add(user=None, person=person, name="张姐", relation="caregiver", is_emergency=True)
    assert tier_of(person) == "red"
    care_agreement_create(
        user=None,
        person_id=person.pk,
        caregiver_kind="neighbour",
        caregiver_name="张姐",
        caregiver_phone="13900001234",
        duties=["daily_look_in"],
        care_level="self",
        monthly_fee_fen=30000,
        starts_on=timezone.localdate(),
    )
    assert tier_of(person) == "yellow"
    assert "Dispersed extreme poverty" in schedule(person).tier_why


def test_it_makes_a_child_without_a_guardian_red_and_an_orphan_with_one_yellow(places):
    child = make_person(birth=years_ago(10), categories=["orphan_scattered"])
    assert tier_of(child) == "red"
    contact_add(user=None, person=child, name="周爷爷", relation="grandfather", is_guardian=True)
    assert tier_of(child) == "yellow"


def test_it_makes_a_left_behind_child_with_a_guardian_yellow(places):
    child = make_person(birth=years_ago(9), categories=["left_behind_child"])
    contact_add(user=None, person=child, name="王奶奶", relation="grandmother", is_guardian=True)
    assert tier_of(child) == "yellow"


def test_it_takes_a_person_out_of_scope_when_the_last_enrollment_ends(places):
    person = make_person(categories=["dibao"])
    assert tier_of(person) == "blue"
    enrollment_end(user=None, enrollment=person.enrollments.get(), end_date=dt.date(2020, 1, 1))
    assert tier_of(person) == ""
    sched = schedule(person)
    assert sched.out_on is not None and not sched.active and sched.due_on is None


def test_it_lets_a_worker_raise_a_tier_with_a_reason_until_an_end_date(grid_worker, ms_cai):
    assert tier_of(ms_cai) == "blue"
    today = timezone.localdate()
    services.tier_raise(
        user=grid_worker,
        person=ms_cai,
        tier="red",
        reason="children away, no carer",
        ends_on=today + dt.timedelta(days=14),
    )
    assert tier_of(ms_cai) == "red"
    assert "children away, no carer" in schedule(ms_cai).tier_why
    assert "hemei_grid1" in schedule(ms_cai).tier_why
    # The day after the end date the rules take over again.
    derive.schedules_refresh(person_ids=[ms_cai.pk], today=today + dt.timedelta(days=15))
    assert tier_of(ms_cai) == "blue"


def test_it_keeps_a_rule_tier_when_the_raise_is_lower(grid_worker, places):
    person = make_person(birth=years_ago(85), categories=["dibao"], living="alone")
    services.tier_raise(
        user=grid_worker, person=person, tier="yellow", reason="x", ends_on=dt.date(2099, 1, 1)
    )
    assert tier_of(person) == "red"


def test_it_refuses_a_raise_outside_the_workers_scope(grid_worker, jinjiang_person):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.tier_raise(
            user=grid_worker,
            person=jinjiang_person,
            tier="red",
            reason="x",
            ends_on=dt.date(2099, 1, 1),
        )


def test_it_lets_the_admin_edit_a_rule_as_data(places):
    from nuanxin.visits.models import TierRule

    TierRule.objects.filter(name="Other enrollees").update(tier="yellow")
    person = make_person(categories=["dibao"])
    assert tier_of(person) == "yellow"


# --- due dates ----------------------------------------------------------------------


def test_it_counts_the_gap_from_the_last_contact_across_a_month_end():
    due, why = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 7, ("home",))],
        since=dt.date(2025, 1, 1),
        last_home=dt.date(2026, 1, 28),
        last_contact=dt.date(2026, 1, 28),
        today=TODAY,
    )
    assert (due, why) == (dt.date(2026, 2, 4), "policy")


def test_it_counts_a_monthly_gap_over_february():
    due, _ = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 30, ("home", "phone"))],
        since=dt.date(2025, 1, 1),
        last_home=None,
        last_contact=dt.date(2026, 1, 31),
        today=TODAY,
    )
    assert due == dt.date(2026, 3, 2)


def test_it_ignores_a_phone_call_for_a_home_only_tier():
    due, _ = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 7, ("home",))],
        since=dt.date(2025, 1, 1),
        last_home=dt.date(2026, 1, 1),
        last_contact=dt.date(2026, 1, 10),
        today=TODAY,
    )
    assert due == dt.date(2026, 1, 8)


def test_it_counts_from_entering_scope_when_never_visited():
    due, _ = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 14, ("home",))],
        since=dt.date(2026, 1, 10),
        last_home=None,
        last_contact=None,
        today=TODAY,
    )
    assert due == dt.date(2026, 1, 24)


@pytest.mark.parametrize(
    ("change_on", "expected"),
    [
        (dt.date(2026, 1, 10), dt.date(2026, 1, 15)),  # stricter from the 10th: last+14 = 15th
        (dt.date(2026, 1, 20), dt.date(2026, 1, 20)),  # applies from its date, overdue at once
        (dt.date(2026, 2, 5), dt.date(2026, 1, 31)),  # old policy due first
    ],
)
def test_it_applies_a_policy_change_from_its_date(change_on, expected):
    due, _ = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 30, ("home",)), V(change_on, 14, ("home",))],
        since=dt.date(2025, 1, 1),
        last_home=dt.date(2026, 1, 1),
        last_contact=dt.date(2026, 1, 1),
        today=TODAY,
    )
    assert due == expected


def test_it_applies_a_new_policy_version_to_stored_duties(city_admin, ms_cai):
    today = timezone.localdate()
    before = schedule(ms_cai).due_on
    services.policy_set(
        user=city_admin, tier="blue", valid_from=today, max_gap_days=3, methods=["home", "phone"]
    )
    after = schedule(ms_cai).due_on
    assert after == today + dt.timedelta(days=3) < before
    assert VisitPolicy.objects.filter(tier="blue").count() == 2


def test_it_lets_only_the_city_admin_change_policies(district_officer, places):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.policy_set(
            user=district_officer, tier="blue", valid_from=TODAY, max_gap_days=3, methods=["home"]
        )


def test_it_makes_a_visit_due_within_24_hours_of_a_major_change():
    at = timezone.make_aware(dt.datetime(2026, 1, 15, 9, 0))
    due, why = rules.due_compute(
        versions=[V(dt.date(2000, 1, 1), 30, ("home",), 24)],
        since=dt.date(2025, 1, 1),
        last_home=dt.date(2026, 1, 14),
        last_contact=dt.date(2026, 1, 14),
        major_change_at=at,
        today=TODAY,
    )
    assert (due, why) == (dt.date(2026, 1, 16), "major_change")


def test_it_drops_deceased_and_hospitalised_people_from_duties(
    community_worker, ms_cai, grid2_person
):
    assert schedule(ms_cai).due_on is not None
    person_update(user=community_worker, person=ms_cai, status="deceased")
    person_update(user=community_worker, person=grid2_person, status="in_hospital")
    dead, away = schedule(ms_cai), schedule(grid2_person)
    assert not dead.active and dead.due_on is None and dead.out_on is not None
    assert not away.active and away.due_on is None and away.out_on is None
    person_update(user=community_worker, person=grid2_person, status="active")
    assert schedule(grid2_person).active


def test_it_stores_the_region_of_the_person(ms_cai):
    assert schedule(ms_cai).region_id == HEMEI_GRID1


# --- the cold-snap window ---------------------------------------------------------------


SNAP = rules.SnapWindow(dt.date(2026, 1, 20), dt.date(2026, 1, 24), 1, ("home", "phone"))
RED = [V(dt.date(2000, 1, 1), 7, ("home",))]


@pytest.mark.parametrize(
    ("last", "today", "expected", "why"),
    [
        (dt.date(2026, 1, 18), dt.date(2026, 1, 18), dt.date(2026, 1, 20), "cold_snap"),  # starts
        (dt.date(2026, 1, 21), dt.date(2026, 1, 21), dt.date(2026, 1, 22), "cold_snap"),  # daily
        (dt.date(2026, 1, 24), dt.date(2026, 1, 24), dt.date(2026, 1, 31), "policy"),  # last day
        (dt.date(2026, 1, 19), dt.date(2026, 1, 25), dt.date(2026, 1, 26), "policy"),  # ended
    ],
)
def test_it_tightens_duties_inside_the_cold_snap_window_only(last, today, expected, why):
    due, reason = rules.due_compute(
        versions=RED,
        since=dt.date(2025, 1, 1),
        last_home=last,
        last_contact=last,
        snaps=[SNAP],
        today=today,
    )
    assert (due, reason) == (expected, why)
