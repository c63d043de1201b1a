"""S6: Xiao Zhou and the 24 departments — pairings, coverage, and what a partner may see."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.care import selectors
from nuanxin.care.models import PairingActivity
from nuanxin.directory.models import Organisation
from nuanxin.directory.services import organisation_account_add
from nuanxin.registry.services import contact_add
from nuanxin.visits.models import Visit
from tests.factories import make_person, make_user

XINDU = "510114000000"
QUSHUI_GRID = "510114110201"  # 曲水村


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _orphan(name: str, *, age: int, region: str = QUSHUI_GRID):
    today = timezone.localdate()
    return make_person(
        name=name,
        region=region,
        birth=today.replace(year=today.year - age) - dt.timedelta(days=40),
        female=False,
        categories=["orphan_scattered"],
    )


@pytest.fixture
def xindu_officer(places):
    return make_user("xindu_officer", "district_officer", XINDU)


@pytest.fixture
def xiao_zhou(places, xindu_officer):
    """14, a scattered orphan raised by his grandparents (his guardians)."""
    person = _orphan("周晓宇", age=14)
    contact_add(
        user=xindu_officer,
        person=person,
        name="周建国",
        relation="祖父",
        phone="13980010004",
        is_guardian=True,
    )
    contact_add(
        user=xindu_officer,
        person=person,
        name="刘秀英",
        relation="祖母",
        phone="13980010005",
        is_guardian=True,
    )
    return person


def test_it_plays_s6_the_24_departments_and_xiao_zhou(client, xindu_officer, xiao_zhou):
    officer = api(xindu_officer)
    orphans = [xiao_zhou] + [_orphan(f"孤儿{i:02d}", age=6 + i % 10) for i in range(1, 24)]
    # The district registers its 24 departments as partner organisations.
    partners = []
    for i in range(24):
        response = post(
            officer,
            "/api/v1/partners",
            {"name": f"新都区第{i + 1}部门", "kind": "department", "region": XINDU},
        )
        assert response.status_code == 201, response.json()
        partners.append(response.json()["id"])
    coverage = officer.get("/api/v1/pairing-coverage", {"region": XINDU}).json()
    assert (coverage["eligible"], coverage["paired"], len(coverage["unpaired"])) == (24, 0, 24)
    # Paired one-to-one; the last one is not yet: the coverage lists him.
    for partner_id, child in zip(partners[:23], orphans[:23], strict=True):
        body = {"partner_id": partner_id, "person_id": child.pk}
        if child == xiao_zhou:
            body |= {"school": "新繁中学", "grade": "初二"}
        response = post(officer, "/api/v1/pairings", body)
        assert response.status_code == 201, response.json()
    coverage = officer.get("/api/v1/pairing-coverage", {"region": XINDU}).json()
    assert coverage == {
        "region": XINDU,
        "eligible": 24,
        "paired": 23,
        "unpaired": [{"person_id": orphans[23].pk, "name": orphans[23].name}],
    }
    # A second partner for a paired child is refused.
    response = post(
        officer, "/api/v1/pairings", {"partner_id": partners[23], "person_id": xiao_zhou.pk}
    )
    assert response.status_code == 422
    post(officer, "/api/v1/pairings", {"partner_id": partners[23], "person_id": orphans[23].pk})
    client.force_login(xindu_officer)
    page = client.get("/care/pairing-coverage/", {"region": XINDU})
    assert (page.context["c"].eligible, page.context["c"].paired, page.context["c"].unpaired) == (
        24,
        24,
        [],
    )

    # Xiao Zhou's partner department's contact logs in.
    department = Organisation.objects.get(pk=partners[0])
    contact = make_user("xindu_partner", "partner_contact", XINDU)
    organisation_account_add(user=xindu_officer, organisation=department, account=contact)
    partner = api(contact)
    people = partner.get("/api/v1/persons").json()
    assert people["count"] == 1
    [row] = people["items"]
    assert (row["id"], row["name"], row["age"], row["school"], row["grade"]) == (
        xiao_zhou.pk,
        "周晓宇",
        14,
        "新繁中学",
        "初二",
    )
    assert (row["guardian_name"], row["guardian_phone"]) == ("周建国", "13980010004")
    assert (row["categories"], row["id_number"], row["tier"], row["birth_date"]) == (
        [],
        None,
        None,
        None,
    )
    # A visit and a counselling session, on the phone-sized page.
    client.force_login(contact)
    pairing_id = selectors.pairing_list(user=contact)[0].pk
    page = client.get("/care/pairings/")
    assert [c.name for c in page.context["children"]] == ["周晓宇"]
    url = f"/care/pairings/{pairing_id}/activity/"
    today = timezone.localdate().isoformat()
    for kind in ("visit", "counselling"):
        response = client.post(
            url, {"kind": kind, "held_on": today, "outcome": "met", "note": "聊学习"}
        )
        assert response.status_code == 302
    assert sorted(PairingActivity.objects.values_list("kind", flat=True)) == [
        "counselling",
        "visit",
    ]
    visit = Visit.objects.get(person=xiao_zhou)
    assert (visit.method, visit.with_whom, visit.recorded_by_id) == (
        "partner",
        "pairing_partner",
        contact.pk,
    )
    # Nothing of any other child: 404 everywhere, and no forbidden field in any answer.
    other = orphans[1]
    other_pairing = selectors.pairing_list(user=xindu_officer).get(person=other).pk
    forbidden = [other.name, other.id_number, xiao_zhou.id_number, "orphan_scattered", "散居孤儿"]
    answers = [
        partner.get(f"/api/v1/persons/{other.pk}"),
        partner.get(f"/api/v1/persons/{other.pk}/timeline"),
        post(
            partner,
            f"/api/v1/pairings/{other_pairing}/activities",
            {"kind": "gifts", "held_on": today},
        ),
        client.get(f"/care/pairings/{other_pairing}/activity/"),
        client.get(f"/people/{other.pk}/"),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 404, 404]
    for answer in [*answers, partner.get("/api/v1/persons"), partner.get("/api/v1/pairings")]:
        text = answer.content.decode()
        for secret in forbidden:
            assert secret not in text
    detail = partner.get(f"/api/v1/persons/{xiao_zhou.pk}").json()
    assert set(detail) >= {"name", "age", "school", "guardian_name", "guardian_phone"}
    assert "categories" not in detail and "id_number" not in detail
    assert json.dumps(detail, ensure_ascii=False).count("周晓宇") == 1


@pytest.mark.parametrize("n", [2, 12])
def test_it_counts_coverage_in_a_fixed_number_of_queries(
    xindu_officer, places, django_assert_max_num_queries, n
):
    for i in range(n):
        _orphan(f"孩子{i}", age=8)
    officer = api(xindu_officer)
    with django_assert_max_num_queries(7):
        body = officer.get("/api/v1/pairing-coverage", {"region": XINDU}).json()
    assert (body["eligible"], body["paired"]) == (n, 0)


def test_it_makes_an_unpaired_orphan_a_duty_then_a_blind_spot(xindu_officer, places):
    child = _orphan("小李", age=9)
    today = timezone.localdate()
    source = selectors.PairingDuties()
    # Enrolled today: due a partner within 30 days, not yet late.
    assert [
        d.person_id
        for d in source.due(user=xindu_officer, today=today, until=today + dt.timedelta(days=30))
    ] == [child.pk]
    assert source.overdue(user=xindu_officer, today=today) == []
    later = today + dt.timedelta(days=31)
    assert [d.person_id for d in source.overdue(user=xindu_officer, today=later)] == [child.pk]
