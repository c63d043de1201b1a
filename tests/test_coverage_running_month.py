"""A month in progress: who is due by today, who of them is reached, and nobody red early."""

import datetime as dt

from nuanxin.regions.models import Region
from nuanxin.visits import selectors
from tests.conftest import HEMEI, HEMEI_GRID1
from tests.test_coverage import TODAY, api, enrolled, visit

THIS_MONTH = TODAY.replace(day=1)
# A day inside this month, never its last, on or before today: the month is still running.
SO_FAR = min(TODAY, THIS_MONTH + dt.timedelta(days=20))


def _four_people(client):
    """Blue people (a visit a month): one reached, one explained, one late, one not yet due."""
    reached, explained, late, not_due = (
        enrolled(region=HEMEI_GRID1, tier="blue") for _ in range(4)
    )
    visit(client, reached, THIS_MONTH)
    visit(client, explained, THIS_MONTH, outcome="in_hospital")
    # Last seen 45 days before the month: due about two weeks before it began.
    visit(client, late, THIS_MONTH - dt.timedelta(days=45))
    # Last seen the day before the month: not due until its 30th.
    visit(client, not_due, THIS_MONTH - dt.timedelta(days=1))
    return reached, explained, late, not_due


def test_it_counts_only_the_people_past_their_due_date_as_late(community_worker, places):
    _reached, _explained, late, _not_due = _four_people(api(community_worker))

    total = selectors.coverage_compute(
        region=Region.objects.get(code=HEMEI), month=THIS_MONTH, today=SO_FAR
    ).total

    assert total.partial
    assert (total.in_scope, total.visited, total.explained) == (4, 1, 1)
    assert (total.late, total.not_yet_due, total.due_so_far) == (1, 1, 3)
    assert total.on_track == 2 / 3
    assert total.behind == 1
    # The month's full figure is still there beside it.
    assert total.missed == 2
    assert total.as_dict()["on_track"] == round(2 / 3, 4)


def test_it_lists_only_the_late_on_the_running_months_blind_spots(community_worker, places):
    _reached, _explained, late, _not_due = _four_people(api(community_worker))

    _region, spots = selectors.blind_spots(
        user=community_worker, region_code=HEMEI, month=THIS_MONTH, today=SO_FAR
    )

    assert [s.person_id for s in spots] == [late.pk]


def test_it_keeps_a_finished_month_whole(community_worker, places):
    client = api(community_worker)
    _four_people(client)
    last_day = (THIS_MONTH + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)

    total = selectors.coverage_compute(
        region=Region.objects.get(code=HEMEI), month=THIS_MONTH, today=last_day
    ).total

    assert not total.partial
    assert total.late is None
    assert (total.missed, total.behind, total.not_yet_due) == (2, 2, 0)
    assert "late" not in total.as_dict()


def test_it_says_on_the_page_that_the_month_is_running(client, community_worker, places):
    _four_people(api(community_worker))
    client.force_login(community_worker)

    page = client.get(f"/coverage/?region={HEMEI}&month={TODAY:%Y-%m}")

    assert page.status_code == 200
    running = selectors.month_running(THIS_MONTH, TODAY)
    assert (b"Not yet due" in page.content or "尚未到期".encode() in page.content) == running


def test_it_marks_the_running_month_partial_on_the_dashboard_trend(client, district_officer):
    client.force_login(district_officer)

    page = client.get("/")

    trend = page.context["trend"]
    assert trend["partial"][-1] == selectors.month_running(THIS_MONTH, TODAY)
    assert not any(trend["partial"][:-1])
