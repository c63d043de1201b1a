"""The profile timeline: sources merged in time order, kinds, pages, access, fixed queries.

Casework rows are made directly with the ORM here: the timeline reads the
models, not the casework services (built in parallel), and the query count is
what these tests are about.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import (
    Application,
    Assessment,
    CarePlan,
    CareSession,
    HelpRequest,
    Referral,
    ServiceTask,
    TaskOccurrence,
)
from nuanxin.core import timeline
from nuanxin.directory.models import ServiceProvider
from nuanxin.registry import services as registry
from nuanxin.visits import services as visits
from tests.browser import browser_page_phone, login  # noqa: F401
from tests.factories import assign_task, make_person

DAY = dt.date(2026, 1, 10)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def api_client(user) -> Client:
    token = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def _provider():
    provider, _created = ServiceProvider.objects.get_or_create(
        name="锦城燃气维修", defaults={"kind": "repair"}
    )
    return provider


def make_history(person, worker, n: int = 1, start: dt.date = DAY) -> None:
    """`n` records of every kind for `person`, one day apart per round, newest last."""
    provider = _provider()
    for i in range(n):
        day = start + dt.timedelta(days=i)
        visits.visit_record(
            user=worker,
            person_id=person.pk,
            visited_on=day,
            method="home",
            with_whom="community_worker",
            outcome="met",
        )
        HelpRequest.objects.create(
            person=person,
            region_id=person.region_id,
            source="hotline",
            need_type="heating",
            urgency="urgent",
            description="燃气热水器坏了",
            received_at=_at(day, 9),
            created_by=worker,
        )
        Assessment.objects.create(
            person=person,
            region_id=person.region_id,
            version=i + 1,
            assessed_on=day,
            summary="独居，情绪低落",
            created_by=worker,
        )
        Referral.objects.create(
            person=person,
            region_id=person.region_id,
            provider=provider,
            asked="维修燃气热水器",
            sent_on=day,
            due_on=day + dt.timedelta(days=2),
            created_by=worker,
        )
        task = ServiceTask.objects.create(
            person=person,
            region_id=person.region_id,
            kind="water",
            recurrence="daily",
            starts_on=day,
            occurrences=3,
            assignee=worker,
        )
        for j, status in enumerate(("done", "missed", "due")):
            TaskOccurrence.objects.create(
                task=task,
                person=person,
                region_id=person.region_id,
                due_on=day + dt.timedelta(days=j),
                status=status,
            )
        plan = CarePlan.objects.create(
            person=person,
            region_id=person.region_id,
            kind="psychological",
            goals="缓解孤独感",
            starts_on=day,
            sessions=12,
            created_by=worker,
        )
        CareSession.objects.create(
            plan=plan,
            person=person,
            region_id=person.region_id,
            number=1,
            due_on=day,
            status="done",
            held_on=day,
            mode="in_person",
            held_by=worker,
        )
        Application.objects.create(
            person=person, region_id=person.region_id, scheme="temporary", helped_by=worker
        )
        consent = registry.consent_record(
            user=worker, person=person, purpose="home_camera", method="written", given_on=day
        )
        registry.device_record(
            user=worker, person=person, kind="camera", installed_on=day, consent=consent
        )
        registry.enrollment_add(user=worker, person=person, category="dibao", start_date=day)


def _kinds(entries) -> list[str]:
    return [e.kind for e in entries]


# --- merging --------------------------------------------------------------------------


@translation.override("en")
def test_it_merges_every_source_newest_first(community_worker, ms_cai):
    make_history(ms_cai, community_worker)
    registry.consent_withdraw(
        user=community_worker,
        consent=ms_cai.consents.get(),
        withdrawn_on=DAY + dt.timedelta(days=5),
    )
    entries = timeline.timeline(user=community_worker, person=ms_cai, limit=100)
    kinds = set(_kinds(entries))
    assert {
        "visit",
        "help_request",
        "assessment",
        "referral",
        "service_task",
        "care_plan",
        "care_session",
        "application",
        "consent",
        "device",
        "enrollment",
    } <= kinds
    times = [e.at for e in entries]
    assert times == sorted(times, reverse=True)
    # Applications and the fixture's enrollment are dated today; the rest is in January.
    january = [e for e in entries if e.at.date() < timezone.localdate()]
    # The withdrawal (day 5) and the flag it raised come before everything of day 0 …
    assert {e.title.split(":")[0] for e in january[:2]} == {"Consent withdrawn", "To be removed"}
    # … and the day's timed help request (09:00) sits above its date-only records (midnight).
    day_entries = [e for e in january if e.at.date() == DAY]
    assert day_entries[0].kind == "help_request"
    assert not day_entries[0].all_day
    assert all(e.all_day for e in day_entries[1:])


@translation.override("en")
def test_it_describes_each_entry_and_links_to_its_record(community_worker, ms_cai):
    make_history(ms_cai, community_worker)
    with timezone.override("Asia/Shanghai"):
        by_kind = {e.kind: e for e in timeline.timeline(user=community_worker, person=ms_cai)}
    task = ServiceTask.objects.get()
    assert "1 done, 1 missed" in by_kind["service_task"].detail
    assert by_kind["service_task"].link == reverse("casework:task_detail", args=[task.pk])
    assert by_kind["assessment"].title == "Needs assessment, version 1"
    assert "锦城燃气维修" in by_kind["referral"].title
    assert "1 of 12 sessions held" in by_kind["care_plan"].detail
    assert by_kind["visit"].link == reverse("visits:visit_detail", args=[ms_cai.visits.get().pk])
    assert by_kind["consent"].link.endswith("#section-consent")
    assert by_kind["help_request"].actor == "hemei_worker"


def test_it_filters_by_kind(community_worker, ms_cai):
    make_history(ms_cai, community_worker, n=2)
    entries = timeline.timeline(user=community_worker, person=ms_cai, kinds=["visit", "referral"])
    assert sorted(_kinds(entries)) == ["referral", "referral", "visit", "visit"]
    assert timeline.count(user=community_worker, person=ms_cai, kinds=["visit", "referral"]) == 4


def test_it_pages_without_losing_or_repeating_an_entry(community_worker, ms_cai):
    make_history(ms_cai, community_worker, n=3)
    everything = timeline.timeline(user=community_worker, person=ms_cai, limit=200)
    assert len(everything) == timeline.count(user=community_worker, person=ms_cai)
    paged = []
    for offset in range(0, len(everything), 7):
        paged += timeline.timeline(user=community_worker, person=ms_cai, limit=7, offset=offset)
    assert [(e.kind, e.record_id, e.title) for e in paged] == [
        (e.kind, e.record_id, e.title) for e in everything
    ]


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_it_runs_a_fixed_number_of_queries_with_1_or_20_of_each_kind(
    community_worker, ms_cai, grid2_person
):
    make_history(ms_cai, community_worker, n=1)
    make_history(grid2_person, community_worker, n=20)

    def read(person):
        return lambda: timeline.timeline(user=community_worker, person=person, limit=50)

    one, twenty = _queries(read(ms_cai)), _queries(read(grid2_person))
    assert one == twenty
    # One per kind at most (visits 1, registry 3, casework 7, care 2, campaigns 1,
    # oversight 1 when the person has encounters), + memberships.
    assert twenty <= 15


def test_the_page_and_the_api_run_a_fixed_number_of_queries(
    as_user, community_worker, ms_cai, grid2_person, django_assert_max_num_queries
):
    make_history(ms_cai, community_worker, n=1)
    make_history(grid2_person, community_worker, n=20)
    client = as_user(community_worker)
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    small = _queries(lambda: client.get(url, HTTP_HX_REQUEST="true"))
    with django_assert_max_num_queries(small):
        response = client.get(
            reverse("registry:person_timeline", args=[grid2_person.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    api = api_client(community_worker)
    api_url = f"/api/v1/persons/{ms_cai.pk}/timeline"
    api_small = _queries(lambda: api.get(api_url))
    with django_assert_max_num_queries(api_small):
        api.get(f"/api/v1/persons/{grid2_person.pk}/timeline")


# --- the page -------------------------------------------------------------------------


def test_it_loads_the_timeline_on_the_profile_with_htmx(as_user, community_worker, ms_cai):
    html = as_user(community_worker).get(ms_cai.get_absolute_url()).content.decode()
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    assert f'hx-get="{url}"' in html
    assert 'hx-trigger="load"' in html


def test_it_renders_the_section_chips_and_more(as_user, community_worker, ms_cai):
    make_history(ms_cai, community_worker, n=3)
    client = as_user(community_worker)
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert 'name="kind" value="visit"' in html
    assert 'for="tl-kind-help_request"' in html
    assert html.count('class="d-flex gap-2 py-2 border-bottom nx-tl-entry"') == 20
    assert "page=2" in html
    more = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="kind"' not in more  # only the next entries and the next "more"
    assert "nx-tl-entry" in more


def test_it_filters_on_the_page_and_shows_a_full_page_without_htmx(
    as_user, community_worker, ms_cai
):
    make_history(ms_cai, community_worker)
    client = as_user(community_worker)
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    html = client.get(f"{url}?kind=referral&kind=visit").content.decode()
    assert "<html" in html and "Timeline of 蔡阿姨" in html
    assert 'value="referral" id="tl-kind-referral" autocomplete="off" checked' in html
    assert 'data-kind="referral"' in html and 'data-kind="visit"' in html
    assert 'data-kind="consent"' not in html
    empty = client.get(f"{url}?kind=application", HTTP_HX_REQUEST="true")
    assert 'data-kind="application"' in empty.content.decode()
    # A kind the timeline does not know is a parameter that cannot be read.
    assert client.get(f"{url}?kind=application&kind=nonsense").status_code == 400


def test_it_shows_an_empty_state(as_user, community_worker, places):
    newcomer = make_person(name="新来的", region="510108010001001")
    url = reverse("registry:person_timeline", args=[newcomer.pk])
    html = as_user(community_worker).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Nothing is recorded for this person yet." in html


def test_it_offers_new_casework_records_to_those_who_may_change(
    as_user, community_worker, inspector, ms_cai
):
    html = as_user(community_worker).get(ms_cai.get_absolute_url()).content.decode()
    assert f"/requests/new/?person={ms_cai.pk}" in html
    assert reverse("casework:referral_new", args=[ms_cai.pk]) in html
    assert "New care plan" in html
    html = as_user(inspector).get(ms_cai.get_absolute_url()).content.decode()
    assert "New care plan" not in html


# --- access ---------------------------------------------------------------------------


def test_it_answers_404_to_an_outsider_and_a_volunteer_and_lets_an_inspector_read(
    as_user, community_worker, outsider, volunteer, inspector, ms_cai
):
    make_history(ms_cai, community_worker)
    url = reverse("registry:person_timeline", args=[ms_cai.pk])
    assert as_user(outsider).get(url).status_code == 404

    # Even a volunteer whose task names her sees no history (only name, address, phone).
    assign_task(person=ms_cai, volunteer=volunteer, by=community_worker)
    assert as_user(volunteer).get(url).status_code == 404
    assert api_client(volunteer).get(f"/api/v1/persons/{ms_cai.pk}/timeline").status_code == 404
    response = as_user(inspector).get(url)
    assert response.status_code == 200 and "燃气热水器坏了" in response.content.decode()


def test_it_hides_casework_recorded_in_another_region(community_worker, district_officer, ms_cai):
    """A record keeps the region it was made in; a grid worker elsewhere does not see it."""
    HelpRequest.objects.create(
        person=ms_cai,
        region_id="510104010001",  # recorded while she lived in 锦江区
        source="hotline",
        need_type="water",
        description="旧记录",
        received_at=_at(DAY),
    )
    assert not timeline.timeline(user=community_worker, person=ms_cai, kinds=["help_request"])


# --- the API --------------------------------------------------------------------------


def test_the_api_pages_and_filters_the_timeline(community_worker, ms_cai):
    make_history(ms_cai, community_worker, n=2)
    client = api_client(community_worker)
    url = f"/api/v1/persons/{ms_cai.pk}/timeline"
    body = client.get(url, {"page_size": 5}).json()
    total = timeline.count(user=community_worker, person=ms_cai)
    assert body["count"] == total and body["pages"] == -(-total // 5)
    assert len(body["items"]) == 5 and body["next"].endswith("page=2")
    first = body["items"][0]
    assert {"kind", "at", "all_day", "title", "detail", "status", "link", "actor"} <= set(first)
    body = client.get(url, {"kind": ["assessment"]}).json()
    assert body["count"] == 2
    assert [i["title"] for i in body["items"]] == [
        "Needs assessment, version 2",
        "Needs assessment, version 1",
    ]
    bad = client.get(url, {"kind": "nonsense"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"
    assert client.get(url, {"page": 99}).json()["items"] == []


# --- in a real browser: htmx loading, chips by keyboard, "more" -------------------------------


@pytest.mark.browser
def test_it_loads_filters_and_pages_the_timeline_in_a_browser(
    browser_page_phone, live_server, community_worker, ms_cai
):
    make_history(ms_cai, community_worker, n=3)
    page = browser_page_phone
    login(page, live_server.url, "hemei_worker")
    page.goto(f"{live_server.url}{ms_cai.get_absolute_url()}")
    page.wait_for_selector("#timeline-body .nx-tl-entry")
    assert page.locator("#timeline-body .nx-tl-entry").count() == 20
    # "More" appends the next page in place.
    page.click("#timeline-body .nx-tl-more a")
    page.wait_for_function("document.querySelectorAll('#timeline-body .nx-tl-entry').length > 20")
    # A chip toggled from the keyboard filters the list.
    page.focus("#tl-kind-referral")
    page.keyboard.press("Space")
    page.wait_for_function(
        "[...document.querySelectorAll('#timeline-body .nx-tl-entry')]"
        ".every(e => e.dataset.kind === 'referral')"
    )
    assert page.locator("#timeline-body .nx-tl-entry").count() == 3
    assert page.locator("#tl-kind-referral").is_checked()
    assert page.url.endswith(ms_cai.get_absolute_url())  # swapped in place
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
