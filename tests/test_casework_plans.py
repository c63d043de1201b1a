"""Care plans: sessions expanded as duties, recording (and who may), cancelling, closing,
missed sessions as blind spots, pages and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.models import CareSession, OccurrenceStatus, PlanStatus
from nuanxin.casework.selectors.care_plans import SessionDuties
from nuanxin.casework.services import care_plans as services
from nuanxin.core import duties
from tests.factories import make_person


def _plan(user, person, *, responsible, start=None, sessions=12, recurrence="weekly", **kw):
    return services.care_plan_create(
        user=user,
        person_id=person.pk,
        kind=kw.pop("kind", "psychological"),
        goals=kw.pop("goals", "缓解孤独感，重建社会联系"),
        measures="每周一次心理疏导",
        responsible=responsible,
        starts_on=start or timezone.localdate(),
        recurrence=recurrence,
        sessions=sessions,
        **kw,
    )


def test_it_expands_the_sessions_and_sets_the_review_a_week_after_the_last(social_worker, ms_cai):
    start = dt.date(2026, 1, 5)
    plan = _plan(social_worker, ms_cai, responsible=[social_worker], start=start)
    sessions = list(plan.session_set.order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 13))
    assert [s.due_on for s in sessions] == [start + dt.timedelta(weeks=i) for i in range(12)]
    assert plan.review_on == start + dt.timedelta(weeks=11, days=7)
    assert list(plan.responsible.all()) == [social_worker]
    daily = _plan(
        social_worker, ms_cai, responsible=[social_worker], recurrence="daily", sessions=3
    )
    assert daily.session_set.count() == 3


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"goals": "  "}, "goals"),
        ({"kind": "magic"}, "kind"),
        ({"sessions": 400}, "sessions"),
        ({"sessions": 0}, "sessions"),
    ],
)
def test_it_refuses_a_bad_plan(social_worker, ms_cai, options, field):
    with pytest.raises(ValidationError) as err, translation.override("en"):
        _plan(social_worker, ms_cai, responsible=[social_worker], **options)
    assert field in err.value.message_dict


def test_it_wants_responsible_workers_of_the_persons_area(
    social_worker, volunteer, outsider, ms_cai
):
    for workers in ([], [outsider], [volunteer]):
        with pytest.raises(ValidationError) as err:
            _plan(social_worker, ms_cai, responsible=workers)
        assert "responsible" in err.value.message_dict


def test_it_lets_only_staff_who_may_change_make_a_plan(
    inspector, volunteer, outsider, social_worker, ms_cai
):
    # In sight but read-only: 403; out of sight: 404, as if she did not exist.
    for user, refused in ((inspector, PermissionDenied), (volunteer, Http404), (outsider, Http404)):
        with pytest.raises(refused):
            _plan(user, ms_cai, responsible=[social_worker])


def test_it_gives_the_responsible_worker_a_session_duty_each_week_for_12_weeks(
    social_worker, community_worker, grid_worker, outsider, ms_cai
):
    start = timezone.localdate()
    plan = _plan(community_worker, ms_cai, responsible=[social_worker], start=start)
    source = SessionDuties()
    for week in range(12):
        day = start + dt.timedelta(weeks=week)
        due = source.due(user=social_worker, today=day, until=day)
        assert [d.due_on for d in due] == [day], week
        assert f"{week + 1}" in due[0].label
        assert due[0].phone == ms_cai.phone
        session = plan.session_set.get(number=week + 1)
        # Held that week (the service refuses future dates, so set it directly).
        CareSession.objects.filter(pk=session.pk).update(status=OccurrenceStatus.DONE)
    assert source.due(user=social_worker, today=start, until=start + dt.timedelta(weeks=13)) == []
    # Staff of the area see the sessions too; outsiders do not.
    plan2 = _plan(community_worker, ms_cai, responsible=[social_worker], sessions=2)
    assert len(source.due(user=community_worker, today=start, until=start)) == 1
    assert source.due(user=outsider, today=start, until=start + dt.timedelta(weeks=2)) == []
    assert plan2.session_set.count() == 2


def test_it_records_a_session_by_a_responsible_worker_or_staff(
    social_worker, community_worker, inspector, volunteer, outsider, ms_cai
):
    today = timezone.localdate()
    plan = _plan(community_worker, ms_cai, responsible=[social_worker], start=today)
    first, second = plan.session_set.order_by("number")[:2]
    for user, refused in ((inspector, PermissionDenied), (volunteer, Http404), (outsider, Http404)):
        with pytest.raises(refused):
            services.care_session_record(
                user=user, session_id=first.pk, held_on=today, mode="online"
            )
    held = services.care_session_record(
        user=social_worker, session_id=first.pk, held_on=today, mode="online", notes="视频疏导"
    )
    assert held.status == OccurrenceStatus.DONE and held.mode == "online"
    assert held.held_by == social_worker
    services.care_session_record(
        user=community_worker, session_id=second.pk, held_on=today, mode="phone"
    )
    with pytest.raises(ValidationError):
        services.care_session_record(
            user=social_worker,
            session_id=first.pk,
            held_on=today + dt.timedelta(days=1),
            mode="in_person",
        )
    with pytest.raises(ValidationError):
        services.care_session_record(
            user=social_worker, session_id=first.pk, held_on=today, mode="telepathy"
        )


def test_it_cancels_a_session_and_closes_the_plan(social_worker, community_worker, ms_cai):
    today = timezone.localdate()
    plan = _plan(community_worker, ms_cai, responsible=[social_worker], start=today)
    sessions = list(plan.session_set.order_by("number"))
    services.care_session_record(
        user=social_worker, session_id=sessions[0].pk, held_on=today, mode="in_person"
    )
    services.care_session_cancel(user=social_worker, session_id=sessions[1].pk, reason="住院")
    with pytest.raises(ValidationError):
        services.care_session_cancel(user=social_worker, session_id=sessions[1].pk)
    with pytest.raises(ValidationError):
        services.care_session_record(
            user=social_worker, session_id=sessions[1].pk, held_on=today, mode="phone"
        )
    with pytest.raises(ValidationError):
        services.care_plan_close(user=community_worker, plan_id=plan.pk, outcome="")
    with pytest.raises(Http404):
        services.care_plan_close(user=_nobody(), plan_id=plan.pk, outcome="x")
    closed = services.care_plan_close(
        user=community_worker, plan_id=plan.pk, outcome="情绪稳定，已恢复社区活动"
    )
    assert closed.status == PlanStatus.CLOSED and closed.closed_on == today
    statuses = list(plan.session_set.order_by("number").values_list("status", flat=True))
    assert statuses[0] == "done" and set(statuses[1:]) == {"cancelled"}
    with pytest.raises(ValidationError):
        services.care_plan_close(user=community_worker, plan_id=plan.pk, outcome="again")
    with pytest.raises(ValidationError):
        services.care_session_record(
            user=social_worker, session_id=sessions[0].pk, held_on=today, mode="phone"
        )


def _nobody():
    """A user with no reach at all (an anonymous stand-in)."""
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_it_puts_a_missed_session_on_the_blind_spot_report(
    client, social_worker, community_worker, ms_cai
):
    today = timezone.localdate()
    plan = _plan(
        community_worker,
        ms_cai,
        responsible=[social_worker],
        start=today - dt.timedelta(days=8),
        sessions=3,
    )
    late = [
        d
        for d in duties.blind_spots(user=community_worker, today=today)
        if d.kind == "care_session"
    ]
    assert [d.due_on for d in late] == [today - dt.timedelta(days=8), today - dt.timedelta(days=1)]
    client.force_login(community_worker)
    html = client.get("/blind-spots/").content.decode()
    assert html.count('data-duty="care_session"') == 2
    services.care_plan_close(user=community_worker, plan_id=plan.pk, outcome="转介")
    assert not [
        d
        for d in duties.blind_spots(user=community_worker, today=today)
        if d.kind == "care_session"
    ]


def test_it_answers_session_duties_in_one_query(
    social_worker, community_worker, ms_cai, django_assert_num_queries
):
    today = timezone.localdate()
    _plan(community_worker, ms_cai, responsible=[social_worker], sessions=1)
    source = SessionDuties()
    source.due(user=social_worker, today=today, until=today)
    with django_assert_num_queries(1):
        assert len(source.due(user=social_worker, today=today, until=today)) == 1
    for i in range(19):
        _plan(community_worker, make_person(name=f"郑{i}"), responsible=[social_worker], sessions=1)
    with django_assert_num_queries(1):
        assert len(source.due(user=social_worker, today=today, until=today)) == 20


# --- pages ---------------------------------------------------------------------------------


def test_it_makes_a_plan_through_the_page(client, social_worker, community_worker, ms_cai):
    client.force_login(social_worker)
    form = client.get(f"/care-plans/new/{ms_cai.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200 and "Responsible workers" in form.content.decode()
    start = timezone.localdate()
    response = client.post(
        f"/care-plans/new/{ms_cai.pk}/",
        {
            "kind": "psychological",
            "goals": "缓解焦虑",
            "measures": "每周面谈",
            "responsible": [social_worker.pk, community_worker.pk],
            "starts_on": start,
            "recurrence": "weekly",
            "sessions": 12,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = ms_cai.care_plans.get()
    assert plan.session_set.count() == 12
    assert set(plan.responsible.all()) == {social_worker, community_worker}
    missing = client.post(f"/care-plans/new/{ms_cai.pk}/", {"kind": "psychological"})
    assert missing.status_code == 200


def test_it_records_and_closes_through_the_pages(
    client, social_worker, community_worker, inspector, ms_cai, django_assert_max_num_queries
):
    today = timezone.localdate()
    plan = _plan(community_worker, ms_cai, responsible=[social_worker], start=today)
    first = plan.session_set.get(number=1)
    client.force_login(inspector)
    assert client.get(f"/care-plans/{plan.pk}/").status_code == 200
    assert (
        "Save session"
        not in client.get(
            f"/care-plans/sessions/{first.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    assert (
        client.post(f"/care-plans/sessions/{first.pk}/", {"held_on": today, "mode": "phone"})
    ).status_code == 403
    client.force_login(social_worker)
    client.get(f"/care-plans/{plan.pk}/")
    with django_assert_max_num_queries(12):
        page = client.get(f"/care-plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Record session 1" in page
    r = client.post(
        f"/care-plans/sessions/{first.pk}/",
        {"held_on": today, "mode": "online", "notes": "线上面谈"},
    )
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.status == "done" and first.notes == "线上面谈"
    r = client.post(
        f"/care-plans/{plan.pk}/", {"action": "close", "outcome": "目标达成", "closed_on": today}
    )
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "closed"
    assert plan.session_set.filter(status="cancelled").count() == 11


# --- API ------------------------------------------------------------------------------------


def test_it_makes_reads_and_records_plans_through_the_api(client, social_worker, outsider, ms_cai):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=social_worker)}"}
    today = timezone.localdate()
    created = client.post(
        "/api/v1/care-plans",
        {
            "person_id": ms_cai.pk,
            "kind": "home_service",
            "goals": "生活照料",
            "responsible": [social_worker.pk],
            "starts_on": today.isoformat(),
            "sessions": 12,
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert len(plan["schedule"]) == 12
    assert plan["review_on"] == (today + dt.timedelta(weeks=11, days=7)).isoformat()
    session_id = plan["schedule"][0]["id"]
    recorded = client.post(
        f"/api/v1/care-plans/sessions/{session_id}",
        {"held_on": today.isoformat(), "mode": "phone", "notes": "电话回访"},
        content_type="application/json",
        **headers,
    )
    assert recorded.status_code == 200
    assert recorded.json()["schedule"][0]["status"] == "done"
    assert client.get(f"/api/v1/care-plans/{plan['id']}", **headers).status_code == 200
    stranger = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=outsider)}"}
    assert client.get(f"/api/v1/care-plans/{plan['id']}", **stranger).status_code == 404
