"""Test-only plumbing for the append-only audit log and the second factor.

Installed once from tests/conftest.py:

- Transactional tests (``live_server``) end with Django's ``flush``, which
  empties every table. The audit log's triggers refuse that (in production
  ``nuanxin flush`` is refused too, on purpose), so the tests' flush runs with
  the same permit `audit_prune` uses (nuanxin/audit/guard.py).
- ``client.force_login(user)`` marks the session as past the second factor, the
  way a real login through both steps does (django-otp's device in the
  session; the user gets a test authenticator if their role needs one and they
  have none). Tests about the second factor log in through the real pages, or
  use ``force_login(user, verified=False)`` to stop after the password. Only
  the tests do this: production code has no such shortcut.
"""

from __future__ import annotations

import time

from django.db.backends.base.operations import BaseDatabaseOperations
from django.test.client import ClientMixin

from nuanxin.audit import guard

_installed = False


def _flush_with_permit(original):
    def execute_sql_flush(self, sql_list):
        vendor = self.connection.vendor
        sql_list = [
            *guard.grant_statements(vendor),
            *sql_list,
            *guard.revoke_statements(vendor),
        ]
        return original(self, sql_list)

    return execute_sql_flush


def verify_second_factor(client, user) -> None:
    """Mark `client`'s session as having passed the second factor as `user`."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from nuanxin.accounts import otp
    from nuanxin.core import access

    session = client.session
    if otp.required_for(user) or otp.has_device(user):
        device = otp.totp_device(user) or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    else:
        session[otp.SESSION_HAS_DEVICE] = False
    session.save()
    access.forget(user)  # the test may change this user's memberships next


def current_code(user, *, offset_steps: int = 0) -> str:
    """The code the user's authenticator shows now (or `offset_steps` steps later:
    django-otp accepts the next step too, and refuses a step it has seen)."""
    from nuanxin.accounts import otp

    device = otp.totp_device(user, confirmed=None)
    return otp.code_at(device, time.time() + offset_steps * device.step)


def _force_login(original):
    def force_login(self, user, backend=None, *, verified=True):
        original(self, user, backend)
        if verified:
            verify_second_factor(self, user)

    return force_login


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    BaseDatabaseOperations.execute_sql_flush = _flush_with_permit(
        BaseDatabaseOperations.execute_sql_flush
    )
    ClientMixin.force_login = _force_login(ClientMixin.force_login)
