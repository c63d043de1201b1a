"""The audit-log page and the read-only admin of the log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nuanxin.audit.models import AuditEvent
from nuanxin.audit.services import audit_record
from nuanxin.registry.services import person_reveal, person_update

AUDIT = reverse("audit:event_list")


@pytest.fixture
def admin_client_en(client, city_admin):
    client.force_login(city_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _content(response) -> str:
    return response.content.decode()


def test_it_shows_the_log_to_the_city_admin_only(
    client, city_admin, district_officer, community_worker, inspector
):
    client.force_login(city_admin)
    assert client.get(AUDIT).status_code == 200
    for user in (district_officer, community_worker, inspector):
        client.force_login(user)
        assert client.get(AUDIT).status_code == 404


def test_it_sends_anonymous_users_to_login(client, db):
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_lists_events_with_who_what_reason_and_a_link_to_the_person(
    admin_client_en, community_worker, ms_cai
):
    person_reveal(user=community_worker, person=ms_cai, field="phone", reason="to call her")
    html = _content(admin_client_en.get(AUDIT))
    assert "hemei_worker" in html
    assert "revealed a masked field" in html
    assert "to call her" in html
    assert f'href="{ms_cai.get_absolute_url()}"' in html
    # The log keeps identifiers masked too.
    assert "13812345678" not in html


def test_it_shows_changes_as_old_and_new(admin_client_en, community_worker, ms_cai):
    person_update(user=community_worker, person=ms_cai, status="in_hospital")
    html = _content(admin_client_en.get(AUDIT, {"action": "update"}))
    # Stored as codes, read as words: the field's label and the choices' labels.
    assert "active → in hospital" in html
    assert "in_hospital" not in html.replace('data-action="', "")


def test_it_reads_an_export_as_a_sentence_with_the_area_and_rows(
    admin_client_en, district_officer, ms_cai
):
    client = Client()
    client.force_login(district_officer)
    assert client.get("/ledgers/export/people/?region=510108000000").status_code == 200

    html = _content(admin_client_en.get(AUDIT, {"action": "export"}))

    name = district_officer.get_full_name() or district_officer.username
    assert f"{name} exported the people ledger of 成华区 (1 row, masked)" in html
    assert "filters" not in html


def test_it_names_the_person_and_links_to_their_profile(admin_client_en, community_worker, ms_cai):
    person_reveal(user=community_worker, person=ms_cai, field="phone", reason="to call her")

    html = _content(admin_client_en.get(AUDIT, {"action": "reveal"}))

    assert f'href="/people/{ms_cai.pk}/"' in html
    assert "revealed the phone of 蔡阿姨" in html
    assert "registry.person" not in html.split("<tbody>")[1]


def test_it_filters_by_user_action_object_and_text(
    admin_client_en, community_worker, grid_worker, ms_cai, grid2_person
):
    person_reveal(user=community_worker, person=ms_cai, field="phone", reason="to call her")
    person_reveal(user=grid_worker, person=ms_cai, field="id_number", reason="file check")
    audit_record(user=grid_worker, action="view", obj=grid2_person)
    client = admin_client_en

    html = _content(client.get(AUDIT, {"username": "hemei_grid1"}))
    assert "file check" in html and "to call her" not in html

    html = _content(client.get(AUDIT, {"action": "view"}))
    assert "王大爷" in html and "file check" not in html

    html = _content(
        client.get(AUDIT, {"object_type": "registry.person", "object_id": str(grid2_person.pk)})
    )
    assert "王大爷" in html and "to call her" not in html

    html = _content(client.get(AUDIT, {"text": "call"}))
    assert "to call her" in html and "file check" not in html


def test_it_filters_by_date_range(admin_client_en, community_worker, ms_cai):
    audit_record(user=community_worker, action="view", obj=ms_cai, reason="today")
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    html = _content(admin_client_en.get(AUDIT, {"date_from": today, "date_to": today}))
    assert "today" in html
    html = _content(admin_client_en.get(AUDIT, {"date_from": tomorrow}))
    assert "No event matches." in html


def test_it_paginates_with_a_fixed_number_of_queries(
    admin_client_en, community_worker, ms_cai, django_assert_max_num_queries
):
    for i in range(60):
        audit_record(user=community_worker, action="view", obj=ms_cai, reason=f"r{i}")
    admin_client_en.get(AUDIT)
    html = _content(admin_client_en.get(AUDIT, {"page": 2}))
    assert "Page 2 of 2" in html
    # 10: one of them loads the city admin's second-factor device (django-otp), as on every
    # page; one the names of the people the page's events are about.
    with django_assert_max_num_queries(10):
        admin_client_en.get(AUDIT)


def test_it_registers_a_read_only_admin(client, db):
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root", "r@example.org", "pw-9-long")
    audit_record(user=superuser, action="login")
    event = AuditEvent.objects.get()
    client.force_login(superuser)
    before = AuditEvent.objects.count()
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    detail = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.count() == before


def test_it_keeps_registry_admin_read_only_and_masked(client, ms_cai):
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root", "r@example.org", "pw-9-long")
    client.force_login(superuser)
    listing = client.get(reverse("admin:registry_person_changelist"), {"q": "cay"})
    assert listing.status_code == 200
    assert "蔡阿姨" in listing.content.decode()
    assert ms_cai.id_number not in listing.content.decode()
    detail = client.get(reverse("admin:registry_person_change", args=[ms_cai.pk]))
    assert ms_cai.id_number not in detail.content.decode()
    assert client.get(reverse("admin:registry_person_add")).status_code == 403


def test_it_links_only_person_events_to_a_profile(admin_client_en, community_worker, ms_cai):
    audit_record(user=community_worker, action="view", obj=ms_cai)
    audit_record(
        user=community_worker,
        action="export",
        object_type="registry.ledger",
        object_id="x",
        object_repr="ledger export",
    )
    audit_record(
        user=community_worker,
        action="view",
        object_type="registry.person",
        object_id="not-a-number",
        object_repr="odd row",
    )
    html = _content(admin_client_en.get(AUDIT))
    person_events = AuditEvent.objects.filter(object_type="registry.person", object_id=ms_cai.pk)
    assert html.count(f'href="{ms_cai.get_absolute_url()}"') == person_events.count()
    assert "ledger export" in html and "odd row" in html
