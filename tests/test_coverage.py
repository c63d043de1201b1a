"""The monthly visit rate, roll-ups, the blind-spot report and sign-off (S2)."""

import datetime as dt
import io
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuanxin.accounts.services import api_token_create
from nuanxin.registry.models import Person
from nuanxin.registry.services import enrollment_add
from nuanxin.visits import rules, selectors, services
from nuanxin.visits.models import EXPLAINING_OUTCOMES, Visit, VisitSchedule
from tests.conftest import (
    BAOHE,
    CHENGHUA,
    CITY,
    HEMEI,
    HEMEI_GRID1,
    HEMEI_GRID2,
    JINJIANG,
    JINJIANG_COMMUNITY,
)
from tests.factories import make_person

TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
FIRST, LAST = rules.month_bounds(LAST_MONTH)
DAYS = (LAST - FIRST).days + 1
_names = (f"测{i}" for i in itertools.count())


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def enrolled(*, region, tier, since=FIRST - dt.timedelta(days=90)):
    """A person of the given default tier, enrolled before last month."""
    kind = {
        "red": {"living": "alone", "birth": dt.date(1935, 1, 1)},
        "yellow": {"living": "alone", "birth": dt.date(1955, 1, 1)},
        "blue": {"birth": dt.date(1975, 1, 1)},
    }[tier]
    person = make_person(name=next(_names), region=region, **kind)
    enrollment_add(user=None, person=person, category="dibao", start_date=since)
    person.refresh_from_db()
    assert person.tier == tier
    return person


