"""Caregiver checks: unannounced (四不两直) checks, findings → rectification, monthly duty, rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.care import selectors, services
from nuanxin.care.models import CareCheck
from nuanxin.casework.models import ServiceTask
from tests.factories import make_person


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.fixture
def agreement(street_officer, places):
    person = make_person(name="孙大爷", region="510108010001001", female=False)
    return services.care_agreement_create(
        user=street_officer,
        person_id=person.pk,
        caregiver_kind="neighbour",
        caregiver_name="邻居周姐",
        caregiver_phone="13900005555",
        duties=["daily_look_in", "meals", "personal_care"],
        care_level="fully",
        monthly_fee_fen=90000,
        starts_on=timezone.localdate() - dt.timedelta(days=45),
    )


def test_it_records_an_unannounced_check_whose_findings_open_a_rectification_task(
    client, street_officer, community_worker, agreement
):
    """S7: the street officer turns up unannounced; meals were skipped; the community fixes it."""
    client.force_login(street_officer)
    url = f"/care/agreements/{agreement.pk}/check/"
    assert client.get(url).status_code == 200
    due_on = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        url,
        {
            "checked_on": timezone.localdate().isoformat(),
            "unannounced": "on",
            "duties_performed": ["daily_look_in", "personal_care"],
            "satisfaction": "partly",
            "findings": "午饭没有送到，冰箱空了",
            "rectification_owner": community_worker.pk,
            "rectification_due_on": due_on.isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    check = CareCheck.objects.get(agreement=agreement)
    assert check.unannounced is True
    assert check.duties_performed == {
        "daily_look_in": True,
        "meals": False,
        "personal_care": True,
    }
    assert check.home_ok is False  # left unticked on the form
    task = ServiceTask.objects.get(pk=check.rectification_id)
    assert (task.kind, task.assignee_id, task.starts_on) == (
        "rectification",
        community_worker.pk,
        due_on,
    )
    page = client.get(f"/care/agreements/{agreement.pk}/").content.decode()
    assert "午饭没有送到" in page


def test_it_refuses_findings_without_owner_and_deadline(street_officer, agreement):
    response = api(street_officer).post(
        f"/api/v1/care-agreements/{agreement.pk}/checks",
        {
            "checked_on": timezone.localdate().isoformat(),
            "satisfaction": "not",
            "findings": "没有人来过",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["detail"]}
    assert fields == {"rectification_owner", "rectification_due_on"}
    assert not CareCheck.objects.exists()
    assert not ServiceTask.objects.exists()


def test_it_makes_the_monthly_check_a_duty_and_counts_the_rate(street_officer, agreement):
    today = timezone.localdate()
    source = selectors.CheckDuties()
    # Started 45 days ago, never checked: late.
    assert [d.person_id for d in source.overdue(user=street_officer, today=today)] == [
        agreement.person_id
    ]
    assert selectors.check_rate(user=street_officer, region="510108", today=today) == {
        "total": 1,
        "checked": 0,
        "rate": 0,
    }
    response = api(street_officer).post(
        f"/api/v1/care-agreements/{agreement.pk}/checks",
        {
            "checked_on": today.isoformat(),
            "unannounced": True,
            "satisfaction": "satisfied",
            "duties_performed": ["meals"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["duties_performed"] == {
        "daily_look_in": False,
        "meals": True,
        "personal_care": False,
    }
    assert source.overdue(user=street_officer, today=today) == []
    # Due again 30 days after this check.
    later = today + dt.timedelta(days=30)
    assert [d.due_on for d in source.due(user=street_officer, today=today, until=later)] == [later]
    assert selectors.check_rate(user=street_officer, region="510108", today=today)["rate"] == 100


def test_it_shows_the_check_rate_on_the_dashboard(client, street_officer, agreement):
    client.force_login(street_officer)
    page = client.get("/").content.decode()
    assert "0/1" in page


def test_it_refuses_a_check_from_an_inspector(inspector, agreement):
    response = api(inspector).post(
        f"/api/v1/care-agreements/{agreement.pk}/checks",
        {"checked_on": timezone.localdate().isoformat(), "satisfaction": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_it_lists_care_duties_on_the_worklist_and_blind_spot_pages(
    client, street_officer, agreement
):
    client.force_login(street_officer)
    for url in ("/worklist/?list=1", "/blind-spots/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "孙大爷" in response.content.decode(), url
