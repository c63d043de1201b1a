"""/api/v1/requests, and S8's opening: Grandma Li's hotline call, triaged urgent, two social workers."""

import pytest
from django.test import Client

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import HelpRequest
from nuanxin.casework.services import requests as services
from tests.factories import make_user

REQUESTS = "/api/v1/requests"
JINJIANG_STREET = "510104010000"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_it_plays_s8_from_the_hotline_call_to_two_social_workers(client, outsider, jinjiang_person):
    """李奶奶 calls the hotline: her gas water heater fails. Urgent; two social workers of her street."""
    zhang = make_user("jj_social_zhang", "social_worker", JINJIANG_STREET)
    wang = make_user("jj_social_wang", "social_worker", JINJIANG_STREET)
    operator = outsider  # 锦江区's district officer takes the hotline call
    client.force_login(operator)
    found = client.get("/requests/new/", {"q": "lnn"}).context["found"]
    assert [p.name for p in found] == ["李奶奶"]
    response = client.post(
        f"/requests/new/?person={jinjiang_person.pk}",
        {
            "person_id": jinjiang_person.pk,
            "source": "hotline",
            "need_type": "repairs",
            "urgency": "normal",
            "description": "燃气热水器打不着火，冬天没有热水 (gas water heater fails)",
        },
    )
    assert response.status_code == 302
    hr = HelpRequest.objects.get(person=jinjiang_person)
    url = f"/requests/{hr.pk}/"
    client.post(url, {"action": "triage", "triage-urgency": "urgent", "triage-note": "冬天无热水"})
    client.post(url, {"action": "assign", "assign-assignee_ids": [zhang.pk, wang.pk]})
    hr.refresh_from_db()
    assert (hr.source, hr.need_type, hr.urgency, hr.status) == (
        "hotline",
        "repairs",
        "urgent",
        "assigned",
    )
    assert set(hr.assignees.all()) == {zhang, wang}
    assert hr.region_id == jinjiang_person.region_id
    assert (hr.first_contact_due_at - hr.received_at).total_seconds() == 2 * 3600
    # Each social worker finds it among their own requests, and can take it on (API).
    mine = api(zhang).get(REQUESTS, {"mine": "true"}).json()
    assert [r["id"] for r in mine["items"]] == [hr.pk]
    moved = post(api(wang), f"{REQUESTS}/{hr.pk}/transition", {"action": "contact", "note": "上门"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "in_progress"
    events = [(e["from_status"], e["to_status"]) for e in moved.json()["events"]]
    assert events == [
        ("", "new"),
        ("new", "triaged"),
        ("triaged", "assigned"),
        ("assigned", "in_progress"),
    ]


def test_it_creates_lists_and_moves_requests_through_the_api(
    community_worker, social_worker, ms_cai
):
    client = api(community_worker)
    created = post(
        client,
        REQUESTS,
        {"source": "hotline", "need_type": "water", "description": "停水", "person_id": ms_cai.pk},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["who"] == "蔡阿姨" and body["status"] == "new"
    assert body["allowed_actions"] == ["triage", "reject", "merge"]
    pk = body["id"]
    caller = post(
        client,
        REQUESTS,
        {
            "source": "walk_in",
            "need_type": "other",
            "description": "问政策",
            "caller_name": "赵先生",
            "caller_phone": "13912345678",
            "region": "510108010001",
        },
    )
    assert caller.status_code == 201 and caller.json()["caller_phone"] == "139****5678"
    refused = post(client, f"{REQUESTS}/{pk}/transition", {"action": "resolve", "resolution": "x"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "__all__"
    assert "cannot be" in refused.json()["detail"][0]["message"]
    triaged = post(client, f"{REQUESTS}/{pk}/transition", {"action": "triage", "urgency": "urgent"})
    assert triaged.json()["urgency"] == "urgent"
    assigned = post(
        client,
        f"{REQUESTS}/{pk}/transition",
        {"action": "assign", "assignee_ids": [social_worker.pk], "note": "请跟进"},
    )
    assert assigned.json()["assignees"] == [social_worker.pk]
    listed = client.get(REQUESTS, {"status": "assigned"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk
    assert client.get(REQUESTS, {"q": "赵"}).json()["count"] == 1
    assert client.get(f"{REQUESTS}/{pk}").json()["events"][-1]["to_status"] == "assigned"


def test_it_answers_422_for_a_bad_caller(community_worker, places):
    response = post(
        api(community_worker),
        REQUESTS,
        {"source": "hotline", "need_type": "water", "description": "x", "caller_phone": "1"},
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["detail"]}
    assert {"caller_name", "caller_phone", "region_id"} <= fields


def test_it_scopes_the_api_like_the_pages(community_worker, outsider, inspector, volunteer, ms_cai):
    hr = services.request_create(
        user=community_worker,
        source="hotline",
        need_type="water",
        description="停水",
        person_id=ms_cai.pk,
    )
    for user in (outsider, volunteer):
        client = api(user)
        assert client.get(f"{REQUESTS}/{hr.pk}").status_code == 404
        assert (
            post(client, f"{REQUESTS}/{hr.pk}/transition", {"action": "reject"}).status_code == 404
        )
        assert client.get(REQUESTS).json()["count"] == 0
        created = post(
            client,
            REQUESTS,
            {"source": "hotline", "need_type": "water", "description": "x", "person_id": ms_cai.pk},
        )
        assert created.status_code == 404
    reader = api(inspector)
    detail = reader.get(f"{REQUESTS}/{hr.pk}").json()
    assert detail["allowed_actions"] == []
    moved = post(reader, f"{REQUESTS}/{hr.pk}/transition", {"action": "triage", "urgency": "low"})
    assert moved.status_code == 403


@pytest.mark.parametrize("rows", [1, 20])
def test_it_lists_through_the_api_in_a_fixed_number_of_queries(
    rows, community_worker, social_worker, ms_cai, django_assert_num_queries
):
    for i in range(rows):
        hr = services.request_create(
            user=community_worker,
            source="hotline",
            need_type="water",
            description=f"停水 {i}",
            person_id=ms_cai.pk,
        )
        services.request_assign(
            user=community_worker,
            help_request=services.request_triage(
                user=community_worker, help_request=hr, urgency="normal"
            ),
            assignee_ids=[social_worker.pk],
        )
    client = api(community_worker)
    # token, last_used_at, memberships, COUNT, the page, its assignees
    with django_assert_num_queries(6):
        body = client.get(REQUESTS).json()
    assert body["count"] == rows
