"""Behind nginx: the audit trail and the lockout see the client's address, from nginx alone."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from nuanxin.audit.models import AuditAction, AuditEvent

NGINX = "127.0.0.1"
CLIENT = "203.0.113.9"


def fail_login(*, peer: str, forwarded: str) -> None:
    client = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/login/", {"username": "city_admin", "password": "wrong-horse-1"})


@pytest.mark.parametrize(
    ("peer", "forwarded", "seen"),
    [
        (NGINX, CLIENT, CLIENT),  # nginx names the client
        (NGINX, f"10.9.9.9, {CLIENT}", CLIENT),  # the last entry is the one nginx saw
        (NGINX, "not-an-address", NGINX),  # nonsense is ignored
        ("198.51.100.7", CLIENT, "198.51.100.7"),  # a client cannot pick its address
    ],
)
@override_settings(TRUSTED_PROXIES=[NGINX, "::1"])
def test_it_records_the_client_address_from_a_trusted_proxy_only(city_admin, peer, forwarded, seen):
    fail_login(peer=peer, forwarded=forwarded)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.ip == seen
    assert AccessAttempt.objects.get().ip_address == seen


def test_it_trusts_no_header_unless_configured(city_admin):
    fail_login(peer=NGINX, forwarded=CLIENT)
    assert AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED).ip == NGINX
