"""Needs assessments (需求评估): versioning, assessors, the tier rule fed by the latest one, pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nuanxin.audit.models import AuditEvent
from nuanxin.casework.models import AdlItem, Assessment
from nuanxin.casework.services.assessments import adl_dependent_count, assessment_create
from nuanxin.registry.models import Person
from nuanxin.visits import rules
from nuanxin.visits.models import TierRule, VisitSchedule
from tests.factories import make_person

TODAY = dt.date(2026, 11, 20)


def _adl(dependent: int = 0) -> dict:
    """The first `dependent` items need help, the rest are independent."""
    return {
        item: ("dependent" if i < dependent else "independent")
        for i, item in enumerate(AdlItem.values)
    }


def _assess(user, person, *, assessors=None, dependent=0, loneliness="", **extra):
    return assessment_create(
        user=user,
        person=person,
        assessed_on=extra.pop("assessed_on", timezone.localdate()),
        assessors=[user] if assessors is None else assessors,
        adl=extra.pop("adl", None) or _adl(dependent),
        loneliness=loneliness,
        summary=extra.pop("summary", "独居，需要关注"),
        **extra,
    )


def test_it_counts_the_activities_that_are_not_independent():
    adl = {**_adl(0), "bathing": "needs_help", "toileting": "dependent"}
    assert adl_dependent_count(adl) == 2
    assert adl_dependent_count(_adl(6)) == 6


def test_it_numbers_versions_per_person_and_audits(social_worker, ms_cai, grid2_person):
    first = _assess(social_worker, ms_cai)
    second = _assess(social_worker, ms_cai, dependent=3, loneliness="some")
    other = _assess(social_worker, grid2_person)
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert second.adl_dependent == 3
    assert second.region_id == ms_cai.region_id
    assert (
        AuditEvent.objects.filter(object_type="casework.assessment", action="create").count() == 3
    )


def test_it_needs_every_adl_item_and_a_summary(social_worker, ms_cai):
    adl = _adl(0)
    adl.pop("feeding")
    with pytest.raises(ValidationError) as exc:
        _assess(social_worker, ms_cai, adl=adl)
    assert "adl" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _assess(social_worker, ms_cai, summary=" ")
    assert "summary" in exc.value.message_dict
    assert not Assessment.objects.exists()


def test_it_accepts_only_staff_of_the_area_as_assessors(
    social_worker, community_worker, volunteer, outsider, ms_cai
):
    both = _assess(social_worker, ms_cai, assessors=[social_worker, community_worker])
    assert set(both.assessors.all()) == {social_worker, community_worker}
    for wrong in (volunteer, outsider):
        with pytest.raises(ValidationError) as exc:
            _assess(social_worker, ms_cai, assessors=[wrong])
        assert "assessors" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _assess(social_worker, ms_cai, assessors=[])


def test_it_checks_scope_before_writing(inspector, outsider, volunteer, ms_cai, social_worker):
    with pytest.raises(PermissionDenied):  # may see her, may not write
        _assess(inspector, ms_cai, assessors=[social_worker])
    for user in (outsider, volunteer):
        with pytest.raises(Http404):
            _assess(user, ms_cai, assessors=[social_worker])


def test_it_links_only_a_help_request_of_the_same_person(social_worker, ms_cai, grid2_person):
    from nuanxin.casework.services.requests import request_create

    hers = request_create(
        user=social_worker,
        source="hotline",
        need_type="psychological",
        description="情绪低落",
        person_id=ms_cai.pk,
    )
    assert _assess(social_worker, ms_cai, help_request=hers).help_request == hers
    with pytest.raises(ValidationError) as exc:
        _assess(social_worker, grid2_person, help_request=hers)
    assert "help_request" in exc.value.message_dict


# --- the tier rules -------------------------------------------------------------------


def test_it_matches_the_assessment_conditions_only_on_an_assessed_person():
    facts = rules.Facts(
        categories=set(),
        age=80,
        living="alone",
        self_care="self",
        severe_disability=False,
        has_guardian=False,
        has_carer=False,
    )
    assert not rules.rule_matches({"min_adl_dependent": 0}, facts)
    assert not rules.rule_matches({"loneliness": ["severe"]}, facts)
    facts.adl_dependent, facts.loneliness = 4, "severe"
    assert rules.rule_matches({"min_adl_dependent": 4, "loneliness": ["severe", "some"]}, facts)
    assert not rules.rule_matches({"min_adl_dependent": 5}, facts)
    facts.loneliness = "some"
    assert not rules.rule_matches({"loneliness": ["severe"]}, facts)


def test_it_rejects_unknown_conditions_but_knows_the_new_ones(db):
    rule = TierRule(
        name="x", tier="red", conditions={"min_adl_dependent": 4, "loneliness": ["severe"]}
    )
    rule.full_clean()
    rule.conditions = {"lonely": True}
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_it_raises_the_tier_when_the_latest_assessment_meets_a_rule(social_worker, ms_cai):
    TierRule.objects.create(
        name="评估：严重孤独", tier="red", conditions={"loneliness": ["severe"]}, position=0
    )
    TierRule.objects.create(
        name="评估：失能", tier="red", conditions={"min_adl_dependent": 4}, position=0
    )
    before = Person.objects.get(pk=ms_cai.pk).tier
    assert before != "red"
    _assess(social_worker, ms_cai, loneliness="some", dependent=1)
    assert Person.objects.get(pk=ms_cai.pk).tier == before
    _assess(social_worker, ms_cai, loneliness="severe")
    assert Person.objects.get(pk=ms_cai.pk).tier == "red"
    assert "严重孤独" in VisitSchedule.objects.get(person=ms_cai).tier_why
    # The latest version counts: she is less lonely now, but four activities need help.
    _assess(social_worker, ms_cai, loneliness="none", dependent=4)
    schedule = VisitSchedule.objects.get(person=ms_cai)
    assert schedule.tier == "red" and "失能" in schedule.tier_why
    _assess(social_worker, ms_cai, loneliness="none", dependent=0)
    assert Person.objects.get(pk=ms_cai.pk).tier == before


def test_it_loads_assessments_in_bulk_when_refreshing(
    social_worker, places, django_assert_max_num_queries
):
    from nuanxin.visits.derive import schedules_refresh

    people = [make_person(name=f"老人{i}", categories=["elderly_alone"]) for i in range(3)]
    for person in people:
        _assess(social_worker, person, loneliness="severe")
    with django_assert_max_num_queries(30) as few:
        schedules_refresh(person_ids=[p.pk for p in people[:1]])
    more = [make_person(name=f"老人b{i}", categories=["elderly_alone"]) for i in range(12)]
    for person in more:
        _assess(social_worker, person, dependent=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        schedules_refresh(person_ids=[p.pk for p in people + more])


# --- pages ----------------------------------------------------------------------------


def _form(**over):
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "loneliness": "severe",
        "summary": "独居，视力差，孤独",
        "psychological": "退缩",
        **{f"adl_{item}": "independent" for item in AdlItem.values},
    }
    data.update(over)
    return data


def test_it_records_an_assessment_from_the_page(client, social_worker, community_worker, ms_cai):
    client.force_login(social_worker)
    url = reverse("casework:assessment_new", args=[ms_cai.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "hemei_worker" in page.content.decode()  # offered as a co-assessor
    response = client.post(
        url, _form(assessors=[social_worker.pk, community_worker.pk], adl_bathing="needs_help")
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.adl_dependent == 1 and assessment.loneliness == "severe"
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "独居，视力差，孤独" in detail.content.decode()


def test_it_shows_errors_next_to_the_fields(client, social_worker, ms_cai):
    client.force_login(social_worker)
    url = reverse("casework:assessment_new", args=[ms_cai.pk])
    response = client.post(
        url, _form(summary="", assessors=[social_worker.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not Assessment.objects.exists()


def test_it_highlights_what_changed_since_the_previous_version(client, social_worker, ms_cai):
    _assess(social_worker, ms_cai, loneliness="some")
    second = _assess(social_worker, ms_cai, loneliness="severe", dependent=1)
    client.force_login(social_worker)
    body = client.get(reverse("casework:assessment_detail", args=[second.pk])).content.decode()
    assert body.count("table-warning") == 1  # feeding
    assert "bg-warning-subtle" in body  # loneliness


def test_it_lists_a_persons_versions_in_fixed_queries(
    client, social_worker, ms_cai, django_assert_max_num_queries
):
    client.force_login(social_worker)
    url = reverse("casework:assessment_list", args=[ms_cai.pk])
    _assess(social_worker, ms_cai)
    with django_assert_max_num_queries(12) as one:
        assert client.get(url).status_code == 200
    for _i in range(19):
        _assess(social_worker, ms_cai)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert "v20" in body


def test_it_answers_404_to_outsiders_and_403_to_readers_on_the_new_page(
    client, outsider, inspector, ms_cai
):
    for user, status in ((outsider, 404), (inspector, 403)):
        client.force_login(user)
        url = reverse("casework:assessment_new", args=[ms_cai.pk])
        assert client.get(url).status_code == status


def test_it_serves_the_assessment_api(client, social_worker, ms_cai, outsider):
    from nuanxin.accounts.services import api_token_create as token_create

    token = token_create(user=social_worker)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "person_id": ms_cai.pk,
        "assessed_on": timezone.localdate().isoformat(),
        "assessor_ids": [social_worker.pk],
        "adl": _adl(2),
        "loneliness": "severe",
        "summary": "孤独",
    }
    created = client.post("/api/v1/assessments", body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1 and created.json()["adl_dependent"] == 2
    listed = client.get(f"/api/v1/persons/{ms_cai.pk}/assessments", **headers)
    assert [a["version"] for a in listed.json()] == [1]
    one = client.get(f"/api/v1/assessments/{created.json()['id']}", **headers)
    assert one.json()["loneliness"] == "severe"
    bad = client.post(
        "/api/v1/assessments", {**body, "adl": {}}, content_type="application/json", **headers
    )
    assert bad.status_code == 422
    out_headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=outsider)}"}
    assert (
        client.get(f"/api/v1/assessments/{created.json()['id']}", **out_headers).status_code == 404
    )
