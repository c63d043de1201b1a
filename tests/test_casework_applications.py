"""Assistance applications: every status transition, the dates they need, documents, pages, scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nuanxin.audit.models import AuditEvent
from nuanxin.casework.models import Application
from nuanxin.casework.models import ApplicationStatus as S
from nuanxin.casework.services import applications as services

DAY = dt.date(2026, 11, 2)


def _new(user, person, **extra):
    return services.application_create(
        user=user, person=person, scheme=extra.pop("scheme", "dibao"), **extra
    )


def _move(user, application, to):
    extra = {}
    if to == S.SUBMITTED:
        extra = {"submitted_on": DAY}
    if to in (S.APPROVED, S.REFUSED):
        extra = {"decided_on": DAY + dt.timedelta(days=20), "decision": "审批结果"}
    return services.application_update(user=user, application=application, status=to, **extra)


PATHS = {
    S.PREPARING: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.APPROVED: [S.SUBMITTED, S.APPROVED],
    S.REFUSED: [S.SUBMITTED, S.REFUSED],
    S.WITHDRAWN: [S.WITHDRAWN],
}
ALLOWED = sorted((a, b) for a, targets in services.TRANSITIONS.items() for b in targets)
FORBIDDEN = [
    (a, b) for a in S.values for b in S.values if a != b and b not in services.TRANSITIONS[a]
]


def _at(user, person, status):
    application = _new(user, person)
    for step in PATHS[status]:
        application = _move(user, application, step)
    return application


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_it_allows_each_transition(community_worker, ms_cai, start, to):
    application = _move(community_worker, _at(community_worker, ms_cai, start), to)
    application.refresh_from_db()
    assert application.status == to
    if to in (S.APPROVED, S.REFUSED):
        assert application.decided_on and application.decision == "审批结果"


@pytest.mark.parametrize(("start", "to"), FORBIDDEN)
def test_it_refuses_each_forbidden_transition(community_worker, ms_cai, start, to):
    application = _at(community_worker, ms_cai, start)
    with pytest.raises(ValidationError) as exc:
        _move(community_worker, application, to)
    assert "status" in exc.value.message_dict
    application.refresh_from_db()
    assert application.status == start


def test_it_needs_the_dates_and_decision(community_worker, ms_cai):
    application = _new(community_worker, ms_cai)
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            user=community_worker, application=application, status=S.SUBMITTED
        )
    assert "submitted_on" in exc.value.message_dict
    _move(community_worker, application, S.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            user=community_worker, application=application, status=S.APPROVED
        )
    assert {"decided_on", "decision"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            user=community_worker,
            application=application,
            status=S.APPROVED,
            decided_on=DAY - dt.timedelta(days=1),
            decision="批准",
        )
    assert "decided_on" in exc.value.message_dict


def test_it_keeps_documents_as_a_checklist(community_worker, ms_cai):
    application = _new(community_worker, ms_cai, documents=["身份证", "户口簿", " ", "身份证"])
    assert application.documents == ["身份证", "户口簿"]
    services.application_update(
        user=community_worker, application=application, documents=["身份证", "户口簿", "收入证明"]
    )
    application.refresh_from_db()
    assert application.documents == ["身份证", "户口簿", "收入证明"]
    assert AuditEvent.objects.filter(object_type="casework.application").count() == 2


def test_it_offers_common_documents_per_scheme():
    from django.utils import translation

    with translation.override("zh-hans"):
        disability = services.common_documents("disability_living")
        dibao = services.common_documents("dibao")
    assert any("残疾证" in d for d in disability) and not any("残疾证" in d for d in dibao)
    assert any("户口簿" in d for d in dibao)


def test_it_checks_scope(inspector, outsider, volunteer, community_worker, ms_cai):
    with pytest.raises(PermissionDenied):
        _new(inspector, ms_cai)
    for user in (outsider, volunteer):
        with pytest.raises(Http404):
            _new(user, ms_cai)
    application = _new(community_worker, ms_cai)
    with pytest.raises(Http404):
        _move(outsider, application, S.WITHDRAWN)


def test_it_creates_and_updates_from_the_pages(client, community_worker, ms_cai):
    client.force_login(community_worker)
    new = reverse("casework:application_new", args=[ms_cai.pk])
    assert client.get(new, {"scheme": "disability_living"}).status_code == 200
    response = client.post(
        new,
        {"scheme": "dibao", "details": "", "documents": ["身份证"], "other_documents": "租房合同"},
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.documents == ["身份证", "租房合同"]
    detail = response["Location"]
    bad = client.post(
        detail, {"status": "submitted", "documents": ["身份证"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 200 and "Give the date it was submitted." in bad.content.decode()
    ok = client.post(
        detail,
        {
            "status": "submitted",
            "documents": ["身份证", "租房合同"],
            "submitted_on": timezone.localdate().isoformat(),
        },
    )
    assert ok.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_it_lists_with_filters_in_fixed_queries(
    client, community_worker, ms_cai, grid2_person, django_assert_max_num_queries
):
    client.force_login(community_worker)
    url = reverse("casework:application_list")
    _new(community_worker, ms_cai, scheme="temporary")
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for _i in range(19):
        _new(community_worker, grid2_person)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
    body = client.get(url, {"scheme": "temporary"}).content.decode()
    assert "蔡阿姨" in body and "王大爷" not in body
    body = client.get(url, {"status": "submitted"}).content.decode()
    assert "蔡阿姨" not in body
