"""Referrals (转介): the state machine, who records each step, the provider's own
restricted view, overdue referrals as duties, pages, API, and story S8's middle."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.audit.models import AuditEvent
from nuanxin.casework.models import Referral
from nuanxin.casework.models import ReferralStatus as S
from nuanxin.casework.selectors import referrals as selectors
from nuanxin.casework.services import referrals as services
from nuanxin.core import duties
from nuanxin.directory.services import provider_account_add, provider_create, provider_update
from nuanxin.registry.models import Person
from tests.factories import make_user

CHENGHUA = "510108000000"
JINJIANG = "510104000000"
TODAY = timezone.localdate


@pytest.fixture
def repair(city_admin):
    return provider_create(
        user=city_admin, name="成华维修服务中心", kind="repair", service_area=[CHENGHUA]
    )


@pytest.fixture
def other_provider(city_admin):
    return provider_create(user=city_admin, name="全市燃气公司", kind="gas")


@pytest.fixture
def provider_user(city_admin, partner_contact, repair):
    """The repair centre's own account (a partner contact)."""
    provider_account_add(user=city_admin, provider=repair, account=partner_contact)
    return partner_contact


def _refer(user, person, provider, *, due_in=3, sent_on=None, **extra):
    sent_on = sent_on or TODAY()
    return services.referral_create(
        user=user,
        person=person,
        provider=provider,
        asked=extra.pop("asked", "燃气热水器不能点火，请上门维修"),
        sent_on=sent_on,
        due_on=sent_on + dt.timedelta(days=due_in),
        **extra,
    )


# --- the state machine ------------------------------------------------------------------

STEPS = {
    S.ACCEPTED: lambda user, r: services.referral_accept(user=user, referral=r),
    S.DECLINED: lambda user, r: services.referral_decline(user=user, referral=r, reason="太远"),
    S.COMPLETED: lambda user, r: services.referral_complete(
        user=user, referral=r, outcome="已修好"
    ),
    S.CANCELLED: lambda user, r: services.referral_cancel(user=user, referral=r, reason="家属已修"),
}
PATHS = {S.SENT: [], S.ACCEPTED: [S.ACCEPTED], S.COMPLETED: [S.ACCEPTED, S.COMPLETED]}
PATHS |= {S.DECLINED: [S.DECLINED], S.CANCELLED: [S.CANCELLED]}
ALLOWED = sorted((a, b) for a, targets in services.TRANSITIONS.items() for b in targets)
FORBIDDEN = [(a, b) for a in S.values for b in STEPS if b not in services.TRANSITIONS[a]]


def _at(user, person, provider, status):
    referral = _refer(user, person, provider)
    for step in PATHS[status]:
        referral = STEPS[step](user, referral)
    return referral


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_it_allows_each_transition(community_worker, ms_cai, repair, start, to):
    referral = STEPS[to](community_worker, _at(community_worker, ms_cai, repair, start))
    referral.refresh_from_db()
    assert referral.status == to
    if to == S.ACCEPTED:
        assert referral.accepted_at is not None
    if to == S.COMPLETED:
        assert referral.completed_at is not None and referral.outcome == "已修好"
    if to == S.DECLINED:
        assert referral.outcome == "太远"


@pytest.mark.parametrize(("start", "to"), FORBIDDEN)
def test_it_refuses_each_forbidden_transition(community_worker, ms_cai, repair, start, to):
    referral = _at(community_worker, ms_cai, repair, start)
    with pytest.raises(ValidationError) as exc:
        STEPS[to](community_worker, referral)
    assert "status" in exc.value.message_dict
    referral.refresh_from_db()
    assert referral.status == start


def test_it_needs_a_reason_to_decline_and_an_outcome_to_complete(community_worker, ms_cai, repair):
    referral = _refer(community_worker, ms_cai, repair)
    with pytest.raises(ValidationError):
        services.referral_decline(user=community_worker, referral=referral, reason=" ")
    services.referral_accept(user=community_worker, referral=referral)
    with pytest.raises(ValidationError):
        services.referral_complete(user=community_worker, referral=referral, outcome="")


def test_it_audits_every_step(community_worker, ms_cai, repair):
    referral = _at(community_worker, ms_cai, repair, S.COMPLETED)
    events = AuditEvent.objects.filter(object_type="casework.referral", object_id=str(referral.pk))
    assert sorted(events.values_list("action", flat=True)) == ["create", "update", "update"]


# --- creating ---------------------------------------------------------------------------


