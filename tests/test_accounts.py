"""Logging in and out, the lockout, and the `user` / `token` commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from nuanxin.accounts.models import ApiToken, User
from nuanxin.accounts.services import api_token_authenticate
from nuanxin.audit.models import AuditEvent
from tests.factories import make_user

LOGIN = reverse("login")
PASSWORD = "correct-horse-9"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_logs_in_and_audits_it(en_client, community_worker):
    response = _login(en_client, "hemei_worker", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    event = AuditEvent.objects.get(action="login")
    assert event.username == "hemei_worker"
    assert event.ip == "127.0.0.1"


def test_it_explains_a_failed_login_and_audits_it(en_client, community_worker):
    response = _login(en_client, "hemei_worker", "wrong")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in html
    assert "locked for 30 minutes" in html
    event = AuditEvent.objects.get(action="login_failed")
    assert event.object_repr == "hemei_worker"
    assert event.user is None


def test_it_shows_required_fields(en_client, db):
    html = en_client.post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert 'id="id_username_error"' in html
    assert "This field is required." in html


def test_it_locks_out_after_five_failures(en_client, community_worker):
    for _ in range(4):
        assert _login(en_client, "hemei_worker", "wrong").status_code == 200
    response = _login(en_client, "hemei_worker", "wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Login locked" in html
    assert "Try again after" in html and "30 minutes" in html
    assert "administrator" in html
    # Even the right password is refused while locked.
    response = _login(en_client, "hemei_worker", PASSWORD)
    assert response.status_code == 429
    assert not AuditEvent.objects.filter(action="login").exists()


def test_it_logs_out_and_audits_it(en_client, community_worker):
    _login(en_client, "hemei_worker", PASSWORD)
    response = en_client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="logout", username="hemei_worker").exists()
    assert en_client.get(reverse("registry:person_list")).status_code == 302


def test_it_shows_the_audit_link_to_admins_only(en_client, city_admin, community_worker):
    en_client.force_login(community_worker)
    html = en_client.get(reverse("registry:person_list")).content.decode()
    assert "People" in html and reverse("audit:event_list") not in html
    en_client.force_login(city_admin)
    html = en_client.get(reverse("registry:person_list")).content.decode()
    assert reverse("audit:event_list") in html


def test_it_switches_the_language(client, community_worker):
    client.force_login(community_worker)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/people/"})
    assert response.status_code == 302
    assert "Add a person" in client.get("/people/").content.decode()


# --- commands -------------------------------------------------------------------


def test_it_adds_a_user_with_a_password_from_stdin(places, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-secret-9\n"))
    out = io.StringIO()
    call_command(
        "user",
        "add",
        "li",
        "--role",
        "grid_worker",
        "--region",
        "510108010001001",
        "--password-stdin",
        stdout=out,
    )
    user = User.objects.get(username="li")
    assert user.check_password("a-long-secret-9")
    membership = user.memberships.get()
    assert (membership.role, membership.region_id) == ("grid_worker", "510108010001001")
    assert "created li" in out.getvalue()


def test_it_refuses_a_bad_user_add(places, monkeypatch):
    with pytest.raises(CommandError, match="no region"):
        call_command("user", "add", "x", "--role", "grid_worker", "--region", "519999999999")
    make_user("taken", "grid_worker", "510108010001001")
    with pytest.raises(CommandError, match="already exists"):
        call_command("user", "add", "taken", "--role", "grid_worker", "--region", "510108010001")
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command(
            "user",
            "add",
            "weak",
            "--role",
            "grid_worker",
            "--region",
            "510108010001",
            "--password-stdin",
        )


def test_it_creates_a_token_alone_on_the_last_line(community_worker):
    out = io.StringIO()
    call_command("token", "create", "hemei_worker", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("nx_") and " " not in token
    assert api_token_authenticate(token) == community_worker
    assert ApiToken.objects.get().digest != token  # only the digest is stored


def test_it_refuses_a_token_for_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("token", "create", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_it_names_a_worker_by_full_name(db):
    from nuanxin.accounts.models import User

    assert User(username="social", full_name="孙婷").get_full_name() == "孙婷"
    assert User(username="social", first_name="Ting", last_name="Sun").get_full_name() == "Ting Sun"
    assert User(username="social").get_full_name() == ""
