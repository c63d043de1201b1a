"""The database keeps the audit log append-only (DESIGN §3.3, issue #11 item 10).

Migration 0003 installs triggers on ``audit_auditevent`` that refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL) on both databases, whatever sends them: the
ORM, its base manager, ``flush``, a raw cursor. Two things stay possible:

1. **A user's deletion.** ``AuditEvent.user`` is ``on_delete=SET_NULL``: Django
   sends ``UPDATE … SET user_id = NULL`` before deleting the user. The triggers
   let through an UPDATE whose *only* change is a user id becoming NULL; the
   ``username`` text column keeps who did what.
2. **The retention job**, inside `pruning()` only, which `audit_prune` uses and
   which records the pruning itself in the log. The permit lasts for the
   enclosing transaction and no longer:

   - PostgreSQL: ``set_config('nuanxin.audit_prune', 'on', true)``, a
     transaction-local setting (the ``true``), reverted at commit, rollback or a
     rollback to the savepoint `pruning` opens.
   - SQLite has no session variables and a trigger in the main schema cannot
     read a TEMP table, so the permit is a row in ``audit_prune_permit`` (a
     plain table the migration creates), inserted and deleted inside the same
     transaction. SQLite has one writer at a time and no connection sees
     another's uncommitted rows, so no other connection ever sees the permit:
     it is as transaction-local as PostgreSQL's setting, and needs no PRAGMA
     and no SQL function registered per connection.

The triggers protect the log from the application and from mistakes; whoever
owns the database file or the PostgreSQL schema can still drop them. A
production PostgreSQL can go one step further by giving the web role no DELETE
privilege on the table at all (docs/security.md).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, transaction

PG_SETTING = "nuanxin.audit_prune"
SQLITE_PERMIT = "audit_prune_permit"


def grant_statements(vendor: str) -> list[str]:
    """SQL that permits deleting audit rows until the end of the current transaction."""
    if vendor == "postgresql":
        return [f"SELECT set_config('{PG_SETTING}', 'on', true)"]
    if vendor == "sqlite":
        return [f"INSERT INTO {SQLITE_PERMIT} (granted_at) VALUES (CURRENT_TIMESTAMP)"]
    return []


def revoke_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"SELECT set_config('{PG_SETTING}', 'off', true)"]
    if vendor == "sqlite":
        return [f"DELETE FROM {SQLITE_PERMIT}"]
    return []


@contextmanager
def pruning(using: str = "default"):
    """Permit deleting audit rows inside this block, and only there.

    Opens a savepoint: if the block fails, rolling it back withdraws the permit
    too (the SQLite row, or PostgreSQL's local setting). Only `audit_prune`
    calls this; it records what it removed.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            for sql in grant_statements(connection.vendor):
                cursor.execute(sql)
        yield
        with connection.cursor() as cursor:
            for sql in revoke_statements(connection.vendor):
                cursor.execute(sql)