def test_it_refers_only_to_an_active_provider_serving_the_area(
    city_admin, community_worker, ms_cai, repair, jinjiang_person
):
    jinjiang_only = provider_create(
        user=city_admin, name="锦江维修", kind="repair", service_area=[JINJIANG]
    )
    with pytest.raises(ValidationError) as exc:
        _refer(community_worker, ms_cai, jinjiang_only)
    assert "provider" in exc.value.message_dict
    provider_update(user=city_admin, provider=repair, active=False)
    with pytest.raises(ValidationError) as exc:
        _refer(community_worker, ms_cai, repair)
    assert "provider" in exc.value.message_dict


def test_it_refuses_a_due_date_before_the_date_sent(community_worker, ms_cai, repair):
    with pytest.raises(ValidationError) as exc:
        _refer(community_worker, ms_cai, repair, due_in=-1)
    assert "due_on" in exc.value.message_dict
    assert _refer(community_worker, ms_cai, repair, due_in=0).due_on == TODAY()


def test_it_links_only_a_help_request_of_the_same_person(
    community_worker, ms_cai, grid2_person, repair
):
    from nuanxin.casework.services.requests import request_create

    hers = request_create(
        user=community_worker,
        source="hotline",
        need_type="repairs",
        description="热水器坏了",
        person_id=ms_cai.pk,
    )
    assert _refer(community_worker, ms_cai, repair, help_request=hers).help_request == hers
    with pytest.raises(ValidationError):
        _refer(community_worker, grid2_person, repair, help_request=hers)


def test_it_checks_scope_on_create(inspector, outsider, volunteer, provider_user, ms_cai, repair):
    with pytest.raises(PermissionDenied):
        _refer(inspector, ms_cai, repair)
    for user in (outsider, volunteer, provider_user):
        with pytest.raises(Http404):
            _refer(user, ms_cai, repair)
    assert not Referral.objects.exists()


# --- the provider's own account -----------------------------------------------------------


def test_it_lets_the_provider_account_accept_and_complete_but_not_cancel(
    community_worker, provider_user, ms_cai, repair
):
    referral = _refer(community_worker, ms_cai, repair)
    with pytest.raises(PermissionDenied):
        services.referral_cancel(user=provider_user, referral=referral)
    services.referral_accept(user=provider_user, referral=referral)
    done = services.referral_complete(user=provider_user, referral=referral, outcome="更换点火器")
    assert done.status == S.COMPLETED and done.updated_by == provider_user


def test_it_keeps_another_providers_account_out(
    city_admin, community_worker, provider_user, ms_cai, other_provider
):
    theirs = _refer(community_worker, ms_cai, other_provider)
    assert not selectors.referral_list(user=provider_user).exists()
    with pytest.raises(Http404):
        selectors.referral_get(user=provider_user, pk=theirs.pk)
    with pytest.raises(Http404):
        services.referral_accept(user=provider_user, referral=theirs)


def test_it_shows_the_provider_only_its_referrals_and_what_the_job_needs(
    client, community_worker, provider_user, ms_cai, grid2_person, repair, other_provider
):
    mine = _refer(community_worker, ms_cai, repair)
    _refer(community_worker, grid2_person, other_provider, asked="燃气表检查")
    client.force_login(provider_user)
    listing = client.get(reverse("casework:referral_list")).content.decode()
    assert "蔡阿姨" in listing and "王大爷" not in listing and "燃气表检查" not in listing
    body = client.get(reverse("casework:referral_detail", args=[mine.pk])).content.decode()
    person = Person.objects.get(pk=ms_cai.pk)
    assert person.name in body and person.address in body and person.phone in body
    assert person.id_number not in body and person.id_number[-4:] + "<" not in body
    assert "elderly_alone" not in body and "独居" not in body  # no categories
    assert reverse("registry:person_detail", args=[ms_cai.pk]) not in body
    # The API says the same and no more.
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=provider_user)}"}
    answer = client.get("/api/v1/referrals", **headers).json()
    assert answer["count"] == 1
    item = answer["items"][0]
    assert item["person"] == {
        "id": ms_cai.pk,
        "name": "蔡阿姨",
        "address": person.address,
        "phone": person.phone,
    }
    text = str(answer)
    assert person.id_number not in text and "elderly_alone" not in text and "birth" not in text


def test_it_opens_the_persons_restricted_page_while_a_referral_is_open(
    client, community_worker, provider_user, ms_cai, repair
):
    page = reverse("registry:person_detail", args=[ms_cai.pk])
    client.force_login(provider_user)
    assert client.get(page).status_code == 404
    referral = _refer(community_worker, ms_cai, repair)
    body = client.get(page).content.decode()
    assert "蔡阿姨" in body and Person.objects.get(pk=ms_cai.pk).id_number not in body
    services.referral_accept(user=provider_user, referral=referral)
    assert client.get(page).status_code == 200
    services.referral_complete(user=provider_user, referral=referral, outcome="修好")
    assert client.get(page).status_code == 404


