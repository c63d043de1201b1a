"""Login lockout by user name *and* address, a per-address limit, and lifting a lock
(issue #11, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from nuanxin.accounts import lockout
from nuanxin.accounts.models import User
from nuanxin.accounts.selectors import is_above
from nuanxin.audit.models import AuditEvent
from tests.conftest import BAOHE, CHENGHUA, HEMEI
from tests.factories import make_user

LOGIN = reverse("login")
LOCKS = reverse("accounts:lock_list")
LIFT = reverse("accounts:lock_lift")
PASSWORD = "correct-horse-9"
OFFICE = "10.1.2.3"
HOME = "10.9.8.7"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _try(client, username, password="wrong", address=OFFICE):
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    if response.status_code == 302:
        client.post(reverse("logout"), REMOTE_ADDR=address)
    return response.status_code


def _lock(client, username="hemei_worker", address=OFFICE):
    statuses = [_try(client, username, address=address) for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_it_locks_a_name_from_that_address_only(en_client, community_worker):
    _lock(en_client)
    # Locked from the office, even with the right password …
    assert _try(en_client, "hemei_worker", PASSWORD, OFFICE) == 429
    # … but whoever guessed there has not locked her out of her own desk elsewhere.
    assert _try(en_client, "hemei_worker", PASSWORD, HOME) == 302
    # Nor anyone else from the office.
    colleague = make_user("hemei_colleague", "community_worker", HEMEI)
    assert _try(en_client, colleague.username, PASSWORD, OFFICE) == 302


def test_it_does_not_lock_an_office_for_five_names(en_client, places):
    for i in range(5):
        make_user(f"colleague{i}", "community_worker", HEMEI)
        assert _try(en_client, f"colleague{i}") == 200
    newcomer = make_user("newcomer", "community_worker", HEMEI)
    assert _try(en_client, newcomer.username, PASSWORD) == 302


def test_it_locks_an_address_at_its_own_higher_limit(en_client, community_worker, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 30
    # A spray: ten names, three tries each, none of them locked by name.
    statuses = [_try(en_client, f"guess{n}") for n in range(10) for _ in range(3)]
    assert statuses[:29] == [200] * 29
    assert statuses[29] == 429  # the 30th failure from the address locks it
    response = en_client.post(
        LOGIN, {"username": "hemei_worker", "password": PASSWORD}, REMOTE_ADDR=OFFICE
    )
    assert response.status_code == 429
    assert "from this computer's network address" in response.content.decode()
    assert _try(en_client, "hemei_worker", PASSWORD, HOME) == 302


def test_it_lets_the_office_in_below_the_address_limit(en_client, community_worker):
    for n in range(7):
        for _ in range(4):  # 28 failures over seven names: four each, none locked
            assert _try(en_client, f"typo{n}") == 200
    assert _try(en_client, "hemei_worker", PASSWORD) == 302


def test_it_says_when_to_try_again(en_client, community_worker):
    _lock(en_client)
    response = en_client.post(
        LOGIN, {"username": "hemei_worker", "password": PASSWORD}, REMOTE_ADDR=OFFICE
    )
    html = response.content.decode()
    last = lockout.name_locks()[0].last_failure
    until = timezone.localtime(last + dt.timedelta(minutes=30))
    # Locked after 23:30 the time is tomorrow's, and the page gives the date too.
    shown = f"{until:%H:%M}" if until.date() == timezone.localdate() else f"{until:%Y-%m-%d %H:%M}"
    assert f"Try again after <strong>{shown}</strong>" in html
    assert "Logging in from other computers still works" in html
    # Trying while locked does not push the time back.
    assert lockout.name_locks()[0].last_failure == last


def test_it_lets_an_officer_above_lift_a_lock(en_client, district_officer, community_worker):
    _lock(en_client)
    en_client.force_login(district_officer)
    html = en_client.get(LOCKS).content.decode()
    assert "hemei_worker" in html and OFFICE in html
    response = en_client.post(LIFT, {"username": "hemei_worker", "reason": "she called"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unlock")
    assert (event.username, event.object_repr, event.reason) == (
        "chenghua_officer",
        "hemei_worker",
        "she called",
    )
    assert event.changes["addresses"] == [OFFICE]
    en_client.logout()
    assert _try(en_client, "hemei_worker", PASSWORD, OFFICE) == 302


def test_it_keeps_a_lock_from_officers_not_above(
    en_client, outsider, community_worker, street_officer, district_officer
):
    _lock(en_client)
    for user in (outsider, community_worker, street_officer):
        en_client.force_login(user)
        response = en_client.post(LIFT, {"username": "hemei_worker"})
        assert response.status_code == 404, user
    en_client.force_login(outsider)
    assert "hemei_worker" not in en_client.get(LOCKS).content.decode()
    assert not AuditEvent.objects.filter(action="unlock").exists()
    assert lockout.name_locks()


def test_it_decides_who_is_above(places, city_admin, district_officer, street_officer, dual):
    peer = make_user("chenghua_officer2", "district_officer", CHENGHUA)
    worker = make_user("baohe_worker", "community_worker", BAOHE)
    assert is_above(district_officer, worker) and is_above(city_admin, worker)
    assert is_above(district_officer, street_officer)
    assert not is_above(district_officer, peer)  # a peer is not above
    assert is_above(city_admin, peer)
    assert not is_above(city_admin, city_admin)
    assert not is_above(street_officer, worker)  # street officers lift nobody's lock
    # Two regions: 成华区's officer is above only one of them.
    assert not is_above(district_officer, dual) and is_above(city_admin, dual)
    staff = make_user("ops", "community_worker", HEMEI)
    staff.is_staff = True
    staff.save()
    assert not is_above(district_officer, staff) and is_above(city_admin, staff)
    nobody = User.objects.create_user("nowhere", password="x-long-pass-9")
    assert not is_above(city_admin, nobody)


def test_it_lets_the_city_admin_lift_an_address_lock(
    en_client, city_admin, district_officer, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        _try(en_client, f"guess{n}")
    en_client.force_login(district_officer)
    assert OFFICE not in en_client.get(LOCKS).content.decode()
    assert en_client.post(LIFT, {"address": OFFICE}).status_code == 404
    en_client.force_login(city_admin)
    assert OFFICE in en_client.get(LOCKS).content.decode()
    assert en_client.post(LIFT, {"address": OFFICE}).status_code == 302
    assert AuditEvent.objects.get(action="unlock").object_repr == OFFICE
    assert lockout.address_locks() == []


def test_it_answers_bad_lift_requests_with_a_message(en_client, district_officer):
    en_client.force_login(district_officer)
    for data in ({}, {"username": "x", "address": OFFICE}, {"address": "not-an-address"}):
        response = en_client.post(LIFT, data, follow=True)
        assert response.status_code == 200
        assert "Choose one lock to lift." in response.content.decode()
    assert en_client.post(LIFT, {"username": "nobody-like-this"}).status_code == 404


def test_it_lists_locks_with_a_fixed_number_of_queries(
    en_client, city_admin, places, django_assert_max_num_queries
):
    for n in range(3):
        make_user(f"w{n}", "community_worker", HEMEI)
        for _ in range(5):
            _try(en_client, f"w{n}", address=f"10.0.0.{n}")
    en_client.force_login(city_admin)
    en_client.get(LOCKS)
    with django_assert_max_num_queries(11):
        html = en_client.get(LOCKS).content.decode()
    assert all(f"w{n}" in html for n in range(3))


def test_it_hides_the_lock_page_from_others(en_client, community_worker, inspector):
    for user in (community_worker, inspector):
        en_client.force_login(user)
        assert en_client.get(LOCKS).status_code == 404
