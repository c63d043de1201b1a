"""The access rule on every page and API route of the visits and dashboard apps:
the owner gets 200, an outsider 404 (as if missing), the anonymous a login redirect or 401."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.visits import services
from tests.conftest import HEMEI

MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def visit(grid_worker, ms_cai):
    v, _created = services.visit_record(
        user=grid_worker,
        person_id=ms_cai.pk,
        visited_on=timezone.localdate(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
    )
    return v


def page_urls(ms_cai, visit) -> list[str]:
    """Pages about one record or one region: an outsider must get 404."""
    return [
        f"/visits/{visit.pk}/",
        f"/visits/new/{ms_cai.pk}/",
        f"/visits/person/{ms_cai.pk}/",
        f"/coverage/?region={HEMEI}&month={MONTH}",
        f"/blind-spots/?region={HEMEI}&month={MONTH}",
        f"/blind-spots/?region={HEMEI}&month={MONTH}&export=xlsx",
        f"/worklist/?region={HEMEI}",
    ]


# Pages about "my area": everyone signed in gets their own (an outsider sees only theirs).
AREA_PAGES = [
    "/",
    "/worklist/",
    "/visits/",
    "/follow-ups/",
    "/cold-snaps/",
    "/coverage/",
    "/blind-spots/",
]


def api_urls(ms_cai) -> list[str]:
    return [
        f"/api/v1/persons/{ms_cai.pk}/visits",
        f"/api/v1/coverage?region={HEMEI}&month={MONTH}",
        f"/api/v1/blind-spots?region={HEMEI}&month={MONTH}",
    ]


def test_it_shows_the_owner_every_page(client, community_worker, ms_cai, visit):
    client.force_login(community_worker)
    for url in page_urls(ms_cai, visit) + AREA_PAGES:
        assert client.get(url).status_code == 200, url


def test_it_answers_404_to_an_outsider_on_every_record_page(client, outsider, ms_cai, visit):
    client.force_login(outsider)
    for url in page_urls(ms_cai, visit):
        assert client.get(url).status_code == 404, url
    for url in AREA_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "蔡阿姨" not in response.content.decode(), url


def test_it_sends_the_anonymous_to_the_login_page(client, ms_cai, visit):
    for url in page_urls(ms_cai, visit) + AREA_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in ["/coverage/sign/", "/coverage/countersign/1/", "/cold-snaps/1/cancel/"]:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_it_keeps_a_grid_worker_out_of_the_other_grid(client, grid_worker, grid2_person):
    client.force_login(grid_worker)
    assert client.get(f"/visits/person/{grid2_person.pk}/").status_code == 404
    assert client.get(f"/visits/new/{grid2_person.pk}/").status_code == 404


def test_it_lets_an_inspector_read_but_not_record(client, inspector, ms_cai, visit):
    client.force_login(inspector)
    assert client.get(f"/visits/{visit.pk}/").status_code == 200
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "f-TOTAL_FORMS": "0",
        "f-INITIAL_FORMS": "0",
    }
    assert client.post(f"/visits/new/{ms_cai.pk}/", data).status_code == 403  # in sight


def test_it_answers_the_api_owner_outsider_and_anonymous(community_worker, outsider, ms_cai, visit):
    owner = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=community_worker)}")
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=outsider)}")
    anonymous = Client()
    for url in api_urls(ms_cai):
        assert owner.get(url).status_code == 200, url
        assert stranger.get(url).status_code == 404, url
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.get("/api/v1/worklist").status_code == 401
    assert stranger.get("/api/v1/worklist").json()["items"] == []
    body = {
        "person_id": ms_cai.pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
    }
    assert (
        anonymous.post("/api/v1/visits", body, content_type="application/json").status_code == 401
    )
    assert stranger.post("/api/v1/visits", body, content_type="application/json").status_code == 404


def test_it_does_not_return_a_replayed_visit_to_an_outsider(outsider, grid_worker, ms_cai):
    body = {
        "client_id": "secret-1",
        "person_id": ms_cai.pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
    }
    owner = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=grid_worker)}")
    assert owner.post("/api/v1/visits", body, content_type="application/json").status_code == 201
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=outsider)}")
    assert stranger.post("/api/v1/visits", body, content_type="application/json").status_code == 404


def test_it_gives_a_volunteer_an_empty_area_worklist(client, volunteer, ms_cai):
    client.force_login(volunteer)
    response = client.get("/worklist/")
    assert response.status_code == 200
    assert "蔡阿姨" not in response.content.decode()
    assert client.get(f"/coverage/?region={HEMEI}").status_code == 404
    assert client.get(f"/visits/person/{ms_cai.pk}/").status_code == 404


def test_it_lets_only_the_admin_cancel_an_alert(client, city_admin, district_officer, places):
    snap = services.cold_snap_declare(
        user=city_admin,
        name="x",
        district_codes=["510108000000"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=1),
    )
    client.force_login(district_officer)
    assert client.post(f"/cold-snaps/{snap.pk}/cancel/").status_code == 404
