"""Recording visits (page and API), findings, follow-ups, idempotency and the worklist; S1's visit."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.visits.models import FollowUp, Visit, VisitSchedule

VISITS = "/api/v1/visits"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def payload(person, **extra) -> dict:
    return {
        "client_id": extra.pop("client_id", None),
        "person_id": person.pk,
        "visited_on": extra.pop("visited_on", timezone.localdate().isoformat()),
        "method": extra.pop("method", "home"),
        "with_whom": extra.pop("with_whom", "grid_worker"),
        "outcome": extra.pop("outcome", "met"),
        **extra,
    }


def post(client, data):
    return client.post(VISITS, data, content_type="application/json")


def test_it_records_a_visit_and_moves_the_next_due_date(grid_worker, ms_cai):
    response = post(api(grid_worker), payload(ms_cai, client_id="c-1"))
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(pk=response.json()["id"])
    assert visit.recorded_by == grid_worker and visit.region_id == ms_cai.region_id
    sched = VisitSchedule.objects.get(person=ms_cai)
    assert sched.last_contact_on == timezone.localdate()
    assert sched.due_on == timezone.localdate() + dt.timedelta(days=30)


def test_it_stores_the_same_visit_sent_twice_once(grid_worker, ms_cai):
    client = api(grid_worker)
    first = post(client, payload(ms_cai, client_id="phone-42"))
    again = post(client, payload(ms_cai, client_id="phone-42", notes="retry"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Visit.objects.filter(person=ms_cai).count() == 1


def test_it_stores_a_resubmitted_page_form_once(client, grid_worker, ms_cai):
    client.force_login(grid_worker)
    page = client.get(f"/visits/new/{ms_cai.pk}/")
    assert page.status_code == 200
    client_id = page.context["form"].initial["client_id"]
    data = {
        "client_id": client_id,
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "f-TOTAL_FORMS": "0",
        "f-INITIAL_FORMS": "0",
    }
    assert client.post(f"/visits/new/{ms_cai.pk}/", data).status_code == 302
    assert client.post(f"/visits/new/{ms_cai.pk}/", data).status_code == 302
    assert Visit.objects.filter(person=ms_cai).count() == 1


def test_it_names_the_field_of_a_bad_visit(grid_worker, ms_cai):
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = post(api(grid_worker), payload(ms_cai, visited_on=future))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "visited_on"


def test_it_answers_404_for_a_person_outside_the_scope(grid_worker, jinjiang_person, grid2_person):
    client = api(grid_worker)
    assert post(client, payload(jinjiang_person)).status_code == 404
    assert post(client, payload(grid2_person)).status_code == 404  # the other grid
    assert not Visit.objects.exists()


def test_it_turns_a_failed_gas_item_into_a_rectification(grid_worker, ms_cai):
    checklist = {"gas_hose_age": "fail", "gas_alarm": "ok", "mood": "fail"}
    response = post(api(grid_worker), payload(ms_cai, checklist=checklist))
    assert response.status_code == 201
    follow_ups = list(FollowUp.objects.filter(person=ms_cai))
    assert [(f.kind, f.checklist_item) for f in follow_ups] == [("rectification", "gas_hose_age")]


def test_it_refuses_an_unknown_checklist_item(grid_worker, ms_cai):
    response = post(api(grid_worker), payload(ms_cai, checklist={"unicorns": "ok"}))
    assert response.status_code == 422


def test_it_records_ms_cais_visit_and_its_finding_s1(grid_worker, ms_cai):
    """S1 up to the recorded finding: the tier goes red with the reason; the tasks wait for casework."""
    today = timezone.localdate()
    finding = "children away on business, no carer, 2 weeks"
    response = post(
        api(grid_worker),
        payload(
            ms_cai,
            client_id="s1",
            checklist={"gas_hose_age": "fail"},
            findings=[
                {
                    "kind": "raise_tier",
                    "text": finding,
                    "tier": "red",
                    "ends_on": (today + dt.timedelta(days=14)).isoformat(),
                },
                *[
                    {
                        "kind": "follow_up",
                        "text": task,
                        "follow_up_kind": "service_task",
                        "repeat_days": 14,
                    }
                    for task in ("water delivery", "rubbish", "buying medicine")
                ],
            ],
        ),
    )
    assert response.status_code == 201, response.content
    ms_cai.refresh_from_db()
    assert ms_cai.tier == "red"
    sched = VisitSchedule.objects.get(person=ms_cai)
    assert finding in sched.tier_why
    tasks = FollowUp.objects.filter(person=ms_cai, kind="service_task")
    assert sorted(t.text for t in tasks) == ["buying medicine", "rubbish", "water delivery"]
    assert {t.repeat_days for t in tasks} == {14}
    assert FollowUp.objects.filter(person=ms_cai, kind="rectification").count() == 1
    # The person's visits, through the API.
    listed = api(grid_worker).get(f"/api/v1/persons/{ms_cai.pk}/visits").json()["items"]
    assert listed[0]["findings"][0]["text"] == finding


def test_it_stops_the_duties_of_someone_who_died(grid_worker, ms_cai):
    response = post(api(grid_worker), payload(ms_cai, outcome="deceased"))
    assert response.status_code == 201
    ms_cai.refresh_from_db()
    assert ms_cai.status == "deceased"
    sched = VisitSchedule.objects.get(person=ms_cai)
    assert not sched.active and sched.due_on is None


def test_it_records_a_move_and_a_hospital_stay_as_findings(grid_worker, ms_cai):
    post(api(grid_worker), payload(ms_cai, findings=[{"kind": "in_hospital", "text": "ward 3"}]))
    ms_cai.refresh_from_db()
    assert ms_cai.status == "in_hospital"
    post(api(grid_worker), payload(ms_cai, findings=[{"kind": "discharged", "text": "home"}]))
    ms_cai.refresh_from_db()
    sched = VisitSchedule.objects.get(person=ms_cai)
    assert ms_cai.status == "active" and sched.active
    # Discharge is a major change: but the visit itself met her today, so nothing more is due now.
    assert sched.due_on > timezone.localdate()


def test_it_makes_a_visit_due_within_24_hours_after_a_major_change(grid_worker, ms_cai):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    post(
        api(grid_worker),
        payload(
            ms_cai,
            visited_on=yesterday,
            outcome="not_at_home",
            findings=[{"kind": "major_change", "text": "carer gone"}],
        ),
    )
    sched = VisitSchedule.objects.get(person=ms_cai)
    assert sched.due_reason == "major_change"
    assert sched.due_on <= timezone.localdate() + dt.timedelta(days=1)


# --- the worklist -----------------------------------------------------------------------


@pytest.fixture
def due_people(places):
    """Five people in grid 1 with visits due, of each tier, and one in grid 2."""
    from nuanxin.registry.services import enrollment_add
    from tests.factories import make_person

    long_ago = timezone.localdate() - dt.timedelta(days=60)
    people = []
    for i, living in enumerate(["alone", "with_family", "alone", "with_family", "empty_nest"]):
        p = make_person(name=f"张{i}", birth=dt.date(1940, 1, 1), living=living)
        enrollment_add(user=None, person=p, category="dibao", start_date=long_ago)
        people.append(p)
    other = make_person(name="李四", region="510108010001002")
    enrollment_add(user=None, person=other, category="dibao", start_date=long_ago)
    return people


def test_it_lists_the_grid_workers_duties_red_first(grid_worker, due_people):
    response = api(grid_worker).get("/api/v1/worklist")
    assert response.status_code == 200
    body = response.json()
    overdue = [d for d in body["items"] if d["bucket"] == "overdue"]
    assert len(overdue) == 5 == body["overdue"]  # not the other grid's person
    tiers = [d["tier"] for d in overdue]
    assert tiers == sorted(tiers, key=["red", "yellow", "blue"].index)
    assert all(d["days_late"] > 0 for d in overdue)


def test_it_shows_the_worklist_in_a_fixed_number_of_queries(client, grid_worker, due_people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nuanxin.registry.services import enrollment_add
    from tests.factories import make_person

    client.force_login(grid_worker)
    client.get("/worklist/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/worklist/").status_code == 200
    long_ago = timezone.localdate() - dt.timedelta(days=60)
    for i in range(10):
        p = make_person(name=f"赵{i}")
        enrollment_add(user=None, person=p, category="dibao", start_date=long_ago)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/worklist/")
    assert len(response.context["overdue"]) == 15
    # Fixed whatever the length: the page's own few, and at most two per duty source.
    from nuanxin.core import duties

    assert len(many) == len(few) <= 6 + 2 * len(duties.sources())


def test_it_shows_an_officer_the_worklist_by_sub_region(client, district_officer, due_people):
    client.force_login(district_officer)
    response = client.get("/worklist/")
    assert response.status_code == 200
    rows = response.context["by_region"]
    assert [(r.code, r.overdue) for r in rows] == [("510108010000", 6)]
    drill = client.get("/worklist/?region=510108010001&list=1")
    assert len(drill.context["overdue"]) == 6


def test_it_takes_the_date_of_the_worklist(grid_worker, due_people):
    far = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    data = api(grid_worker).get(f"/api/v1/worklist?date={far}").json()
    assert data["overdue"] == 0 and data["items"] == []
    assert api(grid_worker).get("/api/v1/worklist?date=2026-13-01").status_code == 400


def test_it_pages_through_a_persons_visits(client, grid_worker, ms_cai):
    client.force_login(grid_worker)
    for i in range(3):
        post(
            api(grid_worker),
            payload(ms_cai, visited_on=(timezone.localdate() - dt.timedelta(days=i)).isoformat()),
        )
    response = client.get(f"/visits/person/{ms_cai.pk}/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3
    detail = client.get(f"/visits/{Visit.objects.first().pk}/")
    assert detail.status_code == 200


def test_it_records_s1_through_the_page_form(client, grid_worker, ms_cai):
    """S1 on the phone form: checklist with a failed hose, the finding raising the tier."""
    today = timezone.localdate()
    client.force_login(grid_worker)
    page = client.get(f"/visits/new/{ms_cai.pk}/")
    assert "gas_hose_age" in page.content.decode()
    data = {
        "client_id": page.context["form"].initial["client_id"],
        "visited_on": today.isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "check_gas_hose_age": "fail",
        "check_gas_alarm": "ok",
        "f-TOTAL_FORMS": "2",
        "f-INITIAL_FORMS": "0",
        "f-0-kind": "raise_tier",
        "f-0-text": "children away on business, no carer, 2 weeks",
        "f-0-tier": "red",
        "f-0-ends_on": (today + dt.timedelta(days=14)).isoformat(),
        "f-1-kind": "follow_up",
        "f-1-text": "water delivery",
        "f-1-follow_up_kind": "service_task",
        "f-1-repeat_days": "14",
    }
    response = client.post(f"/visits/new/{ms_cai.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    ms_cai.refresh_from_db()
    assert ms_cai.tier == "red"
    detail = client.get(response["Location"]).content.decode()
    assert "children away on business" in detail and "water delivery" in detail
    kinds = sorted(FollowUp.objects.filter(person=ms_cai).values_list("kind", flat=True))
    assert kinds == ["rectification", "service_task"]


def test_it_names_the_missing_parts_of_a_finding_on_the_page(client, grid_worker, ms_cai):
    client.force_login(grid_worker)
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "f-TOTAL_FORMS": "1",
        "f-INITIAL_FORMS": "0",
        "f-0-kind": "raise_tier",
        "f-0-text": "x",
    }
    response = client.post(f"/visits/new/{ms_cai.pk}/", data)
    assert response.status_code == 200
    errors = response.context["findings"].forms[0].errors
    assert set(errors) == {"tier", "ends_on"}
    assert not Visit.objects.exists()


def test_it_raises_a_tier_on_the_person_page(client, grid_worker, ms_cai):
    client.force_login(grid_worker)
    until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/visits/person/{ms_cai.pk}/",
        {"tier": "yellow", "reason": "recent fall", "ends_on": until},
    )
    assert response.status_code == 302
    page = client.get(f"/visits/person/{ms_cai.pk}/").content.decode()
    assert "recent fall" in page


def test_it_merges_duties_from_every_registered_source(grid_worker, ms_cai):
    """The duty protocol: another app's source shows up on the same worklist, sorted with visits."""
    from nuanxin.core import duties

    class CareSessions:
        kind = "care_session"

        def due(self, *, user, today, until, region=""):
            return [
                duties.Duty(
                    "care_session",
                    ms_cai.pk,
                    ms_cai.name,
                    ms_cai.region_id,
                    today - dt.timedelta(days=1),
                    tier="red",
                    label="session",
                )
            ]

        def overdue(self, *, user, today, region=""):
            return self.due(user=user, today=today, until=today, region=region)

    duties.register(CareSessions())
    try:
        data = api(grid_worker).get("/api/v1/worklist").json()
        assert [d["kind"] for d in data["items"] if d["bucket"] == "overdue"] == ["care_session"]
        spots = duties.blind_spots(user=grid_worker, today=timezone.localdate())
        assert [d.kind for d in spots] == ["care_session"]
    finally:
        duties._sources[:] = [s for s in duties._sources if not isinstance(s, CareSessions)]
