"""Service tasks: the schedule, every state change (and the forbidden ones), the volunteer's
restricted view, duties and the blind-spot report, pages and API in fixed queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import OccurrenceStatus, TaskOccurrence, TaskStatus
from nuanxin.casework.selectors.service_tasks import TaskDuties
from nuanxin.casework.services import service_tasks as services
from nuanxin.casework.services.service_tasks import (
    MAX_OCCURRENCES,
    TooManyOccurrences,
    recurrence_dates,
)
from nuanxin.core import access, duties
from nuanxin.registry.models import Person
from tests.factories import make_person, make_user

TODAY = dt.date(2026, 3, 10)
STEP = {"daily": 1, "weekly": 7}


# --- the schedule, as a pure function -------------------------------------------------

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@given(start=dates, recurrence=st.sampled_from(["daily", "weekly"]), count=st.integers(1, 366))
def test_it_expands_a_count_into_that_many_evenly_spaced_dates(start, recurrence, count):
    days = recurrence_dates(starts_on=start, recurrence=recurrence, count=count)
    assert len(days) == count
    assert days[0] == start
    assert all((b - a).days == STEP[recurrence] for a, b in zip(days, days[1:], strict=False))


@given(
    start=dates,
    recurrence=st.sampled_from(["daily", "weekly"]),
    span=st.integers(0, 3000),
)
def test_it_expands_until_a_date_inclusive_and_never_past_the_cap(start, recurrence, span):
    until = start + dt.timedelta(days=span)
    step = STEP[recurrence]
    try:
        days = recurrence_dates(starts_on=start, recurrence=recurrence, until=until)
    except TooManyOccurrences as exc:
        assert span // step + 1 > MAX_OCCURRENCES
        assert exc.args[0] == span // step + 1
        return
    assert len(days) <= MAX_OCCURRENCES
    assert days[0] == start
    assert days[-1] <= until
    assert days[-1] + dt.timedelta(days=step) > until  # the last that fits: until is inclusive
    if span % step == 0:
        assert days[-1] == until


@given(start=dates, count=st.integers(367, 5000), recurrence=st.sampled_from(["daily", "weekly"]))
def test_it_refuses_more_than_the_cap(start, count, recurrence):
    with pytest.raises(TooManyOccurrences):
        recurrence_dates(starts_on=start, recurrence=recurrence, count=count)


@given(start=dates, count=st.none() | st.integers(1, 9))
def test_it_makes_one_date_for_once(start, count):
    assert recurrence_dates(starts_on=start, recurrence="once", count=count) == [start]


def test_it_wants_exactly_one_end_for_a_recurring_schedule():
    with pytest.raises(ValueError):
        recurrence_dates(starts_on=TODAY, recurrence="daily")
    with pytest.raises(ValueError):
        recurrence_dates(starts_on=TODAY, recurrence="daily", count=2, until=TODAY)


# --- creating --------------------------------------------------------------------------


def _task(user, person, *, days=5, start=None, assignee=None, kind="water", **kw):
    start = start or timezone.localdate()
    return services.service_task_create(
        user=user,
        person_id=person.pk,
        kind=kind,
        starts_on=start,
        recurrence=kw.pop("recurrence", "daily"),
        occurrences=kw.pop("occurrences", days),
        assignee=assignee,
        **kw,
    )


def test_it_expands_the_occurrences_at_creation_with_the_assignee_on_each(
    community_worker, volunteer, ms_cai, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        task = _task(community_worker, ms_cai, days=30, assignee=volunteer)
    occ = list(task.occurrence_set.all())
    assert len(occ) == 30
    assert {o.assignee_id for o in occ} == {volunteer.pk}
    assert {o.region_id for o in occ} == {ms_cai.region_id}
    assert task.region_id == ms_cai.region_id
    assert task.status == TaskStatus.ACTIVE


def test_it_makes_a_weekly_task_until_a_date(community_worker, ms_cai):
    start = timezone.localdate()
    task = services.service_task_create(
        user=community_worker,
        person_id=ms_cai.pk,
        kind="heating_check",
        starts_on=start,
        recurrence="weekly",
        until=start + dt.timedelta(days=28),
    )
    assert [o.due_on for o in task.occurrence_set.all()] == [
        start + dt.timedelta(days=7 * i) for i in range(5)
    ]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"occurrences": None}, "occurrences"),
        ({"until": TODAY}, "occurrences"),
        ({"occurrences": 367}, "occurrences"),
        ({"occurrences": None, "until": TODAY + dt.timedelta(days=400)}, "until"),
        ({"occurrences": None, "until": TODAY - dt.timedelta(days=1)}, "until"),
        ({"kind": "flying"}, "kind"),
    ],
)
def test_it_refuses_a_bad_schedule_with_a_message_on_the_field(
    community_worker, ms_cai, options, field
):
    kind = options.pop("kind", "water")
    with pytest.raises(ValidationError) as err, translation.override("en"):
        _task(community_worker, ms_cai, start=TODAY, kind=kind, **options)
    assert field in err.value.message_dict
    if options.get("occurrences") == 367:
        assert "at most 366" in err.value.message_dict[field][0]


def test_it_assigns_only_people_who_work_over_the_person(
    community_worker, volunteer, grid_worker, outsider, ms_cai, places
):
    _task(community_worker, ms_cai, assignee=grid_worker)
    for stranger in (outsider, make_user("jinjiang_vol", "volunteer", "510104010001")):
        with pytest.raises(ValidationError) as err:
            _task(community_worker, ms_cai, assignee=stranger)
        assert "assignee" in err.value.message_dict
    inspector = make_user("insp2", "inspector", "510108000000")
    with pytest.raises(ValidationError):
        _task(community_worker, ms_cai, assignee=inspector)


def test_it_lets_only_staff_who_may_change_create_tasks(
    inspector, volunteer, outsider, ms_cai, grid_worker
):
    _task(grid_worker, ms_cai)
    # In sight but read-only: 403; out of sight: 404, as if she did not exist.
    for user, refused in ((inspector, PermissionDenied), (volunteer, Http404), (outsider, Http404)):
        with pytest.raises(refused):
            _task(user, ms_cai)


# --- assign, cancel, done, missed ---------------------------------------------------


def test_it_reassigns_the_undone_occurrences_from_today_on(
    community_worker, volunteer, grid_worker, ms_cai
):
    today = timezone.localdate()
    task = _task(community_worker, ms_cai, days=6, start=today - dt.timedelta(days=2))
    first = task.occurrence_set.get(due_on=today - dt.timedelta(days=2))
    services.occurrence_done(user=community_worker, occurrence_id=first.pk)
    services.service_task_assign(user=community_worker, task_id=task.pk, assignee=volunteer)
    rows = {o.due_on: o for o in task.occurrence_set.all()}
    assert rows[today - dt.timedelta(days=2)].assignee_id is None  # done: history stays
    assert rows[today - dt.timedelta(days=1)].assignee_id is None  # past, undone: stays
    assert all(rows[d].assignee_id == volunteer.pk for d in rows if d >= today)
    with pytest.raises(PermissionDenied):  # hers to do, not hers to hand out
        services.service_task_assign(user=volunteer, task_id=task.pk, assignee=volunteer)


def test_it_cancels_the_occurrences_to_come(community_worker, ms_cai, inspector):
    today = timezone.localdate()
    task = _task(community_worker, ms_cai, days=5, start=today - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.service_task_cancel(user=inspector, task_id=task.pk)
    services.service_task_cancel(user=community_worker, task_id=task.pk, reason="家人回来了")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    statuses = {o.due_on: o.status for o in task.occurrence_set.all()}
    assert statuses[today - dt.timedelta(days=1)] == OccurrenceStatus.DUE
    assert {s for d, s in statuses.items() if d >= today} == {OccurrenceStatus.CANCELLED}
    with pytest.raises(ValidationError):
        services.service_task_cancel(user=community_worker, task_id=task.pk)
    with pytest.raises(ValidationError):
        services.service_task_assign(user=community_worker, task_id=task.pk, assignee=None)


def test_it_marks_done_once_however_often_it_is_tapped(community_worker, volunteer, ms_cai):
    task = _task(community_worker, ms_cai, days=2, assignee=volunteer)
    occ = task.occurrence_set.first()
    first, changed = services.occurrence_done(user=volunteer, occurrence_id=occ.pk, note="送到了")
    assert changed and first.status == OccurrenceStatus.DONE and first.done_by == volunteer
    again, changed = services.occurrence_done(user=volunteer, occurrence_id=occ.pk)
    assert not changed and again.done_at == first.done_at and again.note == "送到了"


def test_it_answers_a_retried_client_id_with_the_first_answer(community_worker, volunteer, ms_cai):
    task = _task(community_worker, ms_cai, days=2, assignee=volunteer)
    occ = task.occurrence_set.first()
    _o, changed = services.occurrence_done(user=volunteer, occurrence_id=occ.pk, client_id="c1")
    assert changed
    _o, changed = services.occurrence_done(user=volunteer, occurrence_id=occ.pk, client_id="c1")
    assert not changed
    other = task.occurrence_set.last()
    with pytest.raises(ValidationError):
        services.occurrence_done(user=volunteer, occurrence_id=other.pk, client_id="c1")


def test_it_lets_only_the_assignee_or_staff_mark_done(
    community_worker, volunteer, inspector, outsider, ms_cai, places
):
    other_volunteer = make_user("hemei_vol2", "volunteer", "510108010001")
    task = _task(community_worker, ms_cai, days=3, assignee=volunteer)
    occ = list(task.occurrence_set.all())
    for user, refused in ((other_volunteer, Http404), (inspector, PermissionDenied)):
        with pytest.raises(refused):
            services.occurrence_done(user=user, occurrence_id=occ[0].pk)
    with pytest.raises(Http404):
        services.occurrence_done(user=outsider, occurrence_id=occ[0].pk)
    services.occurrence_done(user=community_worker, occurrence_id=occ[0].pk)
    with pytest.raises(ValidationError):  # tomorrow's is not due yet
        services.occurrence_done(user=volunteer, occurrence_id=occ[1].pk)


def test_it_finishes_the_task_when_nothing_is_left_due(community_worker, volunteer, ms_cai):
    today = timezone.localdate()
    task = _task(
        community_worker, ms_cai, days=2, start=today - dt.timedelta(days=1), assignee=volunteer
    )
    yesterday, this_day = task.occurrence_set.all()
    services.occurrence_done(user=volunteer, occurrence_id=this_day.pk)
    task.refresh_from_db()
    assert task.status == TaskStatus.ACTIVE  # yesterday's is still due
    with pytest.raises(PermissionDenied):  # missed is for staff
        services.occurrence_missed(user=volunteer, occurrence_id=yesterday.pk, reason="生病")
    with pytest.raises(ValidationError):
        services.occurrence_missed(user=community_worker, occurrence_id=yesterday.pk, reason="")
    services.occurrence_missed(user=community_worker, occurrence_id=yesterday.pk, reason="生病")
    task.refresh_from_db()
    assert task.status == TaskStatus.FINISHED
    with pytest.raises(ValidationError):
        services.occurrence_missed(user=community_worker, occurrence_id=yesterday.pk, reason="x")


def test_it_does_not_mark_a_cancelled_occurrence_done(community_worker, volunteer, ms_cai):
    task = _task(community_worker, ms_cai, days=2, assignee=volunteer)
    services.service_task_cancel(user=community_worker, task_id=task.pk)
    with pytest.raises(ValidationError):
        services.occurrence_done(
            user=community_worker, occurrence_id=task.occurrence_set.first().pk
        )


def test_it_audits_every_change(community_worker, volunteer, ms_cai):
    from nuanxin.audit.models import AuditEvent

    task = _task(community_worker, ms_cai, days=2, assignee=volunteer)
    services.occurrence_done(user=volunteer, occurrence_id=task.occurrence_set.first().pk)
    services.service_task_cancel(user=community_worker, task_id=task.pk)
    kinds = list(
        AuditEvent.objects.filter(object_type__startswith="casework.").values_list(
            "object_type", "action"
        )
    )
    assert ("casework.servicetask", "create") in kinds
    assert ("casework.taskoccurrence", "update") in kinds
    assert ("casework.servicetask", "update") in kinds


# --- the volunteer's reach ---------------------------------------------------------------


def test_it_links_the_volunteer_to_the_people_of_her_active_tasks(
    community_worker, volunteer, ms_cai, grid2_person
):
    assert not Person.objects.restrict(volunteer).exists()
    task = _task(community_worker, ms_cai, assignee=volunteer)
    assert list(Person.objects.restrict(volunteer)) == [ms_cai]
    assert not Person.objects.restrict(volunteer, links=False).exists()
    services.service_task_cancel(user=community_worker, task_id=task.pk)
    assert not Person.objects.restrict(volunteer).exists()


def _assert_nothing_sensitive(html: str, person) -> None:
    assert person.id_number not in html
    for word in ("独居", "elderly living alone", "Categories", "类别", "Health"):
        assert word not in html, word


def test_it_shows_the_volunteer_her_days_with_name_address_and_phone_only(
    client, community_worker, volunteer, ms_cai
):
    today = timezone.localdate()
    _task(community_worker, ms_cai, days=3, start=today - dt.timedelta(days=1), assignee=volunteer)
    client.force_login(volunteer)
    html = client.get("/tasks/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My tasks" in html and "Today" in html
    assert "蔡阿姨" in html and ms_cai.address in html and f'href="tel:{ms_cai.phone}"' in html
    assert html.count("data-occurrence=") == 2  # yesterday's (undone) and today's, in full
    assert html.count("data-upcoming=") == 1  # tomorrow's, at a glance
    _assert_nothing_sensitive(html, ms_cai)
    task_page = client.get(f"/tasks/{ms_cai.service_tasks.get().pk}/").content.decode()
    assert "蔡阿姨" in task_page
    _assert_nothing_sensitive(task_page, ms_cai)
    assert "Re-assign" not in task_page
    # … and not the person's record itself beyond what the registry allows a linked volunteer.
    worklist = client.get("/worklist/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ms_cai.phone in worklist
    _assert_nothing_sensitive(worklist, ms_cai)


def test_it_takes_one_tap_with_or_without_javascript(client, community_worker, volunteer, ms_cai):
    task = _task(community_worker, ms_cai, days=2, assignee=volunteer)
    occ = task.occurrence_set.first()
    client.force_login(volunteer)
    swapped = client.post(f"/tasks/occurrences/{occ.pk}/done/", HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert f'id="occ-{occ.pk}"' in swapped.content.decode()
    assert "<html" not in swapped.content.decode()
    plain = client.post(f"/tasks/occurrences/{occ.pk}/done/", {"next": "/tasks/"})
    assert plain.status_code == 302 and plain["Location"] == "/tasks/"
    offsite = client.post(f"/tasks/occurrences/{occ.pk}/done/", {"next": "https://evil.example/"})
    assert offsite["Location"] == "/tasks/"
    assert client.get(f"/tasks/occurrences/{occ.pk}/done/").status_code == 405


def test_it_hides_other_volunteers_tasks(client, community_worker, volunteer, ms_cai, places):
    other = make_user("hemei_vol3", "volunteer", "510108010001")
    task = _task(community_worker, ms_cai, days=2, assignee=other)
    client.force_login(volunteer)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    occ = task.occurrence_set.first()
    assert client.post(f"/tasks/occurrences/{occ.pk}/done/").status_code == 404
    assert "蔡阿姨" not in client.get("/tasks/").content.decode()


# --- staff pages ---------------------------------------------------------------------------


def test_it_lists_the_areas_tasks_with_filters_in_fixed_queries(
    client, community_worker, volunteer, grid_worker, ms_cai, django_assert_max_num_queries
):
    today = timezone.localdate()
    _task(community_worker, ms_cai, days=3, start=today - dt.timedelta(days=2), assignee=volunteer)
    client.force_login(community_worker)
    client.get("/tasks/")
    with django_assert_max_num_queries(9) as few:
        page = client.get("/tasks/?missed=1")
    assert "蔡阿姨" in page.content.decode()
    for i in range(19):
        _task(community_worker, make_person(name=f"钱{i}"), days=2, kind="rubbish")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/tasks/")
    assert page.context["page"].paginator.count == 20
    assert client.get("/tasks/?kind=rubbish").context["page"].paginator.count == 19
    assert client.get("/tasks/?missed=1").context["page"].paginator.count == 1
    assert client.get(f"/tasks/?assignee={volunteer.pk}").context["page"].paginator.count == 1
    assert client.get("/tasks/?status=finished").context["page"].paginator.count == 0


def test_it_creates_a_task_through_the_page(client, community_worker, volunteer, ms_cai):
    client.force_login(community_worker)
    form = client.get(f"/tasks/new/{ms_cai.pk}/")
    assert form.status_code == 200 and f'value="{volunteer.pk}"' in form.content.decode()
    day = timezone.localdate()
    bad = client.post(
        f"/tasks/new/{ms_cai.pk}/",
        {"kind": "water", "recurrence": "daily", "starts_on": day, "occurrences": 400},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and "at most 366" in bad.content.decode()
    response = client.post(
        f"/tasks/new/{ms_cai.pk}/",
        {
            "kind": "water",
            "details": "每天一桶",
            "assignee": volunteer.pk,
            "recurrence": "daily",
            "starts_on": day,
            "occurrences": 3,
        },
    )
    assert response.status_code == 302
    task = ms_cai.service_tasks.get()
    assert task.occurrence_set.count() == 3 and task.assignee == volunteer


def test_it_assigns_cancels_and_records_a_miss_on_the_detail_page(
    client, community_worker, volunteer, grid_worker, ms_cai, inspector
):
    today = timezone.localdate()
    task = _task(community_worker, ms_cai, days=4, start=today - dt.timedelta(days=1))
    yesterday = task.occurrence_set.get(due_on=today - dt.timedelta(days=1))
    client.force_login(inspector)
    assert client.get(f"/tasks/{task.pk}/").status_code == 200
    assert client.post(f"/tasks/{task.pk}/", {"action": "cancel"}).status_code == 403
    client.force_login(community_worker)
    page = client.get(f"/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Re-assign" in page and "Missed" in page
    r = client.post(f"/tasks/{task.pk}/", {"action": "assign", "assignee": volunteer.pk})
    assert r.status_code == 302
    r = client.post(
        f"/tasks/{task.pk}/", {"action": "missed", "occurrence": yesterday.pk, "reason": "下雨"}
    )
    assert r.status_code == 302
    yesterday.refresh_from_db()
    assert yesterday.status == OccurrenceStatus.MISSED and yesterday.note == "下雨"
    r = client.post(f"/tasks/{task.pk}/", {"action": "cancel", "reason": "家人回来"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED and task.assignee == volunteer


# --- duties ----------------------------------------------------------------------------------


def test_it_gives_the_assignee_and_the_area_the_occurrences_as_duties(
    community_worker, volunteer, grid_worker, outsider, ms_cai
):
    today = timezone.localdate()
    _task(community_worker, ms_cai, days=3, start=today, assignee=volunteer)
    source = TaskDuties()
    mine = source.due(user=volunteer, today=today, until=today)
    assert len(mine) == 1
    assert (mine[0].phone, mine[0].address, mine[0].person_name) == (
        ms_cai.phone,
        ms_cai.address,
        "蔡阿姨",
    )
    assert mine[0].link == f"/tasks/occurrences/{mine[0].link.split('/')[-3]}/done/"
    assert len(source.due(user=community_worker, today=today, until=today + dt.timedelta(2))) == 3
    assert len(source.due(user=grid_worker, today=today, until=today)) == 1  # her grid
    assert source.due(user=outsider, today=today, until=today + dt.timedelta(9)) == []


def test_it_puts_a_missed_day_on_the_blind_spot_report_the_next_morning(
    client, community_worker, volunteer, ms_cai
):
    today = timezone.localdate()
    task = _task(
        community_worker, ms_cai, days=3, start=today - dt.timedelta(days=2), assignee=volunteer
    )
    two_days_ago = task.occurrence_set.get(due_on=today - dt.timedelta(days=2))
    services.occurrence_done(user=volunteer, occurrence_id=two_days_ago.pk)
    late = duties.blind_spots(user=community_worker, today=today)
    late = [d for d in late if d.kind == "service_task"]
    assert [d.due_on for d in late] == [today - dt.timedelta(days=1)]
    client.force_login(community_worker)
    html = client.get("/blind-spots/").content.decode()
    assert html.count('data-duty="service_task"') == 1
    # An explained miss stays visible (with its reason) for a week, then drops off.
    services.occurrence_missed(
        user=community_worker,
        occurrence_id=task.occurrence_set.get(due_on=late[0].due_on).pk,
        reason="老人住院",
    )
    late = [
        d
        for d in duties.blind_spots(user=community_worker, today=today)
        if d.kind == "service_task"
    ]
    assert "老人住院" in late[0].label
    far = today + dt.timedelta(days=30)
    assert not [
        d for d in duties.blind_spots(user=community_worker, today=far) if "老人住院" in d.label
    ]


def test_it_answers_duties_in_one_query_whatever_their_number(
    community_worker, volunteer, ms_cai, django_assert_num_queries
):
    today = timezone.localdate()
    _task(community_worker, ms_cai, days=1, assignee=volunteer)
    access.forget(volunteer)
    source = TaskDuties()
    source.due(user=volunteer, today=today, until=today)  # warm the membership cache
    with django_assert_num_queries(1):
        assert len(source.due(user=volunteer, today=today, until=today)) == 1
    for i in range(19):
        _task(community_worker, make_person(name=f"孙{i}"), days=1, assignee=volunteer)
    with django_assert_num_queries(1):
        assert len(source.due(user=volunteer, today=today, until=today)) == 20
    with django_assert_num_queries(1):
        source.overdue(user=volunteer, today=today + dt.timedelta(days=1))


def test_it_shows_the_volunteers_days_in_fixed_queries(
    client, community_worker, volunteer, ms_cai, django_assert_max_num_queries
):
    _task(community_worker, ms_cai, days=3, assignee=volunteer)
    client.force_login(volunteer)
    client.get("/tasks/")
    with django_assert_max_num_queries(8) as few:
        client.get("/tasks/")
    for i in range(19):
        _task(community_worker, make_person(name=f"周{i}"), days=3, assignee=volunteer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/tasks/").content.decode()
    assert html.count("data-occurrence=") + html.count("data-upcoming=") == 60


# --- visit findings become tasks ---------------------------------------------------------


def test_it_turns_visit_follow_ups_into_tasks(grid_worker, volunteer, ms_cai):
    from nuanxin.visits import services as visits

    day = timezone.localdate()
    visit, _ = visits.visit_record(
        user=grid_worker,
        person_id=ms_cai.pk,
        visited_on=day,
        method="home",
        with_whom="grid_worker",
        outcome="met",
        checklist={"gas_clamps": "fail"},
        findings=[
            {
                "kind": "follow_up",
                "text": "陪同就医",
                "follow_up_kind": "service_task",
                "task_kind": "hospital_escort",
                "repeat_days": 0,
                "assignee": volunteer.pk,
            },
            {"kind": "follow_up", "text": "求助", "follow_up_kind": "help_request"},
        ],
    )
    tasks = {t.kind: t for t in ms_cai.service_tasks.all()}
    assert set(tasks) == {"hospital_escort", "rectification"}
    escort = tasks["hospital_escort"]
    assert escort.recurrence == "once" and escort.assignee == volunteer
    assert escort.occurrence_set.get().due_on == day
    assert escort.follow_up.picked_up_ref == f"casework.servicetask:{escort.pk}"
    assert tasks["rectification"].occurrence_set.get().due_on == day + dt.timedelta(days=3)
    # Nobody named: the worker of her grid answers for it (work nobody owns is not done).
    assert tasks["rectification"].assignee.username == "hemei_grid1"


def test_it_refuses_the_visit_when_the_named_helper_is_a_stranger(grid_worker, outsider, ms_cai):
    from nuanxin.visits import services as visits
    from nuanxin.visits.models import Visit

    with pytest.raises(ValidationError):
        visits.visit_record(
            user=grid_worker,
            person_id=ms_cai.pk,
            visited_on=timezone.localdate(),
            method="home",
            with_whom="grid_worker",
            outcome="met",
            findings=[
                {
                    "kind": "follow_up",
                    "text": "送水",
                    "follow_up_kind": "service_task",
                    "task_kind": "water",
                    "repeat_days": 3,
                    "assignee": outsider.pk,
                }
            ],
        )
    assert not Visit.objects.exists()
    assert not TaskOccurrence.objects.exists()


# --- API ----------------------------------------------------------------------------------


def _api(client, user):
    token = api_token_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_it_creates_and_reads_tasks_through_the_api(
    client, community_worker, volunteer, ms_cai, outsider
):
    headers = _api(client, community_worker)
    day = timezone.localdate()
    body = {
        "person_id": ms_cai.pk,
        "kind": "medicine",
        "assignee_id": volunteer.pk,
        "recurrence": "weekly",
        "starts_on": day.isoformat(),
        "occurrences": 4,
    }
    created = client.post("/api/v1/tasks", body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    task = created.json()
    assert len(task["schedule"]) == 4 and task["assignee_id"] == volunteer.pk
    too_many = client.post(
        "/api/v1/tasks", {**body, "occurrences": 500}, content_type="application/json", **headers
    )
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["field"] == "occurrences"
    listed = client.get("/api/v1/tasks", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == task["id"]
    assert client.get(f"/api/v1/tasks/{task['id']}", **headers).status_code == 200
    stranger = _api(client, outsider)
    assert client.get(f"/api/v1/tasks/{task['id']}", **stranger).status_code == 404
    assert client.get("/api/v1/tasks", **stranger).json()["count"] == 0
    denied = client.post("/api/v1/tasks", body, content_type="application/json", **stranger)
    assert denied.status_code == 404


def test_it_lists_tasks_through_the_api_in_fixed_queries(
    client, community_worker, volunteer, ms_cai, django_assert_max_num_queries
):
    headers = _api(client, community_worker)
    vheaders = _api(client, volunteer)
    _task(community_worker, ms_cai, days=2, assignee=volunteer)
    client.get("/api/v1/tasks", **headers)
    with django_assert_max_num_queries(6) as staff_few:
        client.get("/api/v1/tasks", **headers)
    with django_assert_max_num_queries(6) as vol_few:
        client.get("/api/v1/tasks", **vheaders)
    for i in range(19):
        _task(community_worker, make_person(name=f"吴{i}"), days=2, assignee=volunteer)
    with django_assert_max_num_queries(len(staff_few.captured_queries)):
        assert client.get("/api/v1/tasks", **headers).json()["count"] == 20
    with django_assert_max_num_queries(len(vol_few.captured_queries)):
        assert client.get("/api/v1/tasks", **vheaders).json()["count"] == 40


def test_it_takes_the_task_and_helper_from_a_visit_sent_through_the_api(
    client, grid_worker, volunteer, ms_cai
):
    headers = _api(client, grid_worker)
    response = client.post(
        "/api/v1/visits",
        {
            "person_id": ms_cai.pk,
            "visited_on": timezone.localdate().isoformat(),
            "method": "home",
            "with_whom": "grid_worker",
            "outcome": "met",
            "findings": [
                {
                    "kind": "follow_up",
                    "text": "倒垃圾",
                    "follow_up_kind": "service_task",
                    "task_kind": "rubbish",
                    "repeat_days": 7,
                    "assignee": volunteer.pk,
                }
            ],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    task = ms_cai.service_tasks.get()
    assert (task.kind, task.assignee, task.occurrence_set.count()) == ("rubbish", volunteer, 7)
