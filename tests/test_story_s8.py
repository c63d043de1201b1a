"""Story S8 — Grandma Li asks for help (锦江区), from the hotline call to the camera.

Through the real pages and the API: the hotline call three days ago (the API
takes the time the call came in), triage and assignment to two social workers of
her street on the request's page, a needs assessment, a referral of the repair
that the repair service completes from its own account, a weekly psychological-
care plan whose sessions land on the social workers' worklists, her written
consent and the camera (refused before it), and her timeline showing it all in
time order. Only people, users and the provider are set up through services.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import HelpRequest, Referral
from nuanxin.directory.services import provider_account_add, provider_create
from nuanxin.registry.models import Consent, Device
from tests.factories import make_user

CHUNXILU = "510104010000"  # 锦江区 春熙路街道, above 李奶奶's community
JINJIANG = "510104000000"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", **EN)


def post_json(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def cast(city_admin, jinjiang_person):
    """The two social workers of 春熙路街道 and the repair service with its own account."""
    sun = make_user("jj_social_sun", "social_worker", CHUNXILU)
    wang = make_user("jj_social_wang", "social_worker", CHUNXILU)
    repair = provider_create(
        user=city_admin,
        name="锦江区惠民家电维修服务部",
        kind="repair",
        phone="028-84451230",
        services="燃气热水器上门维修",
        service_area=[JINJIANG],
        contacts=[{"name": "刘建", "role": "负责人", "phone": "13880112233"}],
    )
    repairer = make_user("jj_repair", "partner_contact", JINJIANG)
    provider_account_add(user=city_admin, provider=repair, account=repairer)
    return sun, wang, repair, repairer


@pytest.mark.django_db
def test_it_plays_s8_from_the_hotline_call_to_the_camera(client, cast, jinjiang_person):
    sun, wang, repair, repairer = cast
    li = jinjiang_person
    today = timezone.localdate()
    call_day, visit_day, next_day = (today - dt.timedelta(days=n) for n in (3, 2, 1))
    received = timezone.make_aware(dt.datetime.combine(call_day, dt.time(9, 20)))

    # The hotline call, recorded by 孙婷 as it came in three days ago.
    answer = post_json(
        api(sun),
        "/api/v1/requests",
        {
            "person_id": li.pk,
            "source": "hotline",
            "need_type": "heating",
            "description": "燃气热水器坏了，冬天没有热水",
            "received_at": received.isoformat(),
        },
    )
    assert answer.status_code == 201, answer.content
    hr = HelpRequest.objects.get(pk=answer.json()["id"])
    assert (hr.source, hr.status, hr.received_at) == ("hotline", "new", received)

    # On the request's page: urgent (no hot water in winter), the two workers, first contact.
    client.force_login(sun)
    url = f"/requests/{hr.pk}/"
    page = client.get(url).content.decode()
    assert "李奶奶" in page and f'value="{wang.pk}"' not in page  # no assigning before triage
    for data in (
        {"action": "triage", "triage-urgency": "urgent", "triage-need_type": "repairs"},
        {"action": "assign", "assign-assignee_ids": [sun.pk, wang.pk]},
        {"action": "contact", "contact-note": "电话回访，约定明早入户"},
    ):
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:1500]
    hr.refresh_from_db()
    assert (hr.urgency, hr.need_type, hr.status) == ("urgent", "repairs", "in_progress")
    assert set(hr.assignees.all()) == {sun, wang}
    assert hr.resolve_due_at - hr.received_at == dt.timedelta(hours=24)

    # The home visit: a needs assessment noting withdrawal and loneliness.
    adl = dict.fromkeys(
        ["feeding", "bathing", "dressing", "toileting", "transferring", "continence"],
        "independent",
    )
    answer = post_json(
        api(wang),
        "/api/v1/assessments",
        {
            "person_id": li.pk,
            "assessed_on": visit_day.isoformat(),
            "assessor_ids": [sun.pk, wang.pk],
            "adl": adl | {"bathing": "needs_help"},
            "loneliness": "severe",
            "psychological": "老伴去世后少言寡语，很少下楼 (withdrawn)",
            "summary": "独居视障老人，热水器需维修；孤独、退缩，需要心理关爱",
            "help_request_id": hr.pk,
        },
    )
    assert answer.status_code == 201, answer.content
    assessment_id = answer.json()["id"]

    # The repair is referred to the repair service, which accepts and completes it itself.
    answer = post_json(
        api(sun),
        "/api/v1/referrals",
        {
            "person_id": li.pk,
            "provider_id": repair.pk,
            "asked": "上门检修燃气热水器",
            "sent_on": visit_day.isoformat(),
            "due_on": next_day.isoformat(),
            "help_request_id": hr.pk,
        },
    )
    assert answer.status_code == 201, answer.content
    referral_id = answer.json()["id"]
    provider_api = api(repairer)
    mine = provider_api.get("/api/v1/referrals").json()
    assert [r["id"] for r in mine["items"]] == [referral_id]
    # Through the referral the provider reaches her name and address, never her ID number.
    seen_by_provider = provider_api.get(f"/api/v1/persons/{li.pk}")
    assert seen_by_provider.status_code == 200
    assert li.id_number not in seen_by_provider.content.decode()
    assert provider_api.post(f"/api/v1/referrals/{referral_id}/accept").status_code == 200
    done = post_json(
        provider_api,
        f"/api/v1/referrals/{referral_id}/complete",
        {"outcome": "更换点火器，试机正常"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    referral = Referral.objects.get(pk=referral_id)
    assert referral.completed_at is not None and referral.updated_by == repairer

    response = client.post(url, {"action": "resolve", "resolve-resolution": "热水器已修复"})
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.status == "resolved"

    # A psychological-care plan: weekly for 12 weeks from the day after the assessment.
    answer = post_json(
        api(sun),
        "/api/v1/care-plans",
        {
            "person_id": li.pk,
            "kind": "psychological",
            "goals": "缓解孤独感，恢复与邻里的往来",
            "responsible": [sun.pk, wang.pk],
            "starts_on": next_day.isoformat(),
            "recurrence": "weekly",
            "sessions": 12,
            "assessment_id": assessment_id,
            "help_request_id": hr.pk,
        },
    )
    assert answer.status_code == 201, answer.content
    plan = answer.json()
    assert [s["due_on"] for s in plan["schedule"]] == [
        (next_day + dt.timedelta(weeks=w)).isoformat() for w in range(12)
    ]
    first, second = plan["schedule"][:2]
    held = post_json(
        api(wang),
        f"/api/v1/care-plans/sessions/{first['id']}",
        {"held_on": next_day.isoformat(), "mode": "in_person", "notes": "入户陪伴一小时"},
    )
    assert held.status_code == 200, held.content
    # The next weekly session is a duty on each social worker's worklist for its day.
    for worker in (sun, wang):
        client.force_login(worker)
        worklist = client.get(f"/worklist/?list=1&date={second['due_on']}", **EN).content.decode()
        assert "李奶奶" in worklist
        assert "session 2 of 12" in worklist

    # The camera: refused without consent; her written consent; then recorded.
    client.force_login(sun)
    camera = {"device-kind": "camera", "device-installed_on": today.isoformat()}
    refused = client.post(f"/people/{li.pk}/devices/", camera, **EN)
    assert refused.status_code == 422
    assert "active consent first" in refused.content.decode()
    assert not Device.objects.filter(person=li).exists()
    response = client.post(
        f"/people/{li.pk}/consents/",
        {
            "consent-purpose": "home_camera",
            "consent-method": "written",
            "consent-given_on": next_day.isoformat(),
            "consent-document": "居家安全摄像头知情同意书 2026-017",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=li)
    assert (consent.method, consent.active) == ("written", True)
    assert client.post(f"/people/{li.pk}/devices/", camera).status_code == 302
    assert Device.objects.get(person=li, kind="camera").consent == consent

    # Her timeline: all of it, newest first, in time order.
    response = client.get(f"/people/{li.pk}/timeline/", **EN)
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    seen = [(e.kind, timezone.localtime(e.at).date()) for e in reversed(entries)]
    for expected in [
        ("help_request", call_day),
        ("assessment", visit_day),
        ("referral", visit_day),
        ("care_plan", next_day),
        ("care_session", next_day),
        ("consent", next_day),
        ("device", today),
    ]:
        assert expected in seen, (expected, seen)
    order = [kind for kind, _day in seen]
    assert order.index("help_request") < order.index("assessment") < order.index("care_plan")
    # The plan and the consent share a day (date-only records tie at its midnight).
    day = dict(seen)
    assert day["care_plan"] == day["consent"] < day["device"]
    assert order.index("consent") < order.index("device")
    html = response.content.decode()
    for text in ("Help request", "Needs assessment", "Referral to", "Care plan", "camera"):
        assert text in html, text