def visit(client, person, day, *, outcome="met", method="home"):
    response = client.post(
        "/api/v1/visits",
        {
            "person_id": person.pk,
            "visited_on": day.isoformat(),
            "method": method,
            "with_whom": "community_worker",
            "outcome": outcome,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def visits_as_required(client, person):
    """As many home visits in last month as its tier needs, spread over the month."""
    gap = {"red": 7, "yellow": 14, "blue": 30}[person.tier]
    for i in range(rules.required_visits(gap_days=gap, days=DAYS)):
        visit(client, person, FIRST + dt.timedelta(days=i * gap))


@pytest.fixture
def s2_community(community_worker, grid_worker):
    """和美社区 with 40 people in scope: 6 red, 10 yellow, 24 blue, over its two grids."""
    tiers = ["red"] * 6 + ["yellow"] * 10 + ["blue"] * 24
    return [
        enrolled(region=HEMEI_GRID1 if i % 2 else HEMEI_GRID2, tier=tier)
        for i, tier in enumerate(tiers)
    ]


def test_it_reads_39_of_40_and_lists_the_one_missed_s2(
    s2_community, community_worker, street_officer, district_officer
):
    client = api(community_worker)
    unvisited, in_hospital, *rest = s2_community
    for person in rest:
        visits_as_required(client, person)
    visit(client, in_hospital, FIRST + dt.timedelta(days=3), outcome="in_hospital")

    month = f"{LAST_MONTH:%Y-%m}"
    figures = client.get(f"/api/v1/coverage?region={HEMEI}&month={month}").json()
    assert (figures["in_scope"], figures["visited"], figures["explained"], figures["missed"]) == (
        40,
        38,
        1,
        1,
    )
    assert figures["rate"] == pytest.approx(39 / 40, abs=1e-4)
    assert sum(c["in_scope"] for c in figures["children"]) == 40  # the two grids

    spots = client.get(f"/api/v1/blind-spots?region={HEMEI}&month={month}").json()
    assert spots["count"] == 1
    (missed,) = spots["items"]
    assert missed["person_id"] == unvisited.pk
    assert missed["tier"] == "red"
    expected_worker = "hemei_grid1" if unvisited.region_id == HEMEI_GRID1 else "hemei_worker"
    assert missed["responsible_worker"] == expected_worker

    street = api(street_officer).get(f"/api/v1/coverage?region={BAOHE}&month={month}").json()
    district = api(district_officer).get(f"/api/v1/coverage?region={CHENGHUA}&month={month}").json()
    assert [c["region"] for c in street["children"]] == [HEMEI]
    assert street["children"][0]["visited"] == figures["visited"]
    for level in (street, district):
        for key in ("in_scope", "visited", "explained", "missed"):
            assert level[key] == sum(c[key] for c in level["children"]) == figures[key]


def test_it_does_not_count_a_phone_call_for_a_red_person(community_worker, places):
    red = enrolled(region=HEMEI_GRID1, tier="red")
    blue = enrolled(region=HEMEI_GRID1, tier="blue")
    client = api(community_worker)
    for i in range(5):
        visit(client, red, FIRST + dt.timedelta(days=i * 6), method="phone")
    visit(client, blue, FIRST, method="phone")
    c = selectors.coverage_compute(region=_region(HEMEI), month=LAST_MONTH)
    assert (c.total.in_scope, c.total.visited, c.total.missed) == (2, 1, 1)


def test_it_counts_each_tier_only_the_methods_its_policy_names(
    city_admin, community_worker, places
):
    """Only methods some policy counts are tallied; a video call counts for blue, not red."""
    services.policy_set(
        user=city_admin,
        tier="blue",
        valid_from=FIRST - dt.timedelta(days=60),
        max_gap_days=30,
        methods=["video"],
    )
    before = selectors.coverage_compute(region=_region(CITY), month=LAST_MONTH).total
    by_video = enrolled(region=HEMEI_GRID1, tier="blue")
    by_phone = enrolled(region=HEMEI_GRID2, tier="blue")
    red = enrolled(region=HEMEI_GRID1, tier="red")
    client = api(community_worker)
    visit(client, by_video, FIRST, method="video")
    visit(client, by_phone, FIRST, method="phone")
    for i in range(5):
        visit(client, red, FIRST + dt.timedelta(days=i * 6), method="video")
    hemei = selectors.coverage_compute(region=_region(HEMEI), month=LAST_MONTH).total
    assert (hemei.in_scope, hemei.visited, hemei.missed) == (3, 1, 2)
    city = selectors.coverage_compute(region=_region(CITY), month=LAST_MONTH).total
    assert (city.in_scope - before.in_scope, city.visited - before.visited) == (3, 1)


def test_it_counts_a_person_who_moved_in_the_month_where_each_visit_was(city_admin, places):
    """Visits in two districts in one month: the city counts both, a district its own."""
    from nuanxin.registry.services import person_update
    from nuanxin.visits.models import VisitTally

    person = enrolled(region=HEMEI_GRID1, tier="blue")
    before = selectors.coverage_compute(region=_region(CITY), month=LAST_MONTH)
    client = api(city_admin)
    visit(client, person, FIRST)  # at home in 成华
    person_update(user=city_admin, person=person, region=_region(JINJIANG_COMMUNITY))
    visit(client, person, FIRST + dt.timedelta(days=3), outcome="refused")  # in 锦江
    assert VisitTally.objects.get(person_id=person.pk, month=LAST_MONTH).split
    city = selectors.coverage_compute(region=_region(CITY), month=LAST_MONTH)
    raw = list(Visit.objects.filter(visited_on__gte=FIRST, visited_on__lte=LAST))
    assert (city.total.in_scope, city.total.visited, city.total.explained) == _reference(
        [p.pk for p in Person.objects.all()], raw
    )
    assert city.total.visited - before.total.visited == 1
    jinjiang = selectors.coverage_compute(region=_region(JINJIANG), month=LAST_MONTH)
    assert (
        jinjiang.total.explained - sum(c.explained for c in before.children if c.code == JINJIANG)
        == 1
    )


def test_it_keeps_the_monthly_tallies_as_visits_are_recorded(community_worker, places):
    """The tally a person's month is counted from is the sum of their visits, late ones too."""
    from nuanxin.visits.models import VisitTally

    person = enrolled(region=HEMEI_GRID1, tier="red")
    client = api(community_worker)
    visit(client, person, FIRST)
    visit(client, person, FIRST + dt.timedelta(days=1), method="phone")
    visit(client, person, FIRST + dt.timedelta(days=2), outcome="in_hospital")
    visit(client, person, TODAY)
    last = VisitTally.objects.get(person_id=person.pk, month=LAST_MONTH)
    assert (last.n_home, last.n_phone, last.explained, last.split) == (1, 1, True, False)
    assert last.region_id == HEMEI_GRID1
    assert VisitTally.objects.get(person_id=person.pk, month=TODAY.replace(day=1)).n_home == 1
    VisitTally.objects.filter(person_id=person.pk).delete()  # as after a bulk load
    call_command("visits_refresh", "--tallies", stdout=io.StringIO())
    again = VisitTally.objects.get(person_id=person.pk, month=LAST_MONTH)
    assert (again.n_home, again.n_phone, again.explained) == (1, 1, True)


def test_it_counts_not_at_home_as_neither_visited_nor_explained(community_worker, places):
    person = enrolled(region=HEMEI_GRID1, tier="blue")
    visit(api(community_worker), person, FIRST, outcome="not_at_home")
    c = selectors.coverage_compute(region=_region(HEMEI), month=LAST_MONTH)
    assert c.total.missed == 1


def test_it_leaves_out_people_who_entered_scope_after_the_month(community_worker, places):
    enrolled(region=HEMEI_GRID1, tier="blue", since=TODAY)
    c = selectors.coverage_compute(region=_region(HEMEI), month=LAST_MONTH)
    assert c.total.in_scope == 0 and c.total.rate == 1.0


def test_it_keeps_someone_who_died_in_the_month_they_died(community_worker, places):
    person = enrolled(region=HEMEI_GRID1, tier="blue")
    visit(api(community_worker), person, TODAY, outcome="deceased")
    this_month = selectors.coverage_compute(region=_region(HEMEI), month=TODAY)
    assert (this_month.total.in_scope, this_month.total.explained) == (1, 1)
    next_month = (TODAY.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    later = selectors.coverage_compute(region=_region(HEMEI), month=next_month, today=next_month)
    assert later.total.in_scope == 0


def _region(code):
    from nuanxin.regions.models import Region

    return Region.objects.get(code=code)


# --- roll-ups: a hypothesis test over random histories --------------------------------


@pytest.fixture
def mixed_people(places):
    people = [
        enrolled(region=region, tier=tier)
        for region in (HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY)
        for tier in ("red", "yellow", "blue")
    ]
    return people


VISIT = st.tuples(
    st.integers(0, 8),  # which person
    st.integers(0, DAYS - 1),  # which day of last month
    st.sampled_from(["home", "phone", "video"]),
    st.sampled_from(["met", "met", "met", "not_at_home", "refused", "in_hospital", "moved"]),
)


def _reference(people_ids, history):
    """The rate recomputed from the raw visits, in plain Python."""
    versions = selectors.policy_versions()
    in_scope = visited = explained = 0
    for sched in VisitSchedule.objects.filter(person_id__in=people_ids):
        if sched.in_scope_since > LAST or (sched.out_on and sched.out_on < FIRST):
            continue
        in_scope += 1
        policy = versions[sched.tier][-1]
        needed = rules.required_visits(gap_days=policy.max_gap_days, days=DAYS)
        mine = [v for v in history if v.person_id == sched.person_id]
        ok = sum(1 for v in mine if v.outcome == "met" and v.method in policy.methods)
        if ok >= needed:
            visited += 1
        elif any(v.outcome in EXPLAINING_OUTCOMES for v in mine):
            explained += 1
    return in_scope, visited, explained


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=st.lists(VISIT, max_size=30))
def test_it_adds_up_from_grid_to_city_for_any_history(mixed_people, city_admin, history):
    with transaction.atomic():
        for who, day, method, outcome in history:
            services.visit_record(
                user=city_admin,
                person_id=mixed_people[who].pk,
                visited_on=FIRST + dt.timedelta(days=day),
                method=method,
                with_whom="grid_worker",
                outcome=outcome,
            )
        city = selectors.coverage_compute(region=_region(CITY), month=LAST_MONTH)
        raw = list(Visit.objects.filter(visited_on__gte=FIRST, visited_on__lte=LAST))
        assert (city.total.in_scope, city.total.visited, city.total.explained) == _reference(
            [p.pk for p in mixed_people], raw
        )
        for parent in (
            city,
            selectors.coverage_compute(region=_region(CHENGHUA), month=LAST_MONTH),
            selectors.coverage_compute(region=_region(HEMEI), month=LAST_MONTH),
        ):
            for key in ("in_scope", "visited", "explained", "missed"):
                assert getattr(parent.total, key) == sum(getattr(c, key) for c in parent.children)
        districts = {c.code: c for c in city.children}
        assert set(districts) == {CHENGHUA, "510104000000"}
        transaction.set_rollback(True)


def test_it_computes_coverage_in_a_fixed_number_of_queries(
    district_officer, mixed_people, django_assert_max_num_queries
):
    client = api(district_officer)
    client.get(f"/api/v1/coverage?region={CHENGHUA}")
    # 9: one of them asks whether an administrative change remaps the month (mapchange).
    with django_assert_max_num_queries(9):
        assert client.get(f"/api/v1/coverage?region={CHENGHUA}").status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(f"/api/v1/blind-spots?region={CHENGHUA}").status_code == 200


# --- the pages ------------------------------------------------------------------------------


def test_it_shows_coverage_and_blind_spots_pages_with_links(client, district_officer, mixed_people):
    client.force_login(district_officer)
    page = client.get(f"/coverage/?region={CHENGHUA}&month={LAST_MONTH:%Y-%m}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/blind-spots/?region={CHENGHUA}&amp;month={LAST_MONTH:%Y-%m}" in html
    assert f"?region={BAOHE}" in html
    spots = client.get(f"/blind-spots/?region={BAOHE}&month={LAST_MONTH:%Y-%m}")
    assert spots.status_code == 200 and spots.context["count"] == 6


def test_it_exports_the_blind_spots_as_a_ledger(client, district_officer, mixed_people):
    client.force_login(district_officer)
    response = client.get(f"/blind-spots/?region={CHENGHUA}&month={LAST_MONTH:%Y-%m}&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 1 + 6


def test_it_words_the_tier_badges_of_the_blind_spots_in_the_readers_language(
    client, district_officer, mixed_people
):
    client.force_login(district_officer)
    url = f"/blind-spots/?region={BAOHE}&month={LAST_MONTH:%Y-%m}"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    for label in ("Red", "Yellow", "Blue"):
        assert f">{label}</span>" in english
        assert f">{label.lower()}</span>" not in english
    for label in ("红色", "黄色", "蓝色"):
        assert f">{label}</span>" in chinese
    assert ">red</span>" not in chinese


def test_it_says_when_nobody_is_responsible_for_a_blind_spot(
    client, district_officer, grid_worker, mixed_people
):
    """The grid's worker, else the community's; where neither is, the page says so."""
    client.force_login(district_officer)
    url = f"/blind-spots/?region={BAOHE}&month={LAST_MONTH:%Y-%m}"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    workers = {(r.region_id, r.worker) for r in page.context["page"].object_list}
    assert workers == {(HEMEI_GRID1, str(grid_worker)), (HEMEI_GRID2, "")}
    html = page.content.decode()
    assert html.count("Nobody assigned") == 3  # the three people of the second grid
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert chinese.count("无人负责") == 3

    export = client.get(url + "&export=xlsx", HTTP_ACCEPT_LANGUAGE="en")
    import io

    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0)
    column = [row[-1] for row in rows.to_python()[1:]]
    assert sorted(column) == sorted([str(grid_worker)] * 3 + ["Nobody assigned"] * 3)


# --- sign-off -----------------------------------------------------------------------------


def test_it_signs_off_a_month_and_shows_late_changes(
    client, community_worker, street_officer, grid_worker, outsider, mixed_people
):
    with pytest.raises(PermissionDenied):
        services.coverage_sign(user=grid_worker, region_code=HEMEI, month=LAST_MONTH)
    with pytest.raises(ValidationError):
        services.coverage_sign(user=community_worker, region_code=HEMEI, month=TODAY)
    signoff = services.coverage_sign(user=community_worker, region_code=HEMEI, month=LAST_MONTH)
    assert signoff.figures["in_scope"] == 6 and signoff.figures["missed"] == 6
    with pytest.raises(ValidationError):
        services.coverage_sign(user=community_worker, region_code=HEMEI, month=LAST_MONTH)

    with pytest.raises(PermissionDenied):
        services.coverage_countersign(user=outsider, signoff=signoff)
    services.coverage_countersign(user=street_officer, signoff=signoff)
    signoff.refresh_from_db()
    assert signoff.countersigned_by == street_officer and signoff.countersigned_at

    # A visit for that month recorded afterwards is marked, and the page says so.
    late_id = visit(api(community_worker), mixed_people[0], FIRST + dt.timedelta(days=1))
    assert Visit.objects.get(pk=late_id).late
    client.force_login(community_worker)
    page = client.get(
        f"/coverage/?region={HEMEI}&month={LAST_MONTH:%Y-%m}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.context["c"].late_visits == 1
    assert "after sign-off" in page.content.decode()
    # The signed figures stay as signed; the live ones moved.
    assert page.context["c"].signoff.figures["missed"] == 6


def test_it_signs_off_through_the_page(client, community_worker, street_officer, mixed_people):
    client.force_login(community_worker)
    response = client.post("/coverage/sign/", {"region": HEMEI, "month": f"{LAST_MONTH:%Y-%m}"})
    assert response.status_code == 302
    signoff = selectors.CoverageSignoff.objects.get()
    client.force_login(street_officer)
    assert client.post(f"/coverage/countersign/{signoff.pk}/").status_code == 302
    signoff.refresh_from_db()
    assert signoff.countersigned_by == street_officer
    page = client.get(f"/coverage/?region={BAOHE}&month={LAST_MONTH:%Y-%m}")
    assert [s.pk for s in page.context["signoffs"]] == [signoff.pk]


def test_it_leaves_out_the_sources_a_blind_spot_report_skips(district_officer, mixed_people):
    from nuanxin.core import duties

    today = timezone.localdate()
    every = duties.blind_spots(user=district_officer, today=today, region="510108")
    assert any(d.kind == "visit" for d in every)
    others = duties.blind_spots(user=district_officer, today=today, region="510108", skip={"visit"})
    assert others == [d for d in every if d.kind != "visit"]


def test_it_builds_only_the_blind_spots_a_page_reads():
    import datetime as dt

    from nuanxin.visits.selectors import BlindSpot, BlindSpotRows

    asked, read = [], []

    def worker(code):
        asked.append(code)
        return f"w{code}"

    def people(ids):
        read.append(len(ids))
        return {i: (f"人{i}", "址") for i in ids}

    raw = [(i, f"5101080100010{i % 10:02d}", "red", "2026-11-02", None) for i in range(2500)]
    rows = BlindSpotRows(raw, worker, people)
    assert len(rows) == 2500 and asked == [] and read == []
    page = rows[100:200]
    assert len(asked) == 100 and [r.person_id for r in page] == list(range(100, 200))
    assert read == [100]  # one query for the page's names, none for the others
    assert page[0] == BlindSpot(
        100, "人100", "510108010001000", "址", "red", dt.date(2026, 11, 2), None, "w510108010001000"
    )
    assert rows[-1].person_id == 2499
    read.clear()
    assert len(list(rows)) == 2500 and read == [1000, 1000, 500]  # an export, a chunk a query
    assert BlindSpotRows([], worker, people) == [] and rows != []
