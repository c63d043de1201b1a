"""Sessions are written back when they change, or once their idle expiry falls a minute
behind: not on every page (core.sessions; docs/security.md "Sessions")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nuanxin.core.sessions import TOUCH_SECONDS


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


def _stored(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_it_leaves_an_unchanged_session_alone_within_the_minute(client, street_officer):
    client.force_login(street_officer)
    client.get("/people/")
    before = _stored(client).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/people/").status_code == 200
    assert _writes(queries) == []
    assert _stored(client).expire_date == before


def test_it_moves_the_idle_expiry_on_once_it_falls_behind(client, street_officer):
    client.force_login(street_officer)
    client.get("/people/")
    behind = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 2 * TOUCH_SECONDS)
    Session.objects.filter(pk=_stored(client).pk).update(expire_date=behind)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/people/").status_code == 200
    assert len(_writes(queries)) == 1
    moved = _stored(client).expire_date - timezone.now()
    assert dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 5) < moved
    assert moved <= dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_it_still_ends_a_session_idle_past_the_limit(client, street_officer):
    client.force_login(street_officer)
    client.get("/people/")
    Session.objects.filter(pk=_stored(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/people/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_moves_a_short_idle_limit_on_within_a_tenth_of_it(client, street_officer, settings):
    settings.SESSION_COOKIE_AGE = 30
    client.force_login(street_officer)
    client.get("/people/")
    behind = timezone.now() + dt.timedelta(seconds=25)
    Session.objects.filter(pk=_stored(client).pk).update(expire_date=behind)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/people/").status_code == 200
    assert len(_writes(queries)) == 1