def test_it_records_the_providers_steps_from_the_page(
    client, community_worker, provider_user, ms_cai, repair
):
    referral = _refer(community_worker, ms_cai, repair)
    url = reverse("casework:referral_detail", args=[referral.pk])
    client.force_login(provider_user)
    assert client.post(url, {"step": "accept"}).status_code == 302
    assert client.post(url, {"step": "cancel"}).status_code == 403
    response = client.post(url, {"step": "complete", "outcome": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert client.post(url, {"step": "complete", "outcome": "换了点火针"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.COMPLETED


def test_it_says_why_a_step_is_refused_on_the_page(client, community_worker, ms_cai, repair):
    referral = _at(community_worker, ms_cai, repair, S.COMPLETED)
    client.force_login(community_worker)
    url = reverse("casework:referral_detail", args=[referral.pk])
    response = client.post(url, {"step": "accept"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be" in response.content.decode()


# --- overdue referrals as duties -------------------------------------------------------------


def test_it_puts_overdue_referrals_on_the_worklist_and_blind_spots(
    client, community_worker, outsider, ms_cai, repair
):
    late = _refer(
        community_worker, ms_cai, repair, sent_on=TODAY() - dt.timedelta(days=5), due_in=2
    )
    _refer(community_worker, ms_cai, repair, due_in=30)  # not due this week
    spots = [
        d for d in duties.blind_spots(user=community_worker, today=TODAY()) if d.kind == "referral"
    ]
    assert [(d.person_id, d.due_on) for d in spots] == [(ms_cai.pk, late.due_on)]
    assert spots[0].link == reverse("casework:referral_detail", args=[late.pk])
    assert not [d for d in duties.blind_spots(user=outsider, today=TODAY()) if d.kind == "referral"]
    client.force_login(community_worker)
    worklist = client.get(reverse("visits:worklist"), {"list": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Referral to 成华维修服务中心 overdue" in worklist.content.decode()
    report = client.get(reverse("visits:blind_spots"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Referral to 成华维修服务中心 overdue" in report
    services.referral_accept(user=community_worker, referral=late)
    assert [
        d for d in duties.blind_spots(user=community_worker, today=TODAY()) if d.kind == "referral"
    ]
    services.referral_complete(user=community_worker, referral=late, outcome="修好")
    assert not [
        d for d in duties.blind_spots(user=community_worker, today=TODAY()) if d.kind == "referral"
    ]


# --- lists -----------------------------------------------------------------------------------


def test_it_filters_the_list(
    client, community_worker, ms_cai, grid2_person, repair, other_provider
):
    _refer(community_worker, ms_cai, repair, sent_on=TODAY() - dt.timedelta(days=5), due_in=1)
    accepted = _refer(community_worker, grid2_person, other_provider)
    services.referral_accept(user=community_worker, referral=accepted)
    client.force_login(community_worker)
    url = reverse("casework:referral_list")
    assert "王大爷" not in client.get(url, {"overdue": "1"}).content.decode()
    body = client.get(url, {"status": "accepted"}).content.decode()
    assert "王大爷" in body and "蔡阿姨" not in body
    body = client.get(url, {"provider": repair.pk}).content.decode()
    assert "蔡阿姨" in body and "王大爷" not in body


@pytest.mark.parametrize("who", ["community_worker", "provider_user"])
def test_it_lists_referrals_in_fixed_queries(
    client, request, who, community_worker, ms_cai, repair, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("casework:referral_list")
    api = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}
    _refer(community_worker, ms_cai, repair)
    with django_assert_max_num_queries(20) as page_one:
        client.get(url)
    with django_assert_max_num_queries(20) as api_one:
        client.get("/api/v1/referrals", **api)
    for _i in range(19):
        _refer(community_worker, ms_cai, repair)
    with django_assert_max_num_queries(len(page_one.captured_queries)):
        assert client.get(url).content.decode().count("蔡阿姨") >= 20
    with django_assert_max_num_queries(len(api_one.captured_queries)):
        assert client.get("/api/v1/referrals", **api).json()["count"] == 20


# --- pages and API for workers ----------------------------------------------------------------


def test_it_offers_only_providers_serving_the_person(
    client, city_admin, community_worker, ms_cai, repair
):
    provider_create(user=city_admin, name="锦江维修", kind="repair", service_area=[JINJIANG])
    provider_create(user=city_admin, name="心理服务队", kind="counselling")
    client.force_login(community_worker)
    url = reverse("casework:referral_new", args=[ms_cai.pk])
    body = client.get(url).content.decode()
    assert "成华维修服务中心" in body and "心理服务队" in body and "锦江维修" not in body
    body = client.get(url, {"kind": "repair"}).content.decode()
    assert "成华维修服务中心" in body and "心理服务队" not in body
    response = client.post(
        url,
        {
            "provider": repair.pk,
            "asked": "修热水器",
            "sent_on": TODAY().isoformat(),
            "due_on": (TODAY() + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Referral.objects.get().provider == repair


def test_it_serves_the_referral_api(
    client, community_worker, provider_user, outsider, ms_cai, repair
):
    worker = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=community_worker)}"}
    body = {
        "person_id": ms_cai.pk,
        "provider_id": repair.pk,
        "asked": "修热水器",
        "due_on": (TODAY() + dt.timedelta(days=2)).isoformat(),
    }
    created = client.post("/api/v1/referrals", body, content_type="application/json", **worker)
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    assert created.json()["person"]["phone"] != Person.objects.get(pk=ms_cai.pk).phone  # masked
    bad = client.post(
        "/api/v1/referrals",
        {**body, "due_on": "2000-01-01"},
        content_type="application/json",
        **worker,
    )
    assert bad.status_code == 422
    provider = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=provider_user)}"}
    assert client.post(f"/api/v1/referrals/{rid}/accept", **provider).json()["status"] == "accepted"
    again = client.post(f"/api/v1/referrals/{rid}/accept", **provider)
    assert again.status_code == 422
    done = client.post(
        f"/api/v1/referrals/{rid}/complete",
        {"outcome": "修好"},
        content_type="application/json",
        **provider,
    )
    assert done.json()["status"] == "completed"
    out = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=outsider)}"}
    assert client.get(f"/api/v1/referrals/{rid}", **out).status_code == 404
    assert (
        client.post(
            f"/api/v1/referrals/{rid}/decline",
            {"reason": "x"},
            content_type="application/json",
            **out,
        ).status_code
        == 404
    )


# --- story S8, the middle: assessment, referral, the provider closes it ------------------------


def test_it_plays_s8_assessment_referral_and_the_providers_completion(
    client, city_admin, jinjiang_person
):
    from nuanxin.casework.services.assessments import assessment_create
    from nuanxin.casework.services.requests import request_create

    street = "510104010000"  # 春熙路街道, 李奶奶's street
    wang = make_user("jj_social_wang", "social_worker", street)
    zhao = make_user("jj_social_zhao", "social_worker", street)
    repairer = make_user("jj_repair", "partner_contact", JINJIANG)
    repair_centre = provider_create(
        user=city_admin,
        name="锦江区家电维修服务站",
        kind="repair",
        services="燃气热水器、灶具维修",
        service_area=[JINJIANG],
        contacts=[{"name": "刘师傅", "role": "站长", "phone": "13900005555"}],
    )
    provider_account_add(user=city_admin, provider=repair_centre, account=repairer)
    hotline = request_create(
        user=wang,
        source="hotline",
        need_type="repairs",
        urgency="urgent",
        description="燃气热水器坏了，冬天没有热水",
        person_id=jinjiang_person.pk,
    )
    # The two social workers visit and record a needs assessment.
    assessment = assessment_create(
        user=wang,
        person=jinjiang_person,
        assessed_on=TODAY(),
        assessors=[wang, zhao],
        adl={
            "feeding": "independent",
            "bathing": "needs_help",
            "dressing": "independent",
            "toileting": "independent",
            "transferring": "independent",
            "continence": "independent",
        },
        loneliness="severe",
        psychological="少言寡语，有退缩表现",
        safety="燃气热水器无法点火",
        summary="独居，视力二级残疾，孤独感强；热水器需维修",
        recommendations="转介维修；制定心理关爱方案",
        help_request=hotline,
    )
    assert (assessment.version, assessment.adl_dependent) == (1, 1)
    # They refer the repair to a provider serving 锦江区.
    referral = services.referral_create(
        user=zhao,
        person=jinjiang_person,
        provider=repair_centre,
        asked="燃气热水器不能点火，请上门维修",
        due_on=TODAY() + dt.timedelta(days=1),
        help_request=hotline,
    )
    # The provider's own account sees it, accepts and completes it from the page.
    client.force_login(repairer)
    listing = client.get(reverse("casework:referral_list")).content.decode()
    assert "李奶奶" in listing
    url = reverse("casework:referral_detail", args=[referral.pk])
    body = client.get(url).content.decode()
    assert jinjiang_person.id_number not in body
    assert client.post(url, {"step": "accept"}).status_code == 302
    assert (
        client.post(url, {"step": "complete", "outcome": "更换点火器，已恢复热水"}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == S.COMPLETED and referral.completed_at is not None
    assert referral.help_request == hotline and assessment.help_request == hotline
    # Closed: the provider no longer reaches her page.
    assert (
        client.get(reverse("registry:person_detail", args=[jinjiang_person.pk])).status_code == 404
    )
