"""Set-based schedule rebuild benchmark (issue: 1,000,000 people in under 60 s).

Builds (once, cached) a city of BENCH_PEOPLE people (default 1,000,000) with an
enrollment each (some ended), contacts and disabilities for some, about three
visits a person and a current cold snap in two districts, straight into the
tables like bench_visits. Then, in a fresh process per database, it times:

- a first load: no schedule exists, `rebuild.schedules_rebuild()` creates them all;
- a policy change: a new policy version for every tier, every schedule recomputed;
- nothing changed: the same rebuild again (reads everything, writes nothing);
- for scale, the per-person refresh over a sample of BENCH_SAMPLE people.

    python -m bench schedules
    BENCH_PEOPLE=100000 python -m bench schedules     # smaller, for a quick look
    BENCH_DBS=postgresql python -m bench schedules    # one database only
    BENCH_SCHEDULES_PG_URL=postgres://postgres@127.0.0.1:5432/h_schedules_bench (default)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

from bench.common import (
    city_grids,
    city_loaded,
    django_in,
    drop_indexes,
    insert_rows,
    person_row_maker,
    spawn,
    timed,
)

OUT = Path(__file__).parent / "out"
PEOPLE = int(os.getenv("BENCH_PEOPLE", "1000000"))
SAMPLE = int(os.getenv("BENCH_SAMPLE", "20000"))
PG_URL = os.getenv("BENCH_SCHEDULES_PG_URL", "postgres://postgres@127.0.0.1:5432/h_schedules_bench")
TODAY = dt.date(2026, 11, 29)
SEED = 20261203
CATEGORIES = ["dibao"] * 6 + [
    "tekun_dispersed",
    "dibao_edge",
    "left_behind_child",
    "orphan_scattered",
]
LIVING = ["alone"] * 3 + ["empty_nest"] * 2 + ["with_family"] * 4 + ["institution"]


def _setup(db: str) -> bool:
    """Point Django at the bench database; True if it already holds the city."""
    os.environ.setdefault("NUANXIN_DEBUG", "0")
    os.environ.setdefault("NUANXIN_SECRET_KEY", "bench-only-" + "x" * 50)
    var = OUT / f"schedules-{PEOPLE}-{db}"
    # Another size's city, or half a load: PostgreSQL starts afresh.
    django_in(var, db, PG_URL, fresh_pg=not (var / "loaded.json").exists())
    return city_loaded(var, PEOPLE)


def load(db: str) -> dict:
    """The city, straight into the tables (indexes dropped and rebuilt, as bench_visits)."""
    from django.db import connection, transaction

    from bench.bench_visits import COMMUNITIES, GRIDS, STREETS
    from nuanxin.registry.models import Contact, Disability, Enrollment, Person
    from nuanxin.visits.models import Visit

    started = time.perf_counter()
    rng = random.Random(SEED)
    grids = city_grids(STREETS, COMMUNITIES, GRIDS)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(dt.datetime(2025, 11, 1, tzinfo=dt.UTC))
    person_row = person_row_maker(now)
    tables = {
        Person: person_row.columns,
        Enrollment: ["person_id", "category", "start_date", "end_date", "source", "created_at"],
        Contact: ["person_id", "name", "relation", "phone", "is_guardian", "is_emergency", "note"],
        Disability: ["person_id", "category", "grade", "certificate_number"],
        Visit: ["person_id", "region_id", "visited_on", "month", "method", "with_whom",
                "outcome", "checklist", "notes", "recorded_at", "late"],
    }  # fmt: skip
    rows = {model: [] for model in tables}
    year_ago = TODAY - dt.timedelta(days=365)
    counts = {"people": 0, "visits": 0}

    def flush():
        for model, batch in rows.items():
            insert_rows(model, tables[model], batch)
            batch.clear()

    with transaction.atomic():
        rebuild_sql = []
        for model in tables:
            rebuild_sql += drop_indexes(model._meta.db_table)
        for pid in range(1, PEOPLE + 1):
            grid = grids[pid % len(grids)]
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 90))
            adl = {f"adl_{k}": rng.random() < 0.08 for k in
                   ("eating", "dressing", "toileting", "transfer", "bathing", "walking")}  # fmt: skip
            rows[Person].append(
                person_row({"id": pid, "name": f"人{pid}", "name_pinyin": f"ren{pid}",
                            "name_initials": "r", "sex": "F", "address": f"{pid}号",
                            "region_id": grid, "status": "active" if rng.random() < 0.97 else "moved",
                            "living": rng.choice(LIVING), "birth_date": birth, **adl})
            )  # fmt: skip
            if rng.random() < 0.95:
                start = year_ago - dt.timedelta(days=rng.randrange(2000))
                end = TODAY - dt.timedelta(days=rng.randrange(200)) if rng.random() < 0.04 else None
                rows[Enrollment].append((pid, rng.choice(CATEGORIES), start, end, "bench", now))
            if rng.random() < 0.3:
                rows[Contact].append((pid, "联系人", "子女", "", rng.random() < 0.5, True, ""))
            if rng.random() < 0.05:
                rows[Disability].append((pid, 1, rng.randint(1, 4), ""))
            for _k in range(rng.randrange(7)):
                day = year_ago + dt.timedelta(days=rng.randrange(365))
                method = "home" if rng.random() < 0.7 else "phone"
                outcome = "met" if rng.random() < 0.93 else "not_at_home"
                rows[Visit].append((pid, grid, day, day.replace(day=1), method, "grid_worker",
                                    outcome, "{}", "", now, False))  # fmt: skip
                counts["visits"] += 1
            counts["people"] += 1
            if pid % 50000 == 0:
                flush()
                print(f"   {db}: {pid:,} people ({time.perf_counter() - started:.0f} s)",
                      file=sys.stderr, flush=True)  # fmt: skip
        flush()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in rebuild_sql:
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                for table in ("registry_person", "registry_enrollment", "registry_contact",
                              "registry_disability", "visits_visit"):  # fmt: skip
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}))"
                    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    counts["load_s"] = round(time.perf_counter() - started, 1)
    return counts


def _cold_snap() -> None:
    """A cold snap open on TODAY in the first two districts (red and yellow windows)."""
    from nuanxin.regions.models import Level, Region
    from nuanxin.visits.models import ColdSnap

    ColdSnap.objects.filter(name="bench").delete()
    snap = ColdSnap.objects.create(
        name="bench", starts_on=TODAY - dt.timedelta(days=2), ends_on=TODAY + dt.timedelta(days=5),
        red_gap_days=1, red_methods=["home", "phone"], yellow_gap_days=3,
        yellow_methods=["home", "phone"],
    )  # fmt: skip
    snap.districts.set(Region.objects.filter(level=Level.DISTRICT).order_by("code")[:2])


def worker(db: str) -> dict:
    loaded = _setup(db)
    var = Path(os.environ["NUANXIN_VAR_DIR"])
    result = {"db": db, "people": PEOPLE}
    if not loaded:
        result.update(load(db))
        (var / "loaded.json").write_text(json.dumps(result))
    else:
        result.update(json.loads((var / "loaded.json").read_text()))
        result["cached"] = True

    from django.db import connection
    from django.utils import translation

    from nuanxin.registry.models import Person
    from nuanxin.visits import derive, rebuild
    from nuanxin.visits.models import VisitPolicy, VisitSchedule

    translation.activate("zh-hans")
    _cold_snap()
    VisitPolicy.objects.filter(created_by=None, valid_from=TODAY - dt.timedelta(days=10)).delete()

    VisitSchedule.objects.all().delete()
    Person.objects.update(tier="")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) visits_visitschedule, registry_person")
    result["first_load_s"], result["first_load_written"] = timed(
        lambda: rebuild.schedules_rebuild(today=TODAY)
    )
    for tier, gap in (("red", 5), ("yellow", 10), ("blue", 20)):
        VisitPolicy.objects.create(tier=tier, valid_from=TODAY - dt.timedelta(days=10),
                                   max_gap_days=gap, methods=["home"])  # fmt: skip
    result["policy_change_s"], result["policy_change_written"] = timed(
        lambda: rebuild.schedules_rebuild(today=TODAY)
    )
    result["unchanged_s"], result["unchanged_written"] = timed(
        lambda: rebuild.schedules_rebuild(today=TODAY)
    )
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:SAMPLE])
    sample_s, _n = timed(lambda: derive.schedules_refresh(person_ids=ids, today=TODAY))
    result["per_person_ms"] = round(sample_s * 1000 / max(1, len(ids)), 3)
    VisitPolicy.objects.filter(valid_from=TODAY - dt.timedelta(days=10)).delete()
    return result


def main() -> None:
    for db in os.getenv("BENCH_DBS", "sqlite,postgresql").split(","):
        r = spawn("bench.bench_schedules", "worker", db)
        if not r:
            continue
        print(f"{db}: {r['people']:,} people, {r['visits']:,} visits "
              f"(load {r['load_s']} s{', cached' if r.get('cached') else ''})")  # fmt: skip
        for key, label in (("first_load", "first load (no schedule yet)"),
                           ("policy_change", "policy change (all recomputed)"),
                           ("unchanged", "again, nothing changed")):  # fmt: skip
            mark = "ok" if r[f"{key}_s"] <= 60 else "SLOW"
            print(f"  {label:<32} {r[f'{key}_s']:>6.1f} s  {r[f'{key}_written']:>9,} written"
                  f"  (target 60 s) {mark}")  # fmt: skip
        per_million = r["per_person_ms"] * 1_000_000 / 1000
        print(f"  per-person refresh: {r['per_person_ms']} ms a person "
              f"(a million: about {per_million:.0f} s)", flush=True)  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        print(json.dumps(worker(sys.argv[2]), default=str))
