"""Help requests (求助): the state machine, SLA arithmetic, visit findings, intake, scope, lists."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from nuanxin.audit.models import AuditEvent
from nuanxin.casework.models import HelpRequest, RequestEvent, SlaRule
from nuanxin.casework.selectors import requests as selectors
from nuanxin.casework.services import requests as services
from nuanxin.core import duties
from nuanxin.visits.models import FollowUp
from nuanxin.visits.services import visit_record

HEMEI = "510108010001"
HEMEI_GRID1 = "510108010001001"
HEMEI_GRID2 = "510108010001002"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _new(user, person=None, **fields) -> HelpRequest:
    data = {
        "source": "hotline",
        "need_type": "heating",
        "description": "no heating",
    }
    data.update(fields)
    if person is not None:
        data["person_id"] = person.pk
    return services.request_create(user=user, **data)


# --- the SLA defaults -----------------------------------------------------------------


def test_it_loads_the_default_response_times(db):
    rules = {r.urgency: (r.first_contact_hours, r.resolve_hours) for r in SlaRule.objects.all()}
    assert rules == {"urgent": (2, 24), "normal": (24, 72), "low": (72, 168)}


# --- the state machine ------------------------------------------------------------------

STATUSES = list(services.TRANSITIONS)
ALLOWED = [(s, a) for s, actions in services.TRANSITIONS.items() for a in actions]
FORBIDDEN = [(s, a) for s in STATUSES for a in services.ACTIONS if (s, a) not in ALLOWED]


@pytest.fixture
def machine(community_worker, social_worker, ms_cai):
    """Brings a request to any status through the real services, and performs any action."""

    class Machine:
        user = community_worker
        worker = social_worker

        def at(self, status: str) -> HelpRequest:
            hr = _new(self.user, ms_cai)
            path = {
                "new": [],
                "triaged": ["triage"],
                "assigned": ["triage", "assign"],
                "in_progress": ["triage", "assign", "start"],
                "resolved": ["triage", "assign", "start", "resolve"],
                "closed": ["triage", "assign", "start", "resolve", "close"],
                "rejected": ["reject"],
                "merged": ["merge"],
            }[status]
            for action in path:
                hr = self.do(action, hr)
            assert hr.status == status
            return hr

        def do(self, action: str, hr: HelpRequest) -> HelpRequest:
            fields = {
                "triage": {"urgency": "urgent"},
                "assign": {"assignee_ids": [self.worker.pk]},
                "contact": {"note": "phoned her"},
                "start": {},
                "resolve": {"resolution": "repaired"},
                "close": {},
                "reject": {"reason": "not our remit"},
                "merge": {"into_id": _new(self.user, ms_cai).pk},
            }[action]
            return services.request_transition(
                user=self.user, help_request=hr, action=action, **fields
            )

    return Machine()


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_it_allows_each_transition_in_the_table(machine, status, action):
    hr = machine.at(status)
    events = RequestEvent.objects.filter(request=hr).count()
    audits = AuditEvent.objects.filter(object_type="casework.helprequest", object_id=str(hr.pk))
    before = audits.count()
    hr = machine.do(action, hr)
    hr.refresh_from_db()
    assert hr.status == services.TRANSITIONS[status][action]
    assert RequestEvent.objects.filter(request=hr).count() == events + 1
    last = RequestEvent.objects.filter(request=hr).last()
    assert (last.from_status, last.to_status, last.by) == (status, hr.status, machine.user)
    assert audits.count() == before + 1


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_it_refuses_each_transition_not_in_the_table(machine, status, action):
    hr = machine.at(status)
    events = RequestEvent.objects.filter(request=hr).count()
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        machine.do(action, hr)
    assert "cannot be" in str(exc.value)
    hr.refresh_from_db()
    assert hr.status == status
    assert RequestEvent.objects.filter(request=hr).count() == events


def test_it_refuses_a_second_first_contact(machine):
    hr = machine.do("contact", machine.at("assigned"))
    with pytest.raises(ValidationError):
        machine.do("contact", hr)


def test_it_needs_a_reason_to_reject_and_a_resolution_to_resolve(machine):
    with pytest.raises(ValidationError) as exc:
        services.request_reject(user=machine.user, help_request=machine.at("new"), reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.request_resolve(
            user=machine.user, help_request=machine.at("in_progress"), resolution=""
        )
    assert "resolution" in exc.value.message_dict


def test_it_merges_only_into_another_open_request_in_scope(
    machine, community_worker, jinjiang_person, outsider
):
    hr = machine.at("new")
    with pytest.raises(ValidationError, match="itself|自身|本身"):
        services.request_merge(user=community_worker, help_request=hr, into_id=hr.pk)
    closed = machine.at("closed")
    with pytest.raises(ValidationError):
        services.request_merge(user=community_worker, help_request=hr, into_id=closed.pk)
    merged = machine.at("merged")
    with pytest.raises(ValidationError):
        services.request_merge(user=community_worker, help_request=hr, into_id=merged.pk)
    theirs = _new(outsider, jinjiang_person)
    with pytest.raises(ValidationError):
        services.request_merge(user=community_worker, help_request=hr, into_id=theirs.pk)
    target = machine.at("assigned")
    hr = services.request_merge(user=community_worker, help_request=hr, into_id=target.pk)
    assert hr.merged_into == target and hr.status == "merged"
    assert (
        target.events.last().note.endswith(f"#{hr.pk}") or str(hr.pk) in target.events.last().note
    )


def test_it_assigns_only_staff_whose_area_covers_the_request(
    community_worker, social_worker, grid_worker, volunteer, inspector, ms_cai, grid2_person
):
    hr = services.request_triage(
        user=community_worker, help_request=_new(community_worker, grid2_person), urgency="normal"
    )
    eligible = set(services.eligible_assignees(hr.region_id))
    assert social_worker in eligible and community_worker in eligible
    assert grid_worker not in eligible  # 第一网格's worker; the request is in 第二网格
    assert volunteer not in eligible and inspector not in eligible
    for wrong in (grid_worker, volunteer, inspector):
        with pytest.raises(ValidationError) as exc:
            services.request_assign(user=community_worker, help_request=hr, assignee_ids=[wrong.pk])
        assert "assignees" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.request_assign(user=community_worker, help_request=hr, assignee_ids=[])
    hr = services.request_assign(
        user=community_worker, help_request=hr, assignee_ids=[social_worker.pk, community_worker.pk]
    )
    assert set(hr.assignees.all()) == {social_worker, community_worker}


def test_it_links_an_unregistered_caller_to_a_registry_person(community_worker, grid2_person):
    hr = _new(
        community_worker,
        caller_name="王大爷",
        caller_phone="138 0000 1234",
        region_id=HEMEI,
    )
    assert hr.caller_phone == "13800001234" and hr.region_id == HEMEI and hr.person is None
    hr = services.request_link_person(
        user=community_worker, help_request=hr, person_id=grid2_person.pk
    )
    hr.refresh_from_db()
    assert hr.person == grid2_person and hr.region_id == HEMEI_GRID2
    with pytest.raises(ValidationError):
        services.request_link_person(
            user=community_worker, help_request=hr, person_id=grid2_person.pk
        )


def test_it_validates_an_unregistered_caller(community_worker, places):
    with pytest.raises(ValidationError) as exc:
        _new(community_worker, caller_name="", caller_phone="12345", region_id="")
    assert set(exc.value.message_dict) >= {"caller_name", "caller_phone", "region_id"}
    with pytest.raises(ValidationError) as exc:
        _new(
            community_worker,
            caller_name="张三",
            caller_phone="13800001234",
            region_id="510104010001",
        )
    assert "region_id" in exc.value.message_dict  # 锦江区: not hers


# --- SLA arithmetic -----------------------------------------------------------------------


def _local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("urgency", "first", "resolve"),
    [("urgent", 2, 24), ("normal", 24, 72), ("low", 72, 168)],
)
def test_it_sets_deadlines_from_the_rule_of_the_urgency(
    community_worker, ms_cai, urgency, first, resolve
):
    received = _local(2026, 1, 10, 9, 0)
    hr = _new(community_worker, ms_cai, received_at=received)
    hr = services.request_triage(user=community_worker, help_request=hr, urgency=urgency)
    assert hr.first_contact_due_at == received + dt.timedelta(hours=first)
    assert hr.resolve_due_at == received + dt.timedelta(hours=resolve)


def test_it_breaches_an_urgent_first_contact_across_midnight(community_worker, ms_cai):
    """Received 23:30 (Shanghai), urgent: the first contact is due at 01:30 the next day."""
    hr = _new(community_worker, ms_cai, received_at=_local(2026, 1, 10, 23, 30))
    assert hr.first_contact_due_at == _local(2026, 1, 11, 23, 30)  # normal until triaged: 24 h
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    due = timezone.localtime(hr.first_contact_due_at)
    assert (due.date(), due.hour, due.minute) == (dt.date(2026, 1, 11), 1, 30)
    assert timezone.localtime(hr.resolve_due_at) == _local(2026, 1, 11, 23, 30)

    def flags(now):
        row = selectors.request_list(user=community_worker, now=now).get(pk=hr.pk)
        return row.first_contact_breached, row.resolve_breached

    assert flags(_local(2026, 1, 11, 1, 29)) == (False, False)
    assert flags(_local(2026, 1, 11, 1, 31)) == (True, False)
    assert flags(_local(2026, 1, 12, 0, 0)) == (True, True)
    late = selectors.request_list(
        user=community_worker, breached=True, now=_local(2026, 1, 11, 1, 31)
    )
    assert list(late) == [hr]
    assert not selectors.request_list(
        user=community_worker, breached=True, now=_local(2026, 1, 11, 1, 29)
    ).exists()
    counts = selectors.sla_counts(user=community_worker, now=_local(2026, 1, 11, 1, 31))
    assert counts.by_urgency["urgent"] == (1, 1) and counts.breached == 1

    source = selectors.RequestDuties()
    # The duty falls on the deadline's local day, not the day it was received.
    [duty] = source.due(
        user=community_worker, today=dt.date(2026, 1, 11), until=dt.date(2026, 1, 11)
    )
    assert duty.due_on == dt.date(2026, 1, 11) and duty.kind == "help_request"
    assert not source.overdue(user=community_worker, today=dt.date(2026, 1, 10))
    [late_duty] = source.overdue(user=community_worker, today=dt.date(2026, 1, 11))
    with translation.override("en"):
        [late_duty] = source.overdue(user=community_worker, today=dt.date(2026, 1, 11))
        assert "First contact overdue" in late_duty.label


def test_it_recomputes_deadlines_when_triage_changes_the_urgency(community_worker, ms_cai):
    received = _local(2026, 1, 10, 8, 0)
    hr = _new(community_worker, ms_cai, received_at=received, urgency="low")
    assert hr.resolve_due_at == received + dt.timedelta(days=7)
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="normal")
    assert hr.resolve_due_at == received + dt.timedelta(days=3)
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    assert hr.first_contact_due_at == received + dt.timedelta(hours=2)
    # The rules are data: an admin tightens them, the next triage follows.
    SlaRule.objects.filter(urgency="urgent").update(first_contact_hours=1)
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    assert hr.first_contact_due_at == received + dt.timedelta(hours=1)


def test_it_counts_a_late_first_contact_as_a_breach(community_worker, social_worker, ms_cai):
    received = _local(2026, 1, 10, 9, 0)
    hr = _new(community_worker, ms_cai, received_at=received, urgency="urgent")
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    hr = services.request_assign(
        user=community_worker, help_request=hr, assignee_ids=[social_worker.pk]
    )
    hr = services.request_contact(
        user=social_worker, help_request=hr, at=received + dt.timedelta(hours=3)
    )
    row = selectors.request_list(user=community_worker, now=received + dt.timedelta(hours=4)).get()
    assert row.first_contact_breached and not row.resolve_breached


# --- visit findings --------------------------------------------------------------------------


def test_it_turns_a_visit_finding_into_a_help_request(grid_worker, ms_cai):
    visit, _created = visit_record(
        user=grid_worker,
        person_id=ms_cai.pk,
        visited_on=timezone.localdate(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
        findings=[
            {"kind": "follow_up", "text": "电热毯坏了，屋里很冷", "follow_up_kind": "help_request"},
            {"kind": "follow_up", "text": "送水", "follow_up_kind": "service_task"},
        ],
    )
    follow_up = FollowUp.objects.get(visit=visit, kind="help_request")
    hr = HelpRequest.objects.get(follow_up=follow_up)
    assert (hr.source, hr.person, hr.region_id, hr.urgency, hr.status) == (
        "visit",
        ms_cai,
        ms_cai.region_id,
        "normal",
        "new",
    )
    assert hr.need_type == "heating" and hr.description == "电热毯坏了，屋里很冷"
    assert hr.created_by == grid_worker and hr.first_contact_due_at is not None
    follow_up.refresh_from_db()
    assert follow_up.picked_up_at is not None and follow_up.picked_up_ref == f"help_request:{hr.pk}"
    # Service tasks are another area's: no help request for them.
    assert HelpRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("燃气灶漏气", "safety"),
        ("需要买药", "medicine"),
        ("想申请低保", "policy"),
        ("说不清", "other"),
    ],
)
def test_it_guesses_the_need_from_a_findings_words(text, need):
    assert services.need_from_text(text) == need


# --- pages ------------------------------------------------------------------------------------


def test_it_takes_a_hotline_call_from_an_unregistered_caller(client, community_worker, places):
    client.force_login(community_worker)
    page = client.get("/requests/new/")
    assert page.status_code == 200
    bad = client.post(
        "/requests/new/",
        {
            "caller_name": "赵先生",
            "caller_phone": "123",
            "region_id": HEMEI,
            "source": "hotline",
            "need_type": "water",
            "urgency": "normal",
            "description": "停水三天",
        },
    )
    assert bad.status_code == 200 and "caller_phone" in bad.context["form"].errors
    response = client.post(
        "/requests/new/",
        {
            "caller_name": "赵先生",
            "caller_phone": "13912345678",
            "region_id": HEMEI,
            "source": "hotline",
            "need_type": "water",
            "urgency": "normal",
            "description": "停水三天",
        },
    )
    hr = HelpRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{hr.pk}/"
    assert (hr.caller_name, hr.region_id, hr.created_by) == ("赵先生", HEMEI, community_worker)
    detail = client.get(f"/requests/{hr.pk}/").content.decode()
    assert "赵先生" in detail and "139****5678" in detail and "13912345678" not in detail


def test_it_finds_a_registered_caller_by_pinyin_initials(client, community_worker, ms_cai):
    client.force_login(community_worker)
    page = client.get("/requests/new/", {"q": "cay"})
    assert [p.pk for p in page.context["found"]] == [ms_cai.pk]
    response = client.post(
        f"/requests/new/?person={ms_cai.pk}",
        {
            "person_id": ms_cai.pk,
            "source": "own_call",
            "need_type": "medicine",
            "urgency": "normal",
            "description": "降压药吃完了",
        },
    )
    assert response.status_code == 302
    assert HelpRequest.objects.get().person == ms_cai


def test_it_walks_a_request_through_the_detail_page(
    client, community_worker, social_worker, ms_cai
):
    hr = _new(community_worker, ms_cai)
    client.force_login(community_worker)
    url = f"/requests/{hr.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert [a["name"] for a in page.context["actions"]] == ["triage", "reject", "merge"]
    assert client.post(url, {"action": "triage", "triage-urgency": "urgent"}).status_code == 302
    page = client.get(url)
    names = [a["name"] for a in page.context["actions"]]
    assert "assign" in names and "resolve" not in names
    workers = dict(
        page.context["actions"][names.index("assign")]["form"].fields["assignee_ids"].choices
    )
    assert social_worker.pk in workers
    client.post(url, {"action": "assign", "assign-assignee_ids": [social_worker.pk]})
    client.post(url, {"action": "contact", "contact-note": "上门了"})
    refused = client.post(url, {"action": "resolve", "resolve-resolution": ""})
    assert refused.status_code == 200  # the field error is shown next to the field
    client.post(url, {"action": "resolve", "resolve-resolution": "换了新的电热毯"})
    client.post(url, {"action": "close"})
    hr.refresh_from_db()
    assert hr.status == "closed" and hr.resolution == "换了新的电热毯"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "History" in html and html.count("list-group-item") >= 6


def test_it_lets_an_inspector_read_but_not_act(client, community_worker, inspector, ms_cai):
    hr = _new(community_worker, ms_cai)
    client.force_login(inspector)
    page = client.get(f"/requests/{hr.pk}/")
    assert page.status_code == 200 and page.context["actions"] == []
    assert (
        client.post(
            f"/requests/{hr.pk}/", {"action": "triage", "triage-urgency": "low"}
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.request_triage(user=inspector, help_request=hr, urgency="low")
    assert client.get("/requests/new/").status_code == 404


def test_it_hides_requests_from_outsiders_and_volunteers(
    client, community_worker, outsider, volunteer, ms_cai
):
    hr = _new(community_worker, ms_cai)
    for user in (outsider, volunteer):
        client.force_login(user)
        assert client.get(f"/requests/{hr.pk}/").status_code == 404
        assert client.post(f"/requests/{hr.pk}/", {"action": "reject"}).status_code == 404
        listing = client.get("/requests/")
        assert listing.status_code == 200 and "蔡阿姨" not in listing.content.decode()
        with pytest.raises(Http404):
            services.request_triage(user=user, help_request=hr, urgency="low")
    client.force_login(volunteer)
    assert client.get("/requests/new/").status_code == 404


def _many(user, people, n):
    for i in range(n):
        _new(user, people[i % len(people)], description=f"need {i}")


def test_it_lists_requests_in_a_fixed_number_of_queries(
    client, community_worker, social_worker, ms_cai, grid2_person, django_assert_max_num_queries
):
    client.force_login(community_worker)
    _many(community_worker, [ms_cai], 1)
    client.get("/requests/")
    with django_assert_max_num_queries(10) as one:
        client.get("/requests/")
    assert client.get("/requests/?breached=on&q=蔡").status_code == 200
    _many(community_worker, [ms_cai, grid2_person], 19)
    for hr in HelpRequest.objects.all()[:10]:
        services.request_assign(
            user=community_worker,
            help_request=services.request_triage(
                user=community_worker, help_request=hr, urgency="urgent"
            ),
            assignee_ids=[social_worker.pk, community_worker.pk],
        )
    with django_assert_max_num_queries(10) as many:
        response = client.get("/requests/")
    assert response.context["page"].paginator.count == 20
    assert len(many.captured_queries) == len(one.captured_queries)


def test_it_filters_the_list(client, community_worker, social_worker, ms_cai, grid2_person):
    mine = _new(community_worker, ms_cai, need_type="water", source="walk_in")
    _new(community_worker, grid2_person, need_type="medical")
    services.request_assign(
        user=community_worker,
        help_request=services.request_triage(
            user=community_worker, help_request=mine, urgency="low"
        ),
        assignee_ids=[social_worker.pk],
    )
    client.force_login(social_worker)

    def pks(query):
        return [hr.pk for hr in client.get(f"/requests/?{query}").context["page"].object_list]

    assert pks("mine=on") == [mine.pk]
    assert pks("need=water") == [mine.pk]
    assert pks("source=walk_in") == [mine.pk]
    assert pks("urgency=low") == [mine.pk]
    assert pks("status=assigned") == [mine.pk]
    assert len(pks("")) == 2
    assert len(pks("region=510108010001")) == 2 and pks("region=510108020000") == []
    assert pks("q=wdy") != [mine.pk]  # 王大爷's initials


# --- worklist, blind spots, dashboard ------------------------------------------------------------


def test_it_puts_open_requests_on_the_assignees_worklist(
    client, community_worker, social_worker, grid_worker, district_officer, ms_cai
):
    hr = _new(community_worker, ms_cai, received_at=timezone.now() - dt.timedelta(hours=3))
    hr = services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    today = timezone.localdate()

    def kinds(user):
        return [
            d
            for d in duties.worklist(user=user, today=today, until=today + dt.timedelta(days=6))
            if d.kind == "help_request"
        ]

    # Unassigned: the community's workers see it, so does the officer.
    assert len(kinds(community_worker)) == 1 and len(kinds(district_officer)) == 1
    services.request_assign(user=community_worker, help_request=hr, assignee_ids=[social_worker.pk])
    assert len(kinds(social_worker)) == 1
    assert kinds(grid_worker) == [] and kinds(community_worker) == []
    [duty] = kinds(district_officer)
    assert duty.owner_id == social_worker.pk and duty.link == f"/requests/{hr.pk}/"
    # Breached: on the blind-spot report of the area.
    spots = [
        d
        for d in duties.blind_spots(user=district_officer, today=today)
        if d.kind == "help_request"
    ]
    assert len(spots) == 1
    client.force_login(district_officer)
    page = client.get("/blind-spots/?region=510108000000")
    assert page.status_code == 200 and f"/requests/{hr.pk}/" in page.content.decode()
    client.force_login(social_worker)
    page = client.get("/worklist/?list=1")
    assert page.status_code == 200 and f"/requests/{hr.pk}/" in page.content.decode()


def test_it_shows_an_unregistered_callers_request_on_the_worklist(client, community_worker, places):
    hr = _new(community_worker, caller_name="赵先生", caller_phone="13912345678", region_id=HEMEI)
    client.force_login(community_worker)
    page = client.get("/worklist/?list=1&date=" + timezone.localdate().isoformat())
    assert page.status_code == 200
    today = timezone.localdate()
    found = [
        d
        for d in duties.worklist(
            user=community_worker, today=today, until=today + dt.timedelta(days=6)
        )
        if d.kind == "help_request"
    ]
    assert [(d.person_id, d.person_name) for d in found] == [(0, "赵先生")]
    assert hr.pk


def test_it_runs_the_duty_source_in_a_fixed_number_of_queries(
    community_worker, ms_cai, grid2_person, django_assert_max_num_queries
):
    today = timezone.localdate()
    source = selectors.RequestDuties()
    _many(community_worker, [ms_cai], 1)
    with django_assert_max_num_queries(4):
        source.due(user=community_worker, today=today, until=today + dt.timedelta(days=6))
    _many(community_worker, [ms_cai, grid2_person], 19)
    with django_assert_max_num_queries(4):
        found = source.due(user=community_worker, today=today, until=today + dt.timedelta(days=6))
    assert len(found) == 20


def test_it_shows_officers_the_requests_on_the_dashboard(
    client, district_officer, community_worker, ms_cai
):
    hr = _new(community_worker, ms_cai, received_at=timezone.now() - dt.timedelta(hours=3))
    services.request_triage(user=community_worker, help_request=hr, urgency="urgent")
    _new(community_worker, ms_cai, urgency="low")
    client.force_login(district_officer)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    (card,) = [c for c in response.context["home"].cards if "requests" in c.context]
    requests = card.context["requests"]
    assert requests.open == 2 and requests.breached == 1
    assert requests.by_urgency["urgent"] == (1, 1)
    html = response.content.decode()
    assert "/requests/?breached=on" in html and "Help requests" in html
