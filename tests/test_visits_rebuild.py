"""The set-based schedule rebuild gives what the per-person refresh gives, row for row.

Hypothesis draws small cities — people of every status, age, living arrangement
and self-care, enrollments current, future and ended, disabilities, contacts,
visits, needs assessments, care agreements, tier raises, pending major changes,
extra tier rules, policy versions and cold snaps — and a schedule state left by
an earlier refresh; then both paths recompute the same area on the same day
and their schedules and tiers must match.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nuanxin.care.models import CareAgreement, CaregiverKind, CareLevel
from nuanxin.casework.models import Assessment
from nuanxin.regions.models import Region
from nuanxin.registry.models import (
    ADL_FIELDS,
    Category,
    Contact,
    Disability,
    Enrollment,
    Living,
    Person,
    Status,
)
from nuanxin.visits import derive, rebuild
from nuanxin.visits.models import (
    ColdSnap,
    Method,
    Outcome,
    TierRaise,
    TierRule,
    Visit,
    VisitPolicy,
    VisitSchedule,
)
from tests.conftest import BAOHE, HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY

TODAY = dt.date(2026, 3, 1)
REGIONS = [HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY]
PREFIXES = ["", "510108", "510104", "510108010001002"]

days = st.dates(min_value=TODAY - dt.timedelta(days=120), max_value=TODAY + dt.timedelta(days=60))
# Close to today, where policy versions, cold snaps and visits meet (and tie).
near = st.dates(min_value=TODAY - dt.timedelta(days=30), max_value=TODAY + dt.timedelta(days=10))
births = st.one_of(
    st.none(),
    st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(1965, 12, 31)),
    # around a birthday that decides an age bound today
    st.sampled_from([dt.date(TODAY.year - n, 3, d) for n in (17, 18, 60, 80) for d in (1, 2)]),
    st.sampled_from(
        [dt.date(TODAY.year - n, 2, 28) for n in (17, 60, 80)] + [dt.date(1944, 2, 29)]
    ),
)
moments = st.datetimes(
    min_value=dt.datetime(2025, 10, 1), max_value=dt.datetime(2026, 3, 2), timezones=st.just(dt.UTC)
)

enrollment = st.tuples(
    st.sampled_from(Category.values),
    st.one_of(st.none(), days),
    st.one_of(st.none(), st.none(), days),
)
# Mostly active: only they have a due date to compare.
statuses = st.sampled_from([Status.ACTIVE] * 6 + Status.values)
visit = st.tuples(
    st.one_of(days, near),
    st.sampled_from([Method.HOME, *Method.values]),
    st.sampled_from([Outcome.MET] * 4 + Outcome.values),
)
person = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "birth": births,
        "status": statuses,
        "living": st.sampled_from([Living.ALONE, *Living.values]),
        "adl": st.integers(0, 6),
        "created": moments,
        "enrollments": st.lists(enrollment, max_size=3, unique_by=lambda e: e[0]),
        "grades": st.lists(st.integers(1, 4), max_size=2),
        "contacts": st.lists(st.tuples(st.booleans(), st.booleans()), max_size=2),
        "visits": st.lists(visit, max_size=4),
        "assessment": st.one_of(
            st.none(), st.tuples(st.integers(0, 6), st.sampled_from(["", "none", "some", "severe"]))
        ),
        "agreement": st.one_of(st.none(), st.tuples(days, st.one_of(st.none(), days))),
        "raise": st.one_of(st.none(), st.tuples(st.sampled_from(["red", "yellow", "blue"]), days)),
        "major_change": st.one_of(st.none(), moments),
        "scheduled_before": st.booleans(),
        "later_status": st.one_of(st.none(), st.none(), statuses),
    }
)
condition = st.one_of(
    st.fixed_dictionaries({"categories": st.lists(st.sampled_from(Category.values), max_size=2)}),
    st.fixed_dictionaries({"min_age": st.integers(0, 90)}),
    st.fixed_dictionaries({"max_age": st.integers(0, 90)}),
    st.fixed_dictionaries({"living": st.lists(st.sampled_from(Living.values), max_size=2)}),
    st.fixed_dictionaries({"self_care": st.lists(st.sampled_from(["self", "partly", "fully"]))}),
    st.fixed_dictionaries({"has_carer": st.booleans(), "any_enrollment": st.booleans()}),
    st.fixed_dictionaries({"has_guardian": st.booleans(), "severe_disability": st.booleans()}),
    st.fixed_dictionaries({"min_adl_dependent": st.integers(0, 6)}),
    st.fixed_dictionaries({"loneliness": st.lists(st.sampled_from(["none", "some", "severe"]))}),
)
rule = st.tuples(st.sampled_from(["red", "yellow", "blue"]), condition, st.integers(0, 30))
policy = st.tuples(
    st.sampled_from(["red", "yellow", "blue"]),
    st.one_of(days, near),
    st.sampled_from([1, 3, 7, 14, 30]),  # gaps a cold snap shares: ties between the two
    st.lists(st.sampled_from(["home", "phone", "video"]), min_size=1, max_size=2, unique=True),
)
snap = st.tuples(
    st.lists(st.sampled_from(["510108", "510104"]), min_size=1, max_size=2, unique=True),
    near,
    st.integers(0, 20),
    st.sampled_from([0, 1, 3, 7]),
    st.sampled_from([["home"], ["home", "phone"], ["phone"]]),
    st.sampled_from([0, 1, 3, 7]),
    st.booleans(),
)
world = st.fixed_dictionaries(
    {
        "people": st.lists(person, min_size=1, max_size=6),
        "rules": st.lists(rule, max_size=2),
        "drop_rule": st.booleans(),
        "policies": st.lists(policy, max_size=3),
        "snaps": st.lists(snap, max_size=2),
        "before": st.integers(0, 60),
        "prefix": st.sampled_from(PREFIXES),
    }
)


def _build(w) -> None:
    """The city as an earlier refresh left it, then changed past the services (as an import does)."""
    street = Region.objects.get(code=BAOHE)
    people = []
    for p in w["people"]:
        adl = {f: i < p["adl"] for i, f in enumerate(ADL_FIELDS)}
        people.append(
            Person(
                name="测",
                region_id=p["region"],
                birth_date=p["birth"],
                status=p["status"],
                living=p["living"],
                **adl,
            )  # fmt: skip
        )
    Person.objects.bulk_create(people)
    rows = {m: [] for m in (Enrollment, Disability, Contact, Visit, Assessment, CareAgreement)}
    for person_row, p in zip(people, w["people"], strict=True):
        pk = person_row.pk
        Person.objects.filter(pk=pk).update(created_at=p["created"])
        for category, start, end in p["enrollments"]:
            rows[Enrollment].append(
                Enrollment(person_id=pk, category=category, start_date=start, end_date=end)
            )
        rows[Disability] += [
            Disability(person_id=pk, category=i + 1, grade=g) for i, g in enumerate(p["grades"])
        ]
        rows[Contact] += [
            Contact(person_id=pk, name="联", relation="子", is_guardian=g, is_emergency=e)
            for g, e in p["contacts"]
        ]
        if p["assessment"]:
            adl_dependent, loneliness = p["assessment"]
            rows[Assessment].append(
                Assessment(
                    person_id=pk,
                    region_id=p["region"],
                    version=1,
                    assessed_on=TODAY,
                    adl_dependent=adl_dependent,
                    loneliness=loneliness,
                    summary="s",
                )  # fmt: skip
            )
        if p["agreement"]:
            starts, ends = p["agreement"]
            rows[CareAgreement].append(
                CareAgreement(
                    person_id=pk,
                    region_id=p["region"],
                    street=street,
                    starts_on=starts,
                    ends_on=ends,
                    caregiver_kind=CaregiverKind.values[0],
                    caregiver_name="护",
                    caregiver_phone="13800000000",
                    care_level=CareLevel.values[0],
                    monthly_fee_fen=100,
                )  # fmt: skip
            )
    for model, objs in rows.items():
        model.objects.bulk_create(objs)
    earlier = TODAY - dt.timedelta(days=w["before"])
    derive.schedules_refresh(
        person_ids=[
            x.pk for x, p in zip(people, w["people"], strict=True) if p["scheduled_before"]
        ],
        today=earlier,
    )
    # After that refresh: visits, status changes, raises, major changes, rules, policies, snaps.
    for person_row, p in zip(people, w["people"], strict=True):
        pk = person_row.pk
        rows[Visit] += [
            Visit(
                person_id=pk,
                region_id=p["region"],
                visited_on=d,
                month=d.replace(day=1),
                method=m,
                with_whom="grid_worker",
                outcome=o,
            )  # fmt: skip
            for d, m, o in p["visits"]
        ]
        if p["later_status"]:
            Person.objects.filter(pk=pk).update(status=p["later_status"])
        if p["raise"]:
            tier, ends = p["raise"]
            TierRaise.objects.create(
                person_id=pk, tier=tier, reason="r", starts_on=TODAY - dt.timedelta(days=3),
                ends_on=ends,
            )  # fmt: skip
        if p["major_change"]:
            VisitSchedule.objects.filter(person_id=pk).update(
                major_change_at=p["major_change"], major_change_note="n"
            )
    Visit.objects.bulk_create(rows[Visit])
    for tier, conditions, position in w["rules"]:
        TierRule.objects.create(name="x", tier=tier, conditions=conditions, position=position)
    if w["drop_rule"]:
        TierRule.objects.filter(pk=TierRule.objects.order_by("pk").first().pk).update(active=False)
    for tier, valid_from, gap, methods in w["policies"]:
        VisitPolicy.objects.update_or_create(
            tier=tier, valid_from=valid_from, defaults={"max_gap_days": gap, "methods": methods}
        )
    for districts, starts, length, red_gap, methods, yellow_gap, cancelled in w["snaps"]:
        cold = ColdSnap.objects.create(
            name="寒", starts_on=starts, ends_on=starts + dt.timedelta(days=length),
            red_gap_days=red_gap, red_methods=methods, yellow_gap_days=yellow_gap,
            yellow_methods=methods[::-1], cancelled_at=timezone.now() if cancelled else None,
        )  # fmt: skip
        cold.districts.set(Region.objects.filter(code__in=[d + "000000" for d in districts]))


def _state() -> tuple[list, list]:
    fields = [f.attname for f in VisitSchedule._meta.concrete_fields if f.name != "updated_at"]
    schedules = list(VisitSchedule.objects.order_by("person_id").values_list(*fields))
    tiers = list(Person.objects.order_by("pk").values_list("pk", "tier"))
    return schedules, tiers


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(w=world)
def test_it_rebuilds_in_sql_what_the_per_person_refresh_computes(places, w):
    with transaction.atomic():
        _build(w)
        before = transaction.savepoint()
        derive.schedules_refresh_prefix(prefix=w["prefix"], today=TODAY)
        expected = _state()
        transaction.savepoint_rollback(before)
        # No schedule yet: the rebuild sets the table's indexes aside (a first load).
        event(f"first load: {not VisitSchedule.objects.exists()}")
        rebuild.schedules_rebuild(prefix=w["prefix"], today=TODAY)
        got = _state()
        transaction.set_rollback(True)
    for reason in {row[-1] for row in expected[0]}:
        event(f"due reason {reason or '-'}")
    event(
        f"snaps open today: {sum(1 for s in w['snaps'] if s[1] + dt.timedelta(days=s[2]) >= TODAY)}"
    )
    for tier in {row[2] for row in expected[0] if row[9]}:
        event(f"active tier {tier}")
    assert got[1] == expected[1]
    assert got[0] == expected[0]


def test_it_writes_nothing_when_nothing_changed(places):
    from tests.factories import make_person

    make_person(categories=[Category.DIBAO], living="alone")
    assert rebuild.schedules_rebuild(today=TODAY) >= 1
    assert rebuild.schedules_rebuild(today=TODAY) == 0


def test_it_gives_a_tie_between_a_cold_snap_and_the_policy_to_the_snap(places, city_admin):
    from tests.factories import make_person

    person = make_person(living="alone", birth=dt.date(1940, 5, 5))
    VisitPolicy.objects.create(tier="red", valid_from=TODAY - dt.timedelta(days=400),
                               max_gap_days=7, methods=["home"])  # fmt: skip
    VisitSchedule.objects.filter(person=person).delete()
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    cold = ColdSnap.objects.create(
        name="寒", starts_on=TODAY - dt.timedelta(days=3), ends_on=TODAY + dt.timedelta(days=3),
        red_gap_days=7, red_methods=["home"],
    )  # fmt: skip
    cold.districts.set([Region.objects.get(code="510108000000")])
    Visit.objects.create(person=person, region_id=person.region_id, visited_on=TODAY - dt.timedelta(days=8),
                         method="home", with_whom="grid_worker", outcome="met")  # fmt: skip
    rebuild.schedules_rebuild(today=TODAY)
    schedule = VisitSchedule.objects.get(person=person)
    assert (schedule.tier, schedule.due_on, schedule.due_reason) == (
        "red",
        TODAY - dt.timedelta(days=1),
        "cold_snap",
    )


def _schedule_indexes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, VisitSchedule._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["unique"], c["primary_key"])
        for name, c in found.items()
        if c["index"] or c["primary_key"]
    }


def _first_load_city():
    from tests.factories import make_person

    people = [
        make_person(categories=[Category.DIBAO], living=living, region=region)
        for living in ("alone", "with_family", "empty_nest")
        for region in REGIONS
    ]
    VisitSchedule.objects.all().delete()
    Person.objects.update(tier="")
    return people


def test_it_builds_a_first_load_with_the_indexes_set_aside_and_rebuilt(places, monkeypatch):
    people = _first_load_city()
    indexes = _schedule_indexes()
    assert {"schedule_region_due_idx", "schedule_scope_idx"} <= set(indexes)
    with transaction.atomic():
        before = transaction.savepoint()
        derive.schedules_refresh_prefix(prefix="", today=TODAY)
        expected = _state()
        transaction.savepoint_rollback(before)
    deferred = []
    original = rebuild._Rebuild._defer_indexes

    def spy(self, cursor):
        deferred.extend(original(self, cursor))
        assert not set(_schedule_indexes()) & {"schedule_region_due_idx", "schedule_scope_idx"}
        return deferred

    monkeypatch.setattr(rebuild._Rebuild, "_defer_indexes", spy)
    assert rebuild.schedules_rebuild(today=TODAY) == len(expected[0]) >= len(people) > 0
    assert len(deferred) == sum(1 for _c, _u, primary in indexes.values() if not primary) == 6
    assert _schedule_indexes() == indexes
    assert _state() == expected
    # A second rebuild finds schedules: it updates through the indexes, sets none aside.
    deferred.clear()
    assert rebuild.schedules_rebuild(today=TODAY) == 0
    assert deferred == []


def test_it_leaves_the_table_and_its_indexes_as_they_were_when_a_first_load_fails(
    places, monkeypatch
):
    _first_load_city()
    indexes = _schedule_indexes()

    def broken(self, cursor, deferred):
        raise RuntimeError("index build failed")

    monkeypatch.setattr(rebuild._Rebuild, "_build_indexes", broken)
    with pytest.raises(RuntimeError):
        rebuild.schedules_rebuild(today=TODAY)
    assert not VisitSchedule.objects.exists()
    assert set(Person.objects.values_list("tier", flat=True)) == {""}
    assert _schedule_indexes() == indexes
