"""Story S1 — Ms. Cai's daily help (成华区 保和街道 和美社区), from the visit on.

Through the real pages: the grid worker records the visit with its findings;
the volunteer works the three tasks day by day from her phone, seeing only
name, address and phone; a skipped day is on the community's blind-spot
report the next morning. Dates are explicit: the visit is recorded as made a
few days ago, and the pages take `?date=` for "that day".
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from nuanxin.casework.models import OccurrenceStatus, ServiceTask, TaskKind, TaskOccurrence
from nuanxin.visits.models import FollowUp
from tests.browser import PHONE, browser_page, login  # noqa: F401

S1_TASKS = [
    (TaskKind.WATER, "送水"),
    (TaskKind.RUBBISH, "倒垃圾"),
    (TaskKind.MEDICINE, "代购药品"),
]
REASON = "子女出差，无人照料，2周"  # children away on business, no carer, 2 weeks


def _visit_form(day: dt.date, volunteer) -> dict:
    findings = [
        {
            "kind": "raise_tier",
            "text": REASON,
            "tier": "red",
            "ends_on": (day + dt.timedelta(days=14)).isoformat(),
        }
    ] + [
        {
            "kind": "follow_up",
            "text": text,
            "follow_up_kind": "service_task",
            "task_kind": kind,
            "repeat_days": "14",
            "assignee": str(volunteer.pk),
        }
        for kind, text in S1_TASKS
    ]
    data = {
        "client_id": "s1-visit",
        "visited_on": day.isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "notes": "",
        "check_gas_hose_age": "fail",  # "hose aged"
        "f-TOTAL_FORMS": str(len(findings)),
        "f-INITIAL_FORMS": "0",
        "f-MIN_NUM_FORMS": "0",
        "f-MAX_NUM_FORMS": "10",
    }
    for i, finding in enumerate(findings):
        for key, value in finding.items():
            data[f"f-{i}-{key}"] = value
    return data


def _record_visit(client, grid_worker, ms_cai, volunteer, day):
    client.force_login(grid_worker)
    page = client.get(f"/visits/new/{ms_cai.pk}/")
    assert page.status_code == 200
    # The follow-up part of the form offers the task and the volunteer to assign it to.
    assert 'name="f-0-task_kind"' in page.content.decode()
    assert f'value="{volunteer.pk}"' in page.content.decode()
    response = client.post(f"/visits/new/{ms_cai.pk}/", _visit_form(day, volunteer))
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


def _assert_restricted(html: str, ms_cai) -> None:
    assert ms_cai.id_number not in html
    assert ms_cai.id_number[-4:] + "<" not in html
    for forbidden in ("独居", "elderly living alone", "低保", "Health", "健康", REASON):
        assert forbidden not in html, forbidden


@pytest.mark.django_db
def test_it_plays_s1_from_the_visit_to_the_blind_spot(
    client, grid_worker, volunteer, community_worker, ms_cai
):
    today = timezone.localdate()
    visit_day = today - dt.timedelta(days=3)
    _record_visit(client, grid_worker, ms_cai, volunteer, visit_day)

    # Red tier with the finding's reason, for two weeks.
    ms_cai.refresh_from_db()
    assert ms_cai.tier == "red"

    # Three daily tasks for 14 days, assigned to the volunteer; the gas hose a rectification.
    tasks = ServiceTask.objects.filter(person=ms_cai)
    daily = tasks.exclude(kind=TaskKind.RECTIFICATION)
    assert sorted(t.kind for t in daily) == sorted(k for k, _t in S1_TASKS)
    assert {t.assignee_id for t in daily} == {volunteer.pk}
    assert all(t.recurrence == "daily" and t.occurrences == 14 for t in daily)
    assert TaskOccurrence.objects.filter(task__in=daily).count() == 3 * 14
    assert {t.starts_on for t in daily} == {visit_day}
    rectification = tasks.get(kind=TaskKind.RECTIFICATION)
    # In the recorder's language (Chinese by default): the failed item's label.
    assert "燃气软管" in rectification.details
    assert rectification.occurrence_set.get().due_on == visit_day + dt.timedelta(days=3)
    assert not FollowUp.objects.filter(person=ms_cai, picked_up_at__isnull=True).exists()

    # The volunteer, day by day: three tasks, name, address and phone only; done.
    client.force_login(volunteer)
    for offset in (0, 1):
        day = visit_day + dt.timedelta(days=offset)
        worklist = client.get(f"/worklist/?date={day}").content.decode()
        page = client.get(f"/tasks/?date={day}").content.decode()
        for html in (worklist, page):
            assert "蔡阿姨" in html
            assert ms_cai.address in html
            assert ms_cai.phone in html
            _assert_restricted(html, ms_cai)
        today_section = page.split("<section", 2)[1]
        assert today_section.count('data-occurrence="') == 3
        ids = re.findall(r'data-occurrence="(\d+)"', today_section)
        for occurrence_id in ids:
            response = client.post(
                f"/tasks/occurrences/{occurrence_id}/done/", {"next": f"/tasks/?date={day}"}
            )
            assert response.status_code == 302
        done = TaskOccurrence.objects.filter(
            task__in=daily, due_on=day, status=OccurrenceStatus.DONE
        )
        assert done.count() == 3

    # She skips the third day (yesterday). This morning the community sees it.
    skipped = visit_day + dt.timedelta(days=2)
    assert skipped == today - dt.timedelta(days=1)
    client.logout()
    client.force_login(community_worker)
    report = client.get("/blind-spots/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    others = report.split("Other overdue duties", 1)[1]
    assert "蔡阿姨" in others
    with translation.override("en"):
        assert date_format(skipped) in others
        assert others.count('data-duty="service_task"') == 3
        # The days she did are not on it.
        assert date_format(visit_day) not in others

    # Her own list this morning: yesterday's three are still there, marked not done.
    client.logout()
    client.force_login(volunteer)
    page = client.get(f"/tasks/?date={today}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not done" in page
    _assert_restricted(page, ms_cai)


@pytest.mark.django_db
def test_it_keeps_the_volunteers_api_to_name_address_and_phone(
    client, grid_worker, volunteer, ms_cai
):
    from nuanxin.accounts.services import api_token_create

    today = timezone.localdate()
    _record_visit(client, grid_worker, ms_cai, volunteer, today)
    token = api_token_create(user=volunteer)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = client.get(f"/api/v1/tasks?date_from={today}&date_to={today}", **headers)
    assert body.status_code == 200
    items = body.json()["items"]
    assert len(items) == 3
    assert set(items[0]["person"]) == {"id", "name", "address", "phone"}
    text = body.content.decode()
    _assert_restricted(text, ms_cai)
    done = client.post(
        f"/api/v1/tasks/occurrences/{items[0]['id']}/done",
        {"client_id": "phone-1"},
        content_type="application/json",
        **headers,
    )
    assert done.status_code == 201
    again = client.post(
        f"/api/v1/tasks/occurrences/{items[0]['id']}/done",
        {"client_id": "phone-1"},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 200
    assert again.json()["status"] == "done"


@pytest.mark.browser
@pytest.mark.parametrize("browser_page", [PHONE], indirect=True)
def test_it_lets_the_volunteer_tap_done_on_her_phone(
    browser_page, live_server, grid_worker, volunteer, ms_cai
):
    from django.test import Client

    today = timezone.localdate()
    _record_visit(Client(), grid_worker, ms_cai, volunteer, today)
    page = browser_page
    login(page, live_server.url, "hemei_volunteer", "correct-horse-9")
    page.goto(f"{live_server.url}/tasks/")
    cards = page.locator("section").first.locator("[data-occurrence]")
    assert cards.count() == 3
    html = page.content()
    assert "蔡阿姨" in html and ms_cai.phone in html and ms_cai.address in html
    _assert_restricted(html, ms_cai)
    assert page.locator(f'a[href="tel:{ms_cai.phone}"]').first.is_visible()
    # The button fills the card's width on a 390 px screen: easy to tap.
    button = cards.first.locator("button[type=submit]")
    box = button.bounding_box()
    assert box["width"] > 250
    button.tap()
    page.wait_for_selector("[data-occurrence] .badge.text-bg-success")
    assert TaskOccurrence.objects.filter(status=OccurrenceStatus.DONE).count() == 1
    for _ in range(2):
        page.locator("section").first.locator("[data-occurrence] button[type=submit]").first.tap()
        page.wait_for_timeout(300)
    page.wait_for_function(
        "document.querySelectorAll('[data-occurrence] .badge.text-bg-success').length === 3"
    )
    assert TaskOccurrence.objects.filter(due_on=today, status=OccurrenceStatus.DONE).count() == 3
