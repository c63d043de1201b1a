"""S7: entrusted-care agreements, the caregiver's absence, a substitute, the 24-hour rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.care import selectors, services
from nuanxin.care.models import CareAgreement
from nuanxin.registry.services import enrollment_add
from tests.factories import make_person

AGREEMENTS = "/api/v1/care-agreements"
BLIND_SPOTS = "/blind-spots/"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def uncle_zhao(places):
    """A dispersed 特困 man in 和美社区, enrolled a week ago, with nobody caring for him yet."""
    person = make_person(name="赵大爷", region="510108010001001", female=False)
    enrollment_add(
        user=None,
        person=person,
        category="tekun_dispersed",
        source="test",
        start_date=timezone.localdate() - dt.timedelta(days=7),
    )
    return person


def caregiver_spots(client, person) -> list:
    """The caregiver lines for `person` on the blind-spot report, as its page shows them."""
    response = client.get(BLIND_SPOTS)
    assert response.status_code == 200
    return [
        d for d in response.context["others"] if d.kind == "caregiver" and d.person_id == person.pk
    ]


def agreement_form(**extra):
    return {
        "caregiver_kind": "neighbour",
        "caregiver_name": "邻居王姐",
        "caregiver_phone": "13900001111",
        "duties": ["daily_look_in", "meals", "emergency"],
        "care_level": "partly",
        "monthly_fee": "600.50",
        "starts_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        **extra,
    }


def test_it_plays_s7_caregiver_absence_and_the_24_hour_rule(client, street_officer, uncle_zhao):
    client.force_login(street_officer)
    # Without an agreement, the dispersed 特困 person is a blind spot (enrolled a week ago).
    [missing] = caregiver_spots(client, uncle_zhao)
    assert "caregiver" in missing.label.lower() or "特困" in missing.label
    # The officer signs an entrusted-care agreement on the page.
    response = client.post(f"/care/agreements/new/{uncle_zhao.pk}/", agreement_form())
    assert response.status_code == 302, response.context and response.context["form"].errors
    agreement = CareAgreement.objects.get(person=uncle_zhao)
    assert (agreement.monthly_fee_fen, agreement.street_id) == (60050, "510108010000")
    assert agreement.duties == ["daily_look_in", "meals", "emergency"]
    assert caregiver_spots(client, uncle_zhao) == []

    officer = api(street_officer)
    url = f"{AGREEMENTS}/{agreement.pk}"
    detail = officer.get(url).json()
    assert detail["active_caregiver"] == {
        "name": "邻居王姐",
        "phone": "139****1111",
        "substitute": False,
        "uncovered": False,
    }
    # She reports she is ill for 10 days; the officer records the call taken 23 hours ago.
    now = timezone.now()
    absence = {
        "starts_at": (now - dt.timedelta(hours=23)).isoformat(),
        "ends_at": (now + dt.timedelta(days=10)).isoformat(),
        "reason": "生病住院",
        "reported_at": (now - dt.timedelta(hours=23)).isoformat(),
    }
    response = post(officer, f"{url}/absences", absence)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["uncovered_absence"] is True
    # The person is never shown without a caregiver: she stays responsible, marked uncovered.
    assert body["active_caregiver"]["name"] == "邻居王姐"
    assert body["active_caregiver"]["uncovered"] is True
    # 23 hours after the report: a duty on the worklist, not yet a blind spot.
    assert caregiver_spots(client, uncle_zhao) == []
    worklist = officer.get("/api/v1/worklist", {"page_size": 200}).json()
    assert any(
        item["person_id"] == uncle_zhao.pk and item["kind"] == "caregiver"
        for item in worklist["items"]
    )
    first_id = body["absences"][0]["id"]
    response = post(
        officer,
        f"{url}/substitutes",
        {
            "absence_id": first_id,
            "caregiver_kind": "neighbour",
            "caregiver_name": "邻居李叔",
            "caregiver_phone": "13900003333",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["active_caregiver"]["name"] == "邻居李叔"
    # Next month she is away again, and that call came 25 hours ago with nobody named since:
    # he is on the blind-spot report.
    absence = {
        "starts_at": (now + dt.timedelta(days=20)).isoformat(),
        "ends_at": (now + dt.timedelta(days=25)).isoformat(),
        "reason": "照顾孙子",
        "reported_at": (now - dt.timedelta(hours=25)).isoformat(),
    }
    response = post(officer, f"{url}/absences", absence)
    assert response.status_code == 201
    [late] = caregiver_spots(client, uncle_zhao)
    assert "照顾孙子" in late.label
    absence_id = response.json()["absences"][0]["id"]
    # The officer names a substitute on the page: the blind spot clears.
    response = client.post(
        f"/care/agreements/{agreement.pk}/",
        {
            "action": "substitute",
            "substitute-absence": absence_id,
            "substitute-caregiver_kind": "relative",
            "substitute-caregiver_name": "侄子赵小军",
            "substitute-caregiver_phone": "13900002222",
        },
    )
    assert response.status_code == 302
    assert caregiver_spots(client, uncle_zhao) == []
    detail = officer.get(url).json()
    assert detail["absences"][0]["substitute"]["name"] == "侄子赵小军"
    assert detail["uncovered_absence"] is False
    # Who cares when she is away the second time: the substitute named for those dates.
    current = selectors.active_caregiver(
        user=street_officer, person=uncle_zhao, at=now + dt.timedelta(days=21)
    )
    assert (current.name, current.substitute is not None) == ("侄子赵小军", True)
    # The history of the absence and the substitute is on his timeline.
    entries = officer.get(f"/api/v1/persons/{uncle_zhao.pk}/timeline").json()["items"]
    kinds = [e["kind"] for e in entries]
    assert kinds.count("care_absence") == 4 and "care_agreement" in kinds
    assert any("赵小军" in e["title"] for e in entries)


def test_it_makes_a_newly_enrolled_person_a_duty_today_and_a_blind_spot_tomorrow(
    client, street_officer, places
):
    person = make_person(name="钱奶奶", region="510108010001002")
    enrollment_add(
        user=None,
        person=person,
        category="tekun_dispersed",
        source="test",
        start_date=timezone.localdate(),
    )
    today = timezone.localdate()
    source = selectors.CaregiverDuties()
    due = source.due(user=street_officer, today=today, until=today)
    assert [d.person_id for d in due] == [person.pk]
    assert source.overdue(user=street_officer, today=today) == []
    tomorrow = today + dt.timedelta(days=1)
    assert [d.person_id for d in source.overdue(user=street_officer, today=tomorrow)] == [person.pk]


def test_it_refuses_overlapping_agreements_and_a_substitute_who_is_the_caregiver(
    client, street_officer, uncle_zhao
):
    client.force_login(street_officer)
    assert (
        client.post(f"/care/agreements/new/{uncle_zhao.pk}/", agreement_form()).status_code == 302
    )
    again = client.post(f"/care/agreements/new/{uncle_zhao.pk}/", agreement_form())
    assert again.status_code == 200
    assert "starts_on" in again.context["form"].errors
    agreement = CareAgreement.objects.get(person=uncle_zhao)
    now = timezone.now()
    response = post(
        api(street_officer),
        f"{AGREEMENTS}/{agreement.pk}/absences",
        {
            "starts_at": now.isoformat(),
            "ends_at": (now - dt.timedelta(hours=1)).isoformat(),
            "reason": "x",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "ends_at"
    absence = services.care_absence_report(
        user=street_officer,
        agreement_id=agreement.pk,
        starts_at=now,
        ends_at=now + dt.timedelta(days=2),
        reason="回老家",
    )
    response = post(
        api(street_officer),
        f"{AGREEMENTS}/{agreement.pk}/substitutes",
        {
            "absence_id": absence.pk,
            "caregiver_kind": "neighbour",
            "caregiver_name": "王姐",
            "caregiver_phone": "13900001111",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "caregiver_phone"


def test_it_keeps_agreements_out_of_sight_of_outsiders_and_partners(
    outsider, partner_contact, street_officer, uncle_zhao
):
    agreement = services.care_agreement_create(
        user=street_officer,
        person_id=uncle_zhao.pk,
        caregiver_kind="relative",
        caregiver_name="女儿赵红",
        caregiver_phone="13900004444",
        duties=["daily_look_in"],
        care_level="self",
        monthly_fee_fen=0,
        starts_on=timezone.localdate(),
    )
    for user in (outsider, partner_contact):
        client = api(user)
        assert client.get(f"{AGREEMENTS}/{agreement.pk}").status_code == 404
        assert client.get(AGREEMENTS).json()["count"] == 0
        response = post(
            client,
            f"{AGREEMENTS}/{agreement.pk}/absences",
            {
                "starts_at": timezone.now().isoformat(),
                "ends_at": timezone.now().isoformat(),
                "reason": "x",
            },
        )
        assert response.status_code == 404


@pytest.mark.parametrize("n", [1, 8])
def test_it_lists_agreements_in_a_fixed_number_of_queries(
    client, street_officer, places, django_assert_max_num_queries, n
):
    for i in range(n):
        person = make_person(name=f"特困{i}", region="510108010001001")
        services.care_agreement_create(
            user=street_officer,
            person_id=person.pk,
            caregiver_kind="neighbour",
            caregiver_name=f"邻居{i}",
            caregiver_phone=f"1390000{i:04d}",
            duties=["meals"],
            care_level="fully",
            monthly_fee_fen=80000,
            starts_on=timezone.localdate(),
        )
    client.force_login(street_officer)
    with django_assert_max_num_queries(12):
        response = client.get("/care/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == n
    officer = api(street_officer)
    with django_assert_max_num_queries(8):
        body = officer.get(AGREEMENTS).json()
    assert body["count"] == n


def test_it_answers_400_to_a_bad_region(client, street_officer):
    client.force_login(street_officer)
    assert client.get("/care/?region=abc").status_code == 400
    assert api(street_officer).get(AGREEMENTS, {"region": "abc"}).status_code == 400


def test_it_keeps_the_signed_document_behind_the_gate(
    client, street_officer, outsider, uncle_zhao, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(street_officer)
    client.post(f"/care/agreements/new/{uncle_zhao.pk}/", agreement_form())
    agreement = CareAgreement.objects.get(person=uncle_zhao)
    url = f"/care/agreements/{agreement.pk}/"
    assert client.get(f"{url}document/").status_code == 404  # nothing attached yet
    fake = SimpleUploadedFile("协议.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(url, {"action": "document", "document-document": fake})
    assert response.status_code == 200
    assert "document" in response.context["document_form"].errors
    pdf = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = client.post(url, {"action": "document", "document-document": pdf})
    assert response.status_code == 302
    download = client.get(f"{url}document/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert "协议" not in CareAgreement.objects.get(pk=agreement.pk).document.name
    client.force_login(outsider)
    assert client.get(f"{url}document/").status_code == 404


def test_it_renews_an_agreement_from_the_page(client, street_officer, uncle_zhao):
    client.force_login(street_officer)
    client.post(f"/care/agreements/new/{uncle_zhao.pk}/", agreement_form())
    old = CareAgreement.objects.get(person=uncle_zhao)
    url = f"/care/agreements/new/{uncle_zhao.pk}/?renews={old.pk}"
    form = client.get(url).context["form"]
    assert form.initial["caregiver_name"] == "邻居王姐"
    starts = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(url, agreement_form(starts_on=starts.isoformat(), monthly_fee="650"))
    assert response.status_code == 302
    new = CareAgreement.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert (new.renews_id, new.monthly_fee_fen) == (old.pk, 65000)
    assert old.ends_on == starts - dt.timedelta(days=1)
    assert client.get(f"/care/agreements/new/{uncle_zhao.pk}/?renews=abc").status_code == 400
