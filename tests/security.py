"""Test-only plumbing for the append-only audit log and the second factor.

Installed once from tests/conftest.py:

- Transactional tests (``live_server``) end with Django's ``flush``, which
  empties every table. The audit log's triggers refuse that (in production
  ``nuanxin flush`` is refused too, on purpose), so the tests' flush runs with
  the same permit `audit_prune` uses (nuanxin/audit/guard.py).
"""

from __future__ import annotations

from django.db.backends.base.operations import BaseDatabaseOperations

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


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    BaseDatabaseOperations.execute_sql_flush = _flush_with_permit(
        BaseDatabaseOperations.execute_sql_flush
    )
