"""Query parameters are parsed, never trusted: a bad value is a 400 naming it, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from nuanxin.accounts.services import api_token_create

# What a careful tester typed into the address bar (issue: 34 of 380 tries were 500s).
HOSTILE = [
    "region=abc",
    "region=5101",
    "month=2026-13",
    "month=abc",
    "date=2026-02-30",
    "date=99999-01-01",
    "page=99999999999999999999",
    "page=-1",
    "assignee=99999999999999999999",
    "provider=99999999999999999999",
    "person=99999999999999999999",
    "request=99999999999999999999",
    "kind=nonsense",
    "status=nonsense",
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/visits/?region=abc", 400),
        ("/follow-ups/?region=abc", 400),
        ("/ledgers/export/people/?region=abc", 400),
        ("/tasks/?assignee=99999999999999999999", 400),
        ("/referrals/?provider=99999999999999999999", 400),
        ("/coverage/?month=2026-13", 400),
        ("/blind-spots/?region=510108", 400),
        ("/worklist/?date=2026-02-30", 400),
        ("/people/?region=510104000000", 400),  # not an area of hers to choose
    ],
)
def test_it_answers_a_bad_parameter_with_400_naming_it(client, community_worker, url, expected):
    client.force_login(community_worker)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == expected
    assert "cannot be read" in response.content.decode()


def test_it_bounds_the_timeline_page(client, community_worker, ms_cai):
    client.force_login(community_worker)
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    assert client.get(url, {"page": "99999999999999999999"}).status_code == 400
    assert client.get(url, {"page": "3"}).status_code == 200  # past the end: an empty page


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/worklist?region=abc",
        "/api/v1/worklist?date=2026-02-30",
        "/api/v1/blind-spots?month=2026-13",
        "/api/v1/coverage?region=51010",
        "/api/v1/persons?region=5101",
        "/api/v1/persons?page=99999999999999999999",
        "/api/v1/tasks?page_size=100000",
        "/api/v1/tasks?assignee=99999999999999999999",
        "/api/v1/referrals?provider=99999999999999999999",
        "/api/v1/persons/99999999999999999999",
        "/api/v1/persons/1/visits?page_size=201",
    ],
)
def test_it_answers_a_bad_api_parameter_with_400(client, community_worker, ms_cai, url):
    token = api_token_create(user=community_worker)
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (400, 404), response.content  # 404: a path no route takes
    if response.status_code == 400:
        detail = response.json()["detail"]
        assert detail and {"field", "message"} <= set(detail[0])


def test_it_answers_a_body_that_is_not_json_with_400(client, community_worker):
    token = api_token_create(user=community_worker)
    response = client.post(
        "/api/v1/visits", b"\x00", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "__all__"


def test_it_pages_the_worklist_and_the_blind_spots(client, community_worker, places):
    import datetime as dt

    from nuanxin.registry.services import enrollment_add
    from tests.factories import make_person

    long_ago = dt.date.today() - dt.timedelta(days=90)
    for n in range(7):
        person = make_person(name=f"等待{n}", region="510108010001001")
        enrollment_add(user=None, person=person, category="dibao", start_date=long_ago)
    token = api_token_create(user=community_worker)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get("/api/v1/worklist", {"page_size": 5}, **auth).json()
    assert first["count"] == 7 and len(first["items"]) == 5 and first["next"]
    second = client.get(first["next"], **auth).json()
    assert len(second["items"]) == 2 and second["next"] is None
    spots = client.get("/api/v1/blind-spots", {"page_size": 3}, **auth).json()
    assert spots["count"] == 7 and len(spots["items"]) == 3 and spots["pages"] == 3


def test_it_pages_a_persons_visits_and_says_how_many(client, community_worker, ms_cai):
    # They used to stop at 200 without saying so: now a page, the count and the next.
    import datetime as dt

    from django.utils import timezone

    from nuanxin.visits.services import visit_record

    for days in range(3):
        visit_record(
            user=community_worker,
            person_id=ms_cai.pk,
            visited_on=timezone.localdate() - dt.timedelta(days=days),
            method="home",
            with_whom="community_worker",
            outcome="met",
            notes="",
        )
    token = api_token_create(user=community_worker)
    url = f"/api/v1/persons/{ms_cai.pk}/visits"
    first = client.get(url, {"page_size": 2}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert first["count"] == 3 and len(first["items"]) == 2 and first["next"]
    second = client.get(url, {"page_size": 2, "page": 2}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert len(second.json()["items"]) == 1 and not second.json()["next"]
