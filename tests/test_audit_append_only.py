"""The audit trail is append-only in the database itself (issue #11, item 10).

Run on both databases: SQLite by default, PostgreSQL with NUANXIN_DATABASE_URL.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from nuanxin.audit import guard
from nuanxin.audit.models import AppendOnlyError, AuditEvent
from nuanxin.audit.services import RETENTION_FLOOR_DAYS, audit_prune, audit_record
from tests.factories import make_user

REFUSED = (IntegrityError, DatabaseError)


@pytest.fixture
def event(community_worker, ms_cai):
    return audit_record(user=community_worker, action="view", obj=ms_cai, reason="check")


def _refused(fn):
    """The statement fails in the database, and the transaction goes on without it."""
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        fn()


def _old_event(days: int, monkeypatch, **fields) -> AuditEvent:
    then = timezone.now() - dt.timedelta(days=days)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: then)
        return audit_record(user=None, action="view", **fields)


def test_it_refuses_deleting_through_the_orm_base_manager(event):
    # The finding: the model's guard could be bypassed with a plain queryset.
    _refused(lambda: AuditEvent._base_manager.all().delete())
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk)._raw_delete("default"))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_updating_through_the_orm_base_manager(event):
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).update(reason="nothing"))
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).update(username="someone"))
    # Not even a change that also sets the user to NULL slips through.
    _refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).update(user=None, action="login"))
    event.refresh_from_db()
    assert (event.reason, event.username, event.action) == ("check", "hemei_worker", "view")


def test_it_refuses_raw_sql(event):
    before = AuditEvent.objects.count()

    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")

    def update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET reason = 'x'")

    _refused(delete)
    _refused(update)
    assert AuditEvent.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_it_refuses_truncate_on_postgresql(event):
    before = AuditEvent.objects.count()

    def truncate():
        with connection.cursor() as cursor:
            # The test's own inserts left deferred foreign-key checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_auditevent")

    _refused(truncate)
    assert AuditEvent.objects.count() == before


def test_it_keeps_the_model_guard_too(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        event.save()


def test_it_keeps_who_did_what_when_a_user_is_deleted(places, ms_cai):
    user = make_user("leaving", "community_worker", "510108010001")
    audit_record(user=user, action="view", obj=ms_cai, reason="before leaving")
    user.delete()  # Django sets user_id to NULL: the one UPDATE the database allows
    event = AuditEvent.objects.get(reason="before leaving")
    assert event.user_id is None
    assert event.username == "leaving"
    assert event.object_repr == str(ms_cai)


def test_it_does_not_let_a_permit_outlive_its_block(event):
    with pytest.raises(RuntimeError), transaction.atomic(), guard.pruning():
        raise RuntimeError("the job failed half way")
    # The failed block took its permit with it.
    _refused(lambda: AuditEvent._base_manager.all().delete())
    with transaction.atomic():
        with guard.pruning():
            pass
        _refused(lambda: AuditEvent._base_manager.all().delete())


def test_it_prunes_only_past_the_retention_period_and_records_it(db, settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 200
    old = _old_event(201, monkeypatch, reason="old")
    kept = _old_event(199, monkeypatch, reason="kept")
    result = audit_prune()
    assert (result.deleted, result.retention_days) == (1, 200)
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    record = AuditEvent.objects.get(action="prune")
    assert record.changes["deleted"] == 1 and record.changes["retention_days"] == 200
    assert record.username == ""  # the system
    # And the database refuses deletion again once the job is done.
    _refused(lambda: AuditEvent._base_manager.filter(pk=kept.pk).delete())


def test_it_never_prunes_younger_than_six_months(db, settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 10
    young = _old_event(RETENTION_FLOOR_DAYS - 1, monkeypatch)
    result = audit_prune(older_than_days=1)
    assert result.retention_days == RETENTION_FLOOR_DAYS
    assert result.deleted == 0
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_it_prunes_from_the_command(db, settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 200
    _old_event(300, monkeypatch)
    _old_event(250, monkeypatch)
    out = io.StringIO()
    call_command("audit", "prune", "--dry-run", stdout=out)
    assert "2 events are older than" in out.getvalue()
    assert AuditEvent.objects.count() == 2
    call_command("audit", "prune", "--days", "260", stdout=out)
    assert "Removed 1 events" in out.getvalue()
    with pytest.raises(CommandError, match="under the retention period of 200 days"):
        call_command("audit", "prune", "--days", "30", stdout=out)


def test_it_compares_every_column_in_the_update_rule(db):
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "audit_auditevent"
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'audit_event_append_only_update'"
            )
            trigger = cursor.fetchone()[0]
            # A column added later must be compared too, or an UPDATE could change it.
            missing = [
                c for c in columns if c != "user_id" and f"NEW.{c} IS OLD.{c}" not in trigger
            ]
            assert missing == []
        else:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'audit_event_append_only'")
            assert "to_jsonb(NEW) - 'user_id'" in cursor.fetchone()[0]
