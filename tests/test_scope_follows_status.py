"""Scope follows status: people who left are counted up to the day they left, not after."""

import datetime as dt

from nuanxin.registry.models import Enrollment, Status
from nuanxin.registry.services import enrollment_end, person_update
from nuanxin.visits import selectors
from nuanxin.visits.models import VisitSchedule
from tests.conftest import HEMEI, HEMEI_GRID1
from tests.test_coverage import TODAY, enrolled

THIS_MONTH = TODAY.replace(day=1)
LEFT_ON = THIS_MONTH - dt.timedelta(days=40)  # in the month before last, or earlier


def _left(city_admin, *, status):
    person = enrolled(region=HEMEI_GRID1, tier="red", since=LEFT_ON - dt.timedelta(days=400))
    for enrollment in Enrollment.objects.filter(person=person):
        enrollment_end(user=city_admin, enrollment=enrollment, end_date=LEFT_ON)
    person_update(user=city_admin, person=person, status=status)
    return person


def test_it_takes_a_person_who_moved_out_of_scope_from_the_day_they_left(city_admin, places):
    person = _left(city_admin, status=Status.MOVED)

    assert VisitSchedule.objects.get(person=person).out_on == LEFT_ON


def test_it_counts_nobody_who_left_before_the_month(city_admin, community_worker, places):
    stays = enrolled(region=HEMEI_GRID1, tier="red")
    _left(city_admin, status=Status.DECEASED)
    _left(city_admin, status=Status.MOVED)

    _region, spots = selectors.blind_spots(
        user=community_worker, region_code=HEMEI, month=THIS_MONTH, today=TODAY
    )
    this_month = selectors.coverage_for(user=community_worker, region_code=HEMEI, month=THIS_MONTH)

    assert [s.person_id for s in spots] == [stays.pk]
    assert this_month.total.in_scope == 1


def test_it_still_counts_them_in_the_month_they_left(city_admin, community_worker, places):
    _left(city_admin, status=Status.MOVED)

    that_month = selectors.coverage_for(
        user=community_worker, region_code=HEMEI, month=LEFT_ON.replace(day=1)
    )

    assert that_month.total.in_scope == 1


def test_it_leaves_a_person_in_hospital_off_the_running_months_blind_spots(
    city_admin, community_worker, places
):
    in_hospital = enrolled(region=HEMEI_GRID1, tier="red")
    person_update(user=city_admin, person=in_hospital, status=Status.IN_HOSPITAL)
    so_far = min(TODAY, THIS_MONTH + dt.timedelta(days=20))

    _region, spots = selectors.blind_spots(
        user=community_worker, region_code=HEMEI, month=THIS_MONTH, today=so_far
    )

    assert spots == []
