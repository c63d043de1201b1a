"""The restore drill: back up a seeded city while visits are being written, restore it into a
fresh database, and compare row counts and checksums of people, visits and the audit trail.

Everything runs in subprocesses against databases of its own (never the test database):
SQLite files in a temporary directory, or — when NUANXIN_DATABASE_URL points at PostgreSQL
and pg_dump is installed — two scratch databases created beside it and dropped after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL = os.getenv("NUANXIN_DATABASE_URL", "")
ON_POSTGRES = URL.startswith(("postgres://", "postgresql://"))

SETUP = "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'nuanxin.settings'); django.setup()\n"

# Writes visits through the real service in a thread while the main thread backs up.
DRILL = SETUP + textwrap.dedent(
    """
    import sys, threading, time
    import datetime as dt
    from django.db import connection
    from django.utils import timezone
    from nuanxin.accounts.services import user_create
    from nuanxin.core import backup
    from nuanxin.registry.models import Person
    from nuanxin.visits.services import visit_record

    admin = user_create(username="drill", role="city_admin", region_code="510100000000")
    people = list(Person._base_manager.order_by("pk").values_list("pk", flat=True)[:40])
    stop, written, errors = threading.Event(), [], []

    def write():
        i = 0
        try:
            while not stop.is_set():
                visit, _ = visit_record(
                    user=admin, person_id=people[i % len(people)],
                    visited_on=timezone.localdate() - dt.timedelta(days=i // len(people)),
                    method="phone", with_whom="community_worker", outcome="met",
                    client_id=f"drill-{i}",
                )
                written.append(visit.pk)
                i += 1
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    def wait_for(n):
        deadline = time.monotonic() + 120
        while len(written) < n and not errors and time.monotonic() < deadline:
            time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    wait_for(5)
    before = len(written)
    backup.backup(path=sys.argv[1])
    after = len(written)
    wait_for(after + 5)
    stop.set()
    writer.join()
    print(json.dumps({"before": before, "after": after, "written": written, "errors": errors}))
    """
)

# Row counts of every table, and a checksum per row of people, visits and the audit trail.
FINGERPRINT = SETUP + textwrap.dedent(
    """
    import hashlib
    from django.apps import apps
    from nuanxin.audit.models import AuditEvent
    from nuanxin.registry.models import Person
    from nuanxin.visits.models import Visit

    def rows(model):
        return {
            str(row[0]): hashlib.sha256(repr(row).encode()).hexdigest()
            for row in model._base_manager.order_by("pk").values_list()
        }

    counts = {
        m._meta.db_table: m._base_manager.count()
        for m in apps.get_models() if m._meta.managed and not m._meta.proxy
    }
    print(json.dumps({
        "counts": counts,
        "people": rows(Person), "visits": rows(Visit), "audit": rows(AuditEvent),
    }))
    """
)


def _pg_url(name: str) -> str:
    parts = urlsplit(URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def databases(tmp_path):
    """(source env, fresh env): two databases of the vendor under test, nothing in them."""
    base = {**os.environ, "NUANXIN_DEBUG": "1", "NUANXIN_VAR_DIR": str(tmp_path / "var")}
    if not ON_POSTGRES:
        yield (
            {**base, "NUANXIN_DATABASE_URL": "", "NUANXIN_SQLITE_PATH": str(tmp_path / "a.db")},
            {**base, "NUANXIN_DATABASE_URL": "", "NUANXIN_SQLITE_PATH": str(tmp_path / "b.db")},
        )
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed (apt install postgresql-client)")
    import psycopg

    # Created from the maintenance database: the one named in the URL may not exist (CI
    # names the test database's prefix there).
    names = [f"nuanxin_drill_{uuid.uuid4().hex[:8]}_{side}" for side in ("src", "dst")]
    with psycopg.connect(_pg_url("postgres"), autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple({**base, "NUANXIN_DATABASE_URL": _pg_url(name)} for name in names)
    finally:
        with psycopg.connect(_pg_url("postgres"), autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check and done.returncode != 0:
        pytest.fail(f"{args[:2]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def nuanxin(env, *args, check=True) -> subprocess.CompletedProcess:
    return run(env, "-m", "nuanxin", *args, check=check)


def fingerprint(env) -> dict:
    return json.loads(run(env, "-c", FINGERPRINT).stdout)


def test_it_restores_a_backup_taken_while_visits_are_written(databases, tmp_path):
    source, fresh = databases
    nuanxin(source, "migrate", "-v0")
    nuanxin(source, "seed", "--persons", "300")
    dump = tmp_path / ("city.dump" if ON_POSTGRES else "city.sqlite3")

    drill = json.loads(run(source, "-c", DRILL, str(dump)).stdout.splitlines()[-1])
    assert drill["errors"] == []
    assert drill["after"] >= drill["before"] >= 5 and len(drill["written"]) >= drill["after"] + 5

    restored = nuanxin(fresh, "restore", str(dump))
    assert "restored" in restored.stdout
    assert nuanxin(fresh, "migrate", "--check", check=False).returncode == 0, "schema complete"
    got, live = fingerprint(fresh), fingerprint(source)

    # The backup is one moment of the drill: the visits written before it started are all
    # there, the ones after it ended are not, and what is there is a prefix, whole.
    drill_visits = [pk for pk in drill["written"] if str(pk) in got["visits"]]
    assert drill["before"] <= len(drill_visits) <= drill["after"]
    assert drill_visits == drill["written"][: len(drill_visits)]
    assert len(drill["written"]) > len(drill_visits), "visits written after it are not in it"
    # Every restored row is the live row, byte for byte; people did not change meanwhile.
    assert got["people"] == live["people"] and len(got["people"]) >= 300
    for kind in ("visits", "audit"):
        assert got[kind].items() <= live[kind].items(), kind
    assert got["counts"]["registry_person"] == live["counts"]["registry_person"]
    for table, count in got["counts"].items():
        assert count <= live["counts"][table], table
    assert len(live["visits"]) - len(got["visits"]) == len(drill["written"]) - len(drill_visits)

    if not ON_POSTGRES:  # the file itself opens as the same database
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(dump, copy)
        assert fingerprint({**fresh, "NUANXIN_SQLITE_PATH": str(copy)}) == got


def test_it_refuses_to_restore_over_data_or_to_overwrite_a_backup(databases, tmp_path):
    source, fresh = databases
    nuanxin(source, "migrate", "-v0")
    dump = tmp_path / ("one.dump" if ON_POSTGRES else "one.sqlite3")
    nuanxin(source, "backup", "-o", str(dump))

    again = nuanxin(source, "backup", "-o", str(dump), check=False)
    assert again.returncode != 0 and "exists" in again.stderr

    over = nuanxin(source, "restore", str(dump), check=False)
    assert over.returncode != 0 and "not empty" in over.stderr

    missing = nuanxin(fresh, "restore", str(tmp_path / "nope"), check=False)
    assert missing.returncode != 0 and "no such backup file" in missing.stderr


def test_it_says_what_to_install_when_the_postgresql_tools_are_missing(monkeypatch):
    from nuanxin.core import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed.*postgresql-client"):
        backup._pg_tool("pg_dump")
