"""S3 — cold snap: declared by the city admin, duties follow, the normal policy resumes."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.registry.services import enrollment_add
from nuanxin.visits import derive, services
from nuanxin.visits.models import ColdSnap, VisitSchedule
from tests.conftest import HEMEI_GRID1, JINJIANG, JINJIANG_COMMUNITY
from tests.factories import make_person, make_user

SHUANGLIU = "510116000000"
SHUANGLIU_COMMUNITY = "510116010001"
TODAY = timezone.localdate()


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def person(region, *, red: bool, name: str):
    kind = (
        {"living": "alone", "birth": dt.date(1935, 1, 1)} if red else {"birth": dt.date(1970, 1, 1)}
    )
    p = make_person(name=name, region=region, **kind)
    enrollment_add(user=None, person=p, category="dibao", start_date=TODAY - dt.timedelta(days=100))
    return p


@pytest.fixture
def cold_city(city_admin, places):
    """Red people in 锦江, 双流 and 成华, each met at home yesterday; a blue one in 锦江."""
    people = {
        "jj_red": person(JINJIANG_COMMUNITY, red=True, name="锦红"),
        "sl_red": person(SHUANGLIU_COMMUNITY, red=True, name="双红"),
        "ch_red": person(HEMEI_GRID1, red=True, name="成红"),
        "jj_blue": person(JINJIANG_COMMUNITY, red=False, name="锦蓝"),
    }
    for p in people.values():
        services.visit_record(
            user=city_admin,
            person_id=p.pk,
            visited_on=TODAY - dt.timedelta(days=1),
            method="home",
            with_whom="community_worker",
            outcome="met",
        )
    return people


def due(p) -> tuple[dt.date, str]:
    s = VisitSchedule.objects.get(person=p)
    return s.due_on, s.due_reason


def test_it_runs_the_cold_snap_story_s3(client, city_admin, outsider, grid_worker, cold_city):
    ends = TODAY + dt.timedelta(days=4)
    client.force_login(city_admin)
    response = client.post(
        "/cold-snaps/",
        {
            "name": "寒潮预警 1号",
            "districts": [JINJIANG, SHUANGLIU],
            "starts_on": TODAY.isoformat(),
            "ends_on": ends.isoformat(),
            "red_gap_days": "1",
            "yellow_gap_days": "3",
        },
    )
    assert response.status_code == 302, response.content
    snap = ColdSnap.objects.get()
    assert snap.red_methods == ["home", "phone"]

    # Every red person there is due today; elsewhere and other tiers are untouched.
    assert due(cold_city["jj_red"]) == (TODAY, "cold_snap")
    assert due(cold_city["sl_red"]) == (TODAY, "cold_snap")
    assert due(cold_city["ch_red"]) == (TODAY + dt.timedelta(days=6), "policy")
    assert due(cold_city["jj_blue"])[1] == "policy"

    # 锦江's worklist shows them at the top, with the alert.
    jinjiang = api(outsider).get("/api/v1/worklist").json()["items"]
    assert jinjiang[0]["bucket"] == "today" and jinjiang[0]["person_name"] == "锦红"
    assert jinjiang[0]["label"].startswith("Cold snap")
    client.force_login(outsider)
    page = client.get(f"/worklist/?region={JINJIANG_COMMUNITY}")
    assert "寒潮预警 1号" in page.content.decode()
    client.force_login(grid_worker)
    assert "寒潮预警 1号" not in client.get("/worklist/").content.decode()

    # A phone call counts during the alert: the next contact is due tomorrow.
    officer = make_user("jj_worker", "community_worker", JINJIANG_COMMUNITY)
    response = api(officer).post(
        "/api/v1/visits",
        {
            "person_id": cold_city["jj_red"].pk,
            "visited_on": TODAY.isoformat(),
            "method": "phone",
            "with_whom": "community_worker",
            "outcome": "met",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert due(cold_city["jj_red"]) == (TODAY + dt.timedelta(days=1), "cold_snap")

    # The alert ends: the daily tick restores the normal policy; nobody edits a person.
    derive.cold_snaps_tick(today=ends + dt.timedelta(days=1))
    assert due(cold_city["jj_red"]) == (TODAY + dt.timedelta(days=6), "policy")
    assert due(cold_city["sl_red"]) == (TODAY + dt.timedelta(days=6), "policy")


def test_it_lets_only_the_city_admin_declare(client, district_officer, places):
    client.force_login(district_officer)
    response = client.post("/cold-snaps/", {"name": "x", "districts": [JINJIANG]})
    assert response.status_code == 404
    assert client.get("/cold-snaps/").status_code == 200
    assert not ColdSnap.objects.exists()


def test_it_names_the_wrong_field_of_an_alert(client, city_admin):
    client.force_login(city_admin)
    response = client.post(
        "/cold-snaps/",
        {
            "name": "x",
            "districts": [JINJIANG],
            "starts_on": "2026-02-05",
            "ends_on": "2026-02-01",
            "red_gap_days": "1",
            "yellow_gap_days": "3",
        },
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors


def test_it_restores_the_policy_when_an_alert_is_cancelled(client, city_admin, cold_city):
    snap = services.cold_snap_declare(
        user=city_admin,
        name="x",
        district_codes=[JINJIANG],
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=2),
    )
    assert due(cold_city["jj_red"])[1] == "cold_snap"
    client.force_login(city_admin)
    assert client.post(f"/cold-snaps/{snap.pk}/cancel/").status_code == 302
    assert due(cold_city["jj_red"]) == (TODAY + dt.timedelta(days=6), "policy")
