"""The daily phone spot-check (S9, first half): the reproducible draw, calls, the report.

Through the pages and /api/v1/spot-checks; people and users are set up through services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re

from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import HelpRequest
from nuanxin.core import duties
from nuanxin.oversight.models import SpotCheckCall, SpotCheckDraw
from nuanxin.registry.models import Person
from tests.factories import make_person

BAOHE = "510108010000"
HEMEI = "510108010001"
HEMEI_GRID1 = "510108010001001"
HEMEI_GRID2 = "510108010001002"
CHENGHUA = "510108000000"
SAMPLES = "/api/v1/spot-checks"
CALLS = "/api/v1/spot-checks/calls"
REPORT = "/api/v1/spot-checks/report"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def seed_street(seed: int, n: int = 30) -> list[Person]:
    """`n` people of 保和街道, two in three assistance recipients, from a seeded rng."""
    rng = random.Random(seed)
    people = []
    for i in range(n):
        region = rng.choice([HEMEI_GRID1, HEMEI_GRID2])
        categories = rng.choice([["dibao"], ["elderly_alone"], ["tekun_dispersed"], []])
        people.append(
            make_person(
                name=f"居民{i:02d}",
                region=region,
                phone=f"138{rng.randrange(10**8):08d}",
                categories=categories,
            )
        )
    return people


def names(answer) -> list[str]:
    return [item["name"] for item in answer["items"]]


def test_it_redraws_the_same_sample_on_a_fresh_database_seeded_identically(district_officer):
    day = timezone.localdate() - dt.timedelta(days=2)
    officer = api(district_officer)
    seed_street(2026)
    first = officer.get(SAMPLES, {"region": BAOHE, "date": day.isoformat()}).json()
    assert len(first["items"]) == 5  # the default: five a street
    # Wipe the street and build it again from the same seed: new rows, new ids.
    SpotCheckDraw.objects.all().delete()
    Person.objects.all().delete()
    seed_street(2026)
    second = officer.get(SAMPLES, {"region": BAOHE, "date": day.isoformat()}).json()
    assert names(second) == names(first)
    assert second["seed"] == first["seed"]
    # Another day draws another list from the same street.
    other = officer.get(
        SAMPLES, {"region": BAOHE, "date": (day - dt.timedelta(days=1)).isoformat()}
    )
    assert names(other.json()) != names(first)


def test_it_draws_by_the_documented_algorithm(inspector):
    """An inspector redraws by hand (docs/oversight.md) and gets the list the system made."""
    day = timezone.localdate()
    seed_street(7)
    answer = api(inspector).get(SAMPLES, {"region": BAOHE, "date": day.isoformat()}).json()
    ids = sorted(
        p.pk for p in Person.objects.filter(status="active", enrollments__isnull=False).distinct()
    )
    digest = hashlib.sha256(f"{day.isoformat()}:{BAOHE}".encode()).digest()
    expected = random.Random(int.from_bytes(digest[:8], "big")).sample(ids, 5)
    assert [item["person_id"] for item in answer["items"]] == expected
    assert answer["seed"] == digest.hex()
    assert answer["candidates"] == len(ids)
    assert all("****" in item["phone"] for item in answer["items"])


def test_it_keeps_the_first_draw_when_the_data_changes(district_officer):
    day = timezone.localdate()
    officer = api(district_officer)
    seed_street(11)
    first = names(officer.get(SAMPLES, {"region": BAOHE}).json())
    for i in range(10):
        make_person(name=f"新居民{i}", region=HEMEI_GRID1, categories=["dibao"])
    again = officer.get(SAMPLES, {"region": BAOHE, "date": day.isoformat()}).json()
    assert names(again) == first


def test_it_skips_people_reached_within_the_rest_period(client, district_officer):
    client.force_login(district_officer)
    response = client.post(
        f"/oversight/spot-checks/settings/?region={CHENGHUA}", {"count": "2", "skip_days": "30"}
    )
    assert response.status_code == 302
    people = [
        make_person(name=f"低保户{i}", region=HEMEI_GRID1, categories=["dibao"]) for i in range(3)
    ]
    officer = api(district_officer)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    drawn = officer.get(SAMPLES, {"region": BAOHE, "date": yesterday.isoformat()}).json()
    assert len(drawn["items"]) == 2
    for item in drawn["items"]:
        answer = post(
            officer,
            CALLS,
            {
                "person_id": item["person_id"],
                "date": yesterday.isoformat(),
                "reached": True,
                "ok": True,
            },
        )
        assert answer.status_code == 201, answer.content
    # Today only the one not reached yesterday is left to draw.
    today_items = officer.get(SAMPLES, {"region": BAOHE}).json()["items"]
    called = {item["person_id"] for item in drawn["items"]}
    assert [item["person_id"] for item in today_items] == [
        p.pk for p in people if p.pk not in called
    ]


def test_it_refuses_a_day_to_come(district_officer, ms_cai):
    answer = api(district_officer).get(
        SAMPLES,
        {"region": BAOHE, "date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "date"


def test_it_plays_s9s_spot_check_from_the_draw_to_the_dashboard(
    client, district_officer, community_worker, inspector
):
    """成华区 draws 3 a street; the community worker calls; a problem becomes a help request;
    the report adds up on the page, in the ledger, in the API and on the dashboard."""
    client.force_login(district_officer)
    client.post(
        f"/oversight/spot-checks/settings/?region={CHENGHUA}", {"count": "3", "skip_days": "30"}
    )
    for i in range(6):
        make_person(
            name=f"受助人{i}", region=HEMEI_GRID1, categories=["dibao"], phone=f"1391111000{i}"
        )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    day = yesterday.isoformat()

    worker = Client()
    worker.force_login(community_worker)
    sheet = worker.get("/oversight/spot-checks/", {"region": BAOHE, "date": day})
    assert sheet.status_code == 200
    calls = sheet.context["calls"]
    assert len(calls) == 3 and [c.position for c in calls] == [1, 2, 3]
    first, second, third = calls
    # The first is not reached in the morning (a duty stays), then reached in the afternoon.
    url = f"/oversight/spot-checks/calls/{first.pk}/"
    assert worker.post(url, {"reached": "no", "urgency": "normal"}).status_code == 302
    assert SpotCheckCall.objects.get(pk=first.pk).status == "unreached"
    assert worker.post(url, {"reached": "yes", "ok": "yes", "urgency": "normal"}).status_code == 302
    # The second reports a broken heater: a help request in the same step (the page).
    response = worker.post(
        f"/oversight/spot-checks/calls/{second.pk}/",
        {
            "reached": "yes",
            "ok": "no",
            "needs": "电暖器坏了",
            "winter_issue": "屋里冷",
            "open_request": "on",
            "need_type": "heating",
            "urgency": "urgent",
        },
    )
    assert response.status_code == 302
    hr = HelpRequest.objects.get()
    assert (hr.source, hr.need_type, hr.urgency, hr.person_id) == (
        "spot_check",
        "heating",
        "urgent",
        second.person_id,
    )
    # The third is never reached: yesterday's undone call is on the blind-spot report.
    post(
        api(community_worker),
        CALLS,
        {"person_id": third.person_id, "date": day, "reached": False, "client_id": "c-3"},
    )
    spots = duties.blind_spots(user=community_worker, today=timezone.localdate(), region="5101")
    assert [(d.kind, d.person_id) for d in spots if d.kind == "spot_check"] == [
        ("spot_check", third.person_id)
    ]

    # The report: page, API and ledger agree, and the totals are the sum of the streets.
    client.force_login(district_officer)
    page = client.get("/oversight/spot-checks/report/", {"region": CHENGHUA, "date": day})
    total = page.context["report"].total
    assert (total.drawn, total.reached, total.problems, total.follow_ups_opened) == (3, 2, 1, 1)
    answer = api(inspector).get(REPORT, {"region": CHENGHUA, "date": day}).json()
    assert answer["totals"] == {
        "region": CHENGHUA,
        "name": "成华区",
        "drawn": 3,
        "reached": 2,
        "problems": 1,
        "follow_ups": 1,
        "follow_ups_closed": 0,
    }
    for key in ("drawn", "reached", "problems", "follow_ups"):
        assert sum(row[key] for row in answer["streets"]) == answer["totals"][key]
    ledger = client.get(
        "/oversight/spot-checks/report/", {"region": CHENGHUA, "date": day, "export": "xlsx"}
    )
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(ledger.content)).get_sheet_by_index(0).to_python()
    )
    assert rows[1][1:6] == [BAOHE, "3", "2", "1", "1"]
    # Yesterday's figures on the district's dashboard.
    home = client.get("/")
    assert "spot-checks" in home.content.decode()
    assert "oversight/_card_spot_checks.html" in [t.name for t in home.templates]
    card = home.content.decode().split('id="spot-checks"')[1].split("</section>")[0]
    # The card shows the report's figures: drawn, reached, problems, follow-ups opened / closed.
    figures = re.findall(r'<div class="fs-4[^"]*">([^<]*)</div>', card)
    assert figures == ["3", "2", "1", "1 / 0"]


def test_it_records_a_retried_call_once(community_worker, ms_cai):
    worker = api(community_worker)
    worker.get(SAMPLES, {"region": HEMEI})
    body = {
        "person_id": ms_cai.pk,
        "date": timezone.localdate().isoformat(),
        "reached": True,
        "ok": True,
        "client_id": "phone-1",
    }
    assert post(worker, CALLS, body).status_code == 201
    again = post(worker, CALLS, body)
    assert again.status_code == 201 and again.json()["attempts"] == 1
    assert SpotCheckCall.objects.get().attempt_set.count() == 1


def test_it_answers_404_for_someone_not_drawn(community_worker, ms_cai, grid2_person):
    worker = api(community_worker)
    answer = post(
        worker,
        CALLS,
        {
            "person_id": ms_cai.pk,
            "date": timezone.localdate().isoformat(),
            "reached": True,
            "ok": True,
        },
    )
    assert answer.status_code == 404


def test_it_shows_the_call_sheet_in_a_fixed_number_of_queries(
    client, community_worker, django_assert_max_num_queries
):
    for i in range(12):
        make_person(name=f"受助人{i}", region=HEMEI_GRID1, categories=["dibao"])
    client.force_login(community_worker)
    client.get("/oversight/spot-checks/", {"region": HEMEI})  # the draw is stored once
    with django_assert_max_num_queries(20):
        response = client.get("/oversight/spot-checks/", {"region": HEMEI})
    assert len(response.context["calls"]) == 5


@given(
    candidates=st.integers(min_value=0, max_value=5000),
    count=st.one_of(st.none(), st.integers(min_value=1, max_value=500)),
    share=st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
)
def test_it_never_draws_more_than_there_are_nor_less_than_asked(candidates, count, share):
    from nuanxin.oversight.selectors import Rule

    size = Rule(count=count, share=share, skip_days=30).size(candidates)
    assert 0 <= size <= candidates
    if count:
        assert size == min(count, candidates)
    elif share:
        # The share rounds up: a street with recipients always gets at least one call.
        assert size * 100 >= candidates * share and (size - 1) * 100 < candidates * share


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_it_seeds_from_the_date_and_the_street_alone(day):
    from nuanxin.oversight.selectors import seed_of

    hex_a, seed_a = seed_of(day, BAOHE)
    assert (hex_a, seed_a) == seed_of(day, BAOHE)
    assert seed_a == int(hex_a[:16], 16)
    assert seed_of(day, "510108020000")[0] != hex_a
