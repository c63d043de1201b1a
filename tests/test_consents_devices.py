"""Consent in practice: the camera gate, withdrawal, the removal duty, documents, children."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from nuanxin.audit.models import AuditEvent
from nuanxin.core import duties
from nuanxin.registry import services
from nuanxin.registry.models import Consent, Device
from tests.factories import assign_task, make_person

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def _url(name, *args):
    return reverse(f"registry:{name}", args=args)


def _html(response) -> str:
    return response.content.decode()


def _consent_data(**extra):
    return {
        "consent-purpose": "home_camera",
        "consent-method": "written",
        "consent-given_on": "2026-01-05",
        **extra,
    }


CAMERA = {"device-kind": "camera", "device-installed_on": "2026-01-10"}


# --- the camera gate, withdrawal and the removal duty -------------------------------------


def test_it_gates_the_camera_on_consent_and_follows_it_to_removal(
    as_user, community_worker, ms_cai
):
    client = as_user(community_worker)
    refused = client.post(_url("device_record", ms_cai.pk), CAMERA)
    assert refused.status_code == 422
    assert "active consent first" in _html(refused)
    assert not Device.objects.exists()

    document = SimpleUploadedFile("同意书.pdf", PDF, content_type="application/pdf")
    response = client.post(
        _url("consent_record", ms_cai.pk), _consent_data(**{"consent-document_file": document})
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=ms_cai)
    assert consent.document_file.name.startswith("consents/")
    assert consent.document_file.name.endswith(".pdf")
    assert "同意书" not in consent.document_file.name  # the uploaded name is not kept

    assert client.post(_url("device_record", ms_cai.pk), CAMERA).status_code == 302
    device = Device.objects.get(person=ms_cai)
    assert device.consent == consent

    withdrawn_on = timezone.localdate() - dt.timedelta(days=2)
    client.post(
        _url("consent_withdraw", ms_cai.pk, consent.pk),
        {"withdrawn_on": withdrawn_on.isoformat()},
    )
    device.refresh_from_db()
    assert device.needs_removal
    assert "to be removed: consent withdrawn" in _html(client.get(ms_cai.get_absolute_url()))

    # The removal is a duty of her area: on the worklist and, overdue, on the blind-spot report.
    today = timezone.localdate()
    found = duties.blind_spots(user=community_worker, today=today)
    removal = [d for d in found if d.kind == "device_removal"]
    assert len(removal) == 1 and removal[0].person_id == ms_cai.pk
    assert removal[0].due_on == withdrawn_on
    assert "Remove the home safety camera" in _html(client.get(reverse("visits:worklist")))
    assert "Remove the home safety camera" in _html(client.get(reverse("visits:blind_spots")))

    response = client.post(
        _url("device_remove", ms_cai.pk, device.pk), {"removed_on": today.isoformat()}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.removed_on == today and not device.needs_removal
    assert not [
        d
        for d in duties.blind_spots(user=community_worker, today=today)
        if d.kind == "device_removal"
    ]
    assert "Remove the home safety camera" not in _html(client.get(reverse("visits:blind_spots")))
    assert AuditEvent.objects.filter(
        object_type="registry.device", object_id=str(device.pk), action="update"
    ).exists()


def test_the_removal_duty_stays_in_its_area(community_worker, outsider, ms_cai):
    consent = services.consent_record(
        user=community_worker,
        person=ms_cai,
        purpose="home_camera",
        method="written",
        given_on=dt.date(2026, 1, 5),
    )
    services.device_record(
        user=community_worker, person=ms_cai, kind="camera", installed_on=dt.date(2026, 1, 6)
    )
    services.consent_withdraw(
        user=community_worker, consent=consent, withdrawn_on=dt.date(2026, 1, 7)
    )
    today = dt.date(2026, 1, 9)
    assert [d.kind for d in duties.blind_spots(user=outsider, today=today)] == []
    mine = duties.worklist(user=community_worker, today=today, until=today)
    assert "device_removal" in [d.kind for d in mine]
    # Due on the day of the withdrawal: on the worklist that day, overdue from the next.
    assert not [
        d
        for d in duties.blind_spots(user=community_worker, today=dt.date(2026, 1, 7))
        if d.kind == "device_removal"
    ]


def test_it_refuses_bad_withdrawal_and_removal_dates(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    client.post(_url("consent_record", ms_cai.pk), _consent_data())
    consent = Consent.objects.get()
    response = client.post(
        _url("consent_withdraw", ms_cai.pk, consent.pk), {"withdrawn_on": "2025-12-31"}, follow=True
    )
    assert "The consent cannot be withdrawn before it was given." in _html(response)
    client.post(_url("device_record", ms_cai.pk), CAMERA)
    device = Device.objects.get()
    response = client.post(
        _url("device_remove", ms_cai.pk, device.pk), {"removed_on": "2026-01-01"}, follow=True
    )
    assert "A device cannot be removed before it was installed." in _html(response)
    device.refresh_from_db()
    assert device.removed_on is None


def test_only_those_who_may_change_record_a_removal(as_user, community_worker, inspector, ms_cai):
    device = services.device_record(
        user=community_worker, person=ms_cai, kind="gas_alarm", installed_on=dt.date(2026, 1, 6)
    )
    response = as_user(inspector).post(
        _url("device_remove", ms_cai.pk, device.pk), {"removed_on": "2026-01-08"}
    )
    assert response.status_code == 403  # in sight, not allowed
    device.refresh_from_db()
    assert device.removed_on is None


# --- children under 14 --------------------------------------------------------------------


def test_a_child_under_14_consents_only_through_a_guardian(as_user, community_worker, places):
    child = make_person(name="小明", birth=dt.date(2016, 5, 1), female=False)
    client = as_user(community_worker)
    response = client.post(_url("consent_record", child.pk), _consent_data())
    assert response.status_code == 422
    assert "A child under 14 cannot consent alone: name the guardian." in _html(response)
    client.post(
        _url("contact_add", child.pk),
        {
            "contact-name": "小明奶奶",
            "contact-relation": "grandmother",
            "contact-is_guardian": "on",
        },
    )
    guardian = child.contacts.get()
    response = client.post(
        _url("consent_record", child.pk),
        _consent_data(**{"consent-given_by_guardian": str(guardian.pk)}),
    )
    assert response.status_code == 302
    assert Consent.objects.get(person=child).given_by_guardian == guardian
    assert "by guardian 小明奶奶" in _html(client.get(child.get_absolute_url()))


# --- the attached document ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("form.docx", b"PK\x03\x04", "Attach a PDF, JPG or PNG file"),
        ("form.pdf", b"MZ\x90\x00 not a pdf", "The file&#x27;s content is not a PDF"),
        ("photo.jpg", PNG, "The file&#x27;s content is not a JPG"),
        ("big.png", PNG + b"\0" * (10 * 1024 * 1024), "at most 10 MB is accepted"),
    ],
)
def test_it_explains_a_refused_document(as_user, community_worker, ms_cai, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = as_user(community_worker).post(
        _url("consent_record", ms_cai.pk), _consent_data(**{"consent-document_file": upload})
    )
    assert response.status_code == 422
    html = _html(response)
    assert message in html
    assert 'id="id_consent-document_file_error"' in html or "document_file" in html
    assert not Consent.objects.exists()


def _consent_with_document(user, person) -> Consent:
    return services.consent_record(
        user=user,
        person=person,
        purpose="photographs",
        method="written",
        given_on=dt.date(2026, 1, 5),
        document_file=SimpleUploadedFile("scan.png", PNG),
    )


def test_it_serves_the_document_only_in_scope_and_audits_each_read(
    as_user, community_worker, inspector, outsider, volunteer, ms_cai
):
    consent = _consent_with_document(community_worker, ms_cai)
    url = _url("consent_document", ms_cai.pk, consent.pk)
    assert url in _html(as_user(community_worker).get(ms_cai.get_absolute_url()))

    response = as_user(community_worker).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG
    assert as_user(inspector).get(url).status_code == 200
    reads = AuditEvent.objects.filter(
        object_type="registry.consent", object_id=str(consent.pk), action="view"
    )
    assert reads.count() == 2

    assert as_user(outsider).get(url).status_code == 404

    # A volunteer whose task names her reads no consent of hers.
    assign_task(person=ms_cai, volunteer=volunteer, by=community_worker)
    assert as_user(volunteer).get(url).status_code == 404
    assert reads.count() == 2


def test_no_public_url_serves_the_document(as_user, community_worker, ms_cai, settings):
    consent = _consent_with_document(community_worker, ms_cai)
    client = as_user(community_worker)
    assert client.get(f"/{settings.MEDIA_URL}{consent.document_file.name}").status_code == 404
    # A consent without a document answers 404 too.
    bare = services.consent_record(
        user=community_worker,
        person=ms_cai,
        purpose="health_data",
        method="oral",
        given_on=dt.date(2026, 1, 5),
    )
    assert client.get(_url("consent_document", ms_cai.pk, bare.pk)).status_code == 404
