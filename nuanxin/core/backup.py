"""Backups that restore: SQLite through its online backup API, PostgreSQL through pg_dump.

`nuanxin backup -o FILE` copies the live database while the site keeps working:
SQLite's backup API copies one consistent snapshot (in WAL mode writers go on
meanwhile); `pg_dump -Fc` reads one
repeatable-read snapshot. `nuanxin restore FILE` writes a backup into an EMPTY
database only — restoring over live data would mix two histories, so it refuses.

The PostgreSQL password goes to the client tools in the environment (PGPASSWORD),
never on a command line another user of the machine could read with `ps`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

# The SQLite copy runs in ONE step: a stepwise copy restarts whenever another
# connection writes between steps, so under steady visit writes it might never end.
# In WAL mode (ours) one step reads one snapshot and writers are not blocked by it.
SQLITE_STEP_PAGES = -1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    path: Path
    vendor: str
    size: int


def _vendor(using: str) -> str:
    return connections[using].vendor


def _sqlite_path(using: str) -> str:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return name


def _pg_env(using: str) -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment for pg_dump / pg_restore."""
    settings = connections[using].settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    return args + ["--dbname", str(settings["NAME"])], env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            f"(Debian/Ubuntu: apt install postgresql-client) of the server's major version"
        )
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(*, path: Path, using: str = "default") -> Outcome:
    """Write a consistent copy of the live database to `path` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists; choose a new file (a backup never overwrites)")
    path.parent.mkdir(parents=True, exist_ok=True)
    vendor = _vendor(using)
    if vendor == "sqlite":
        _sqlite_backup(_sqlite_path(using), path)
    elif vendor == "postgresql":
        args, env = _pg_env(using)
        _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(path), *args], env)
    else:
        raise BackupError(f"no backup for the {vendor} database")
    return Outcome(path=path, vendor=vendor, size=path.stat().st_size)


def _sqlite_backup(source: str, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=SQLITE_STEP_PAGES)
            # One self-contained file: no -wal beside it to forget when copying it away.
            dst.execute("PRAGMA journal_mode=DELETE")
            (ok,) = dst.execute("PRAGMA quick_check").fetchone()
            if ok != "ok":
                raise BackupError(f"the copy fails SQLite's check: {ok}")
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)  # the file appears only once complete


def tables(using: str = "default") -> list[str]:
    """The tables in the database (empty for a database nothing was restored or migrated into)."""
    with connections[using].cursor() as cursor:
        return connections[using].introspection.table_names(cursor)


def restore(*, path: Path, using: str = "default") -> Outcome:
    """Write the backup at `path` into the (empty) database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    present = tables(using)
    if present:
        raise BackupError(
            f"the database is not empty ({len(present)} tables, e.g. {present[0]}); "
            "restore only into a new, empty database (create it, do not migrate it)"
        )
    vendor = _vendor(using)
    if vendor == "sqlite":
        target = _sqlite_path(using)
        connections[using].close()  # the copy replaces the file's pages under Django's feet
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (ok,) = src.execute("PRAGMA quick_check").fetchone()
            if ok != "ok":
                raise BackupError(f"{path} is not a sound SQLite backup: {ok}")
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst, pages=SQLITE_STEP_PAGES)
            finally:
                dst.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc
        finally:
            src.close()
    elif vendor == "postgresql":
        args, env = _pg_env(using)
        connections[using].close()
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(path),
            ],
            env,
        )
    else:
        raise BackupError(f"no restore for the {vendor} database")
    return Outcome(path=path, vendor=vendor, size=path.stat().st_size)
