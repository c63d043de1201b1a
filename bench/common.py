"""What the benchmarks share: the database to run in, a person row straight for the
table, timing, and running a worker in a fresh process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent


def pg_database(url: str, *, fresh: bool = False) -> None:
    """Make sure the PostgreSQL database named at the end of `url` exists (dropped first
    when `fresh`)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def pg_answers(url: str) -> bool:
    """Does the PostgreSQL server of `url` answer?"""
    try:
        import psycopg

        psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


def django_in(var: Path, db: str, pg_url: str, *, fresh_pg: bool = False) -> None:
    """Start Django on `db` ("sqlite", in `var`, or "postgresql" at `pg_url`, dropped first
    when `fresh_pg`), migrated."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "nuanxin.settings"
    var.mkdir(parents=True, exist_ok=True)
    os.environ["NUANXIN_VAR_DIR"] = str(var)
    if db == "sqlite":
        os.environ.pop("NUANXIN_DATABASE_URL", None)
    else:
        pg_database(pg_url, fresh=fresh_pg)
        os.environ["NUANXIN_DATABASE_URL"] = pg_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def city_loaded(var: Path, people: int) -> bool:
    """Does the bench database already hold its city (`var`/loaded.json and the people)?"""
    from nuanxin.registry.models import Person

    return (var / "loaded.json").exists() and Person.objects.count() >= people


def city_grids(streets: int, communities: int, grids_each: int) -> list[str]:
    """Create `streets` streets of `communities` communities of `grids_each` grids under
    each of the first 20 districts (kept when there); return the grid codes."""
    from nuanxin.regions.models import Level, Region

    districts = list(Region.objects.filter(level=Level.DISTRICT).order_by("code")[:20])
    rows, grids = [], []
    for d in districts:
        for s in range(1, streets + 1):
            street = f"{d.code[:6]}{s:03d}000"
            rows.append(Region(code=street, name=f"街道{s}", level=Level.STREET, parent_id=d.code))
            for c in range(1, communities + 1):
                community = f"{street[:9]}{c:03d}"
                rows.append(
                    Region(code=community, name=f"社区{c}", level=Level.COMMUNITY, parent_id=street)
                )
                for g in range(1, grids_each + 1):
                    grid = f"{community}{g:03d}"
                    rows.append(
                        Region(code=grid, name=f"网格{g}", level=Level.GRID, parent_id=community)
                    )
                    grids.append(grid)
    Region.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return grids


def drop_indexes(table: str) -> list[str]:
    """Drop the secondary indexes of a table; return the SQL to rebuild them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=%s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename=%s "
                "AND indexname NOT LIKE '%%_pkey' AND indexdef NOT LIKE '%%UNIQUE%%'",
                [table],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def insert_rows(model, columns: list[str], rows) -> None:
    """Rows straight into a model's table: COPY on PostgreSQL, batched INSERTs on SQLite.
    Its district column (nuanxin.regions.districts) comes with them when not named: see
    `with_district`."""
    from django.db import connection

    columns, rows = with_district(model, columns, rows)
    table = model._meta.db_table
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 20000:
                    cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", batch)


def with_district(model, columns: list[str], rows) -> tuple[list[str], object]:
    """`columns` and `rows` with the model's district added when it has one and they do
    not name it: the district of the row's own region code (a column among `columns`),
    or, for a row hanging on a parent (a person's enrollment), the parent's district as
    stored (so the parents go in first)."""
    from django.db import connection

    from nuanxin.regions.districts import district_field, district_of_code

    field = district_field(model)
    if field is None or field.column in columns:
        return columns, rows
    source = model._meta.get_field(field.source)
    if source.column not in columns:
        raise ValueError(f"{model._meta.db_table}: its district needs {source.column}")
    at = columns.index(source.column)
    if not field.follows_parent:
        return [*columns, field.column], ((*row, district_of_code(row[at])) for row in rows)
    rows = list(rows)
    ids = {row[at] for row in rows}
    parent = source.related_model._meta
    found = {}
    if ids:
        key = source.target_field.column
        with connection.cursor() as cursor:
            # The parents of a batch are a run of ids: one range read, not an IN list.
            cursor.execute(
                f"SELECT {key}, {field.column} FROM {parent.db_table} "
                f"WHERE {key} BETWEEN %s AND %s",
                [min(ids), max(ids)],
            )
            found = {pk: district for pk, district in cursor.fetchall() if pk in ids}
    if missing := ids - found.keys():
        raise ValueError(
            f"{model._meta.db_table}: no {parent.db_table} row for {sorted(missing)[:5]}"
        )
    return [*columns, field.column], [(*row, found[row[at]]) for row in rows]


def person_row_maker(now):
    """values -> a tuple of every concrete column of Person, in order: the value given,
    else the district of its region code, else `now` for an automatic timestamp, else
    null or the field's default (other apps may add fields)."""
    from nuanxin.regions.districts import DistrictField, district_of_code
    from nuanxin.registry.models import Person

    fields = list(Person._meta.concrete_fields)
    # district column -> the region code column it is the first six digits of
    own = {
        f.column: Person._meta.get_field(f.source).column
        for f in fields
        if isinstance(f, DistrictField) and not f.follows_parent
    }

    def person_row(values: dict) -> tuple:
        # Registered where they live unless told otherwise (人户分离 is the exception).
        if "region_id" in values and "registered_region_id" not in values:
            values = {**values, "registered_region_id": values["region_id"]}
        row = []
        for f in fields:
            if f.column in values:
                row.append(values[f.column])
            elif f.column in own:
                row.append(district_of_code(values.get(own[f.column])))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                row.append(now)
            elif f.null:
                row.append(None)
            else:
                row.append(f.get_default())
        return tuple(row)

    person_row.columns = [f.column for f in fields]
    return person_row


def timed(fn) -> tuple[float, object]:
    """(seconds, to one decimal; what `fn()` answered)."""
    started = time.perf_counter()
    answer = fn()
    return round(time.perf_counter() - started, 1), answer


def time_ms(fn, repeat: int = 7) -> dict:
    """First (cold) and median of the rest, in milliseconds."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return {"first_ms": round(runs[0], 1), "median_ms": round(statistics.median(runs[1:]), 1)}


def spawn(module: str, *args: str, capture_stderr: bool = False) -> dict | None:
    """Run `python -m <module> <args>` in a fresh process; its last line of output, read as
    JSON, or None (said) when it failed. Its stderr goes through unless captured, then
    the end of it is shown on failure."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else None,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode:
        tail = f":\n{proc.stderr[-2000:]}" if capture_stderr else ""
        print(f"   {' '.join(args)} failed{tail}", flush=True)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def visit_body(client_id: str, person_id: int) -> dict:
    """A field worker's visit as the phone app POSTs it (the load test and bench.request_costs)."""
    import datetime as dt

    return {
        "client_id": client_id,
        "person_id": person_id,
        "visited_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "checklist": {"gas_hose_age": "ok"},
    }
