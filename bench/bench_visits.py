"""Worklist, coverage, blind-spot and visit-recording benchmark (the visits issue).

Builds (once, cached) a city of BENCH_PEOPLE people (default 1,000,000) in
20 districts x 10 streets x 10 communities x 5 grids, with a year of visits
(about 12 per person: ~12,000,000), straight into the tables with executemany
(COPY on PostgreSQL), indexes dropped during the load and rebuilt after. Then,
in a fresh process per database, it times what the issue asks:

- a grid worker's worklist (under 50 ms)
- a district's month of coverage with its child regions (under 500 ms), the city's (under 2 s)
- the blind-spot report for a street (under 200 ms)
- recording a visit, findings and schedule refresh included (under 20 ms)

    python -m bench visits
    BENCH_PEOPLE=100000 python -m bench visits      # smaller, for a quick look
    BENCH_VISITS_PG_URL=postgres://postgres@127.0.0.1:5432/h_visits_bench (default)

SQLite is cached under bench/out/visits-<people>/; the PostgreSQL database is
reused when it already holds the same number of visits.
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
    time_ms,
)

OUT = Path(__file__).parent / "out"
PEOPLE = int(os.getenv("BENCH_PEOPLE", "1000000"))
PG_URL = os.getenv("BENCH_VISITS_PG_URL", "postgres://postgres@127.0.0.1:5432/h_visits_bench")
TODAY = dt.date(2026, 11, 29)
SEED = 20261129
STREETS, COMMUNITIES, GRIDS = 10, 10, 5
# Visits a year per tier (a year of realistic contact; ~12 per person on average).
PER_YEAR = {"red": 30, "yellow": 15, "blue": 9}
TIERS = ["red"] * 10 + ["yellow"] * 30 + ["blue"] * 60


def _setup(db: str) -> bool:
    """Point Django at the bench database; True if it already holds the data."""
    var = OUT / f"visits-{PEOPLE}-{db}"
    django_in(var, db, PG_URL)
    return city_loaded(var, PEOPLE)


def load(db: str) -> dict:
    """Generate the city into the tables; returns counts and seconds."""
    from django.db import connection, transaction

    from nuanxin.registry.models import Person
    from nuanxin.visits.models import Visit, VisitSchedule

    started = time.perf_counter()
    rng = random.Random(SEED)
    grids = city_grids(STREETS, COMMUNITIES, GRIDS)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(dt.datetime(2025, 11, 1, tzinfo=dt.UTC))
    year_ago = TODAY - dt.timedelta(days=365)
    person_row = person_row_maker(now)
    person_cols = person_row.columns
    sched_cols = ["person_id", "region_id", "tier", "tier_rank", "tier_why", "in_scope_since",
                  "active", "last_contact_on", "last_home_on", "major_change_note", "due_on",
                  "due_reason", "updated_at"]  # fmt: skip
    visit_cols = ["person_id", "region_id", "visited_on", "month", "method", "with_whom",
                  "outcome", "checklist", "notes", "recorded_at", "late"]  # fmt: skip
    gaps = {"red": 7, "yellow": 14, "blue": 30}
    people, schedules, visits = [], [], []
    counts = {"people": 0, "visits": 0}
    with transaction.atomic():
        rebuild = []
        for model in (Person, VisitSchedule, Visit):
            rebuild += drop_indexes(model._meta.db_table)
        for pid in range(1, PEOPLE + 1):
            grid = grids[pid % len(grids)]
            tier = TIERS[rng.randrange(100)]
            people.append(
                person_row({"id": pid, "name": f"人{pid}", "name_pinyin": f"ren{pid}",
                            "name_initials": "r", "sex": "F", "address": f"{pid}号",
                            "region_id": grid, "status": "active", "living": "alone",
                            "tier": tier})
            )  # fmt: skip
            n = PER_YEAR[tier]
            last = None
            for k in range(n):
                day = year_ago + dt.timedelta(days=int((k + rng.random()) * 365 / n))
                if day > TODAY:
                    break
                method = "phone" if tier == "blue" and rng.random() < 0.3 else "home"
                outcome = "met" if rng.random() < 0.93 else rng.choice(["not_at_home", "refused"])
                visits.append((pid, grid, day, day.replace(day=1), method, "grid_worker", outcome,
                               "{}", "", now, False))  # fmt: skip
                if outcome == "met":
                    last = day
            due = (last or year_ago) + dt.timedelta(days=gaps[tier])
            schedules.append((pid, grid, tier, ["red", "yellow", "blue"].index(tier), "bench",
                              year_ago - dt.timedelta(days=30), True, last, last, "", due,
                              "policy", now))  # fmt: skip
            if len(people) >= 50000:
                _flush(people, schedules, visits, person_cols, sched_cols, visit_cols, counts)
                people, schedules, visits = [], [], []
                print(f"   {db}: {counts['people']:,} people, {counts['visits']:,} visits "
                      f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
        _flush(people, schedules, visits, person_cols, sched_cols, visit_cols, counts)
        index_started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred FK checks now
            for sql in rebuild:
                cursor.execute(sql)
        counts["index_s"] = round(time.perf_counter() - index_started, 1)
    from nuanxin.visits.derive import visit_tallies_rebuild

    visit_tallies_rebuild()  # the visits were written straight into the table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('registry_person', 'id'), %s)",
                           [PEOPLE + 1])  # fmt: skip
            # As autovacuum would in production: without the visibility map no index-only scans.
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
    counts["load_s"] = round(time.perf_counter() - started, 1)
    return counts


def _flush(people, schedules, visits, person_cols, sched_cols, visit_cols, counts) -> None:
    from nuanxin.registry.models import Person
    from nuanxin.visits.models import Visit, VisitSchedule

    insert_rows(Person, person_cols, people)
    insert_rows(VisitSchedule, sched_cols, schedules)
    insert_rows(Visit, visit_cols, visits)
    counts["people"] += len(people)
    counts["visits"] += len(visits)


def worker(db: str) -> dict:
    loaded = _setup(db)
    result = {"db": db, "people": PEOPLE}
    if not loaded:
        result.update(load(db))
        (Path(os.environ["NUANXIN_VAR_DIR"]) / "loaded.json").write_text(json.dumps(result))
    else:
        result.update(json.loads((Path(os.environ["NUANXIN_VAR_DIR"]) / "loaded.json").read_text()))
        result["cached"] = True

    from django.contrib.auth import get_user_model

    from nuanxin.accounts.services import user_create
    from nuanxin.core import duties
    from nuanxin.regions.models import Region
    from nuanxin.registry.models import Person  # noqa: I001
    from nuanxin.visits import selectors, services

    district = Region.objects.filter(level=2).order_by("code").first()
    street = f"{district.code[:6]}001000"
    grid = f"{district.code[:6]}001001001"
    users = get_user_model().objects

    def user(name, role, code):
        found = users.filter(username=name).first()
        return found or user_create(username=name, role=role, region_code=code, password="x" * 12)

    grid_worker = user("bench_grid", "grid_worker", grid)
    street_officer = user("bench_street", "street_officer", street)
    month = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    city = Region.objects.get(level=1)
    district_region = Region.objects.get(code=district.code)

    result["worklist"] = time_ms(
        lambda: len(
            duties.worklist(user=grid_worker, today=TODAY, until=TODAY + dt.timedelta(days=6))
        )
    )
    result["worklist_rows"] = len(
        duties.worklist(user=grid_worker, today=TODAY, until=TODAY + dt.timedelta(days=6))
    )
    officer = user("bench_district", "district_officer", district.code)
    result["worklist_district"] = time_ms(
        lambda: selectors.schedule_due_by_region(user=officer, region=district_region, today=TODAY),
        5,
    )
    result["coverage_district"] = time_ms(
        lambda: selectors.coverage_compute(region=district_region, month=month, today=TODAY), 5
    )
    cov = selectors.coverage_compute(region=city, month=month, today=TODAY)
    result["city_figures"] = cov.total.as_dict()
    result["coverage_city"] = time_ms(
        lambda: selectors.coverage_compute(region=city, month=month, today=TODAY), 3
    )
    result["blind_spots_street"] = time_ms(
        lambda: selectors.blind_spots(
            user=street_officer, region_code=street, month=month, today=TODAY
        )  # fmt: skip
    )
    result["blind_spot_rows"] = len(
        selectors.blind_spots(user=street_officer, region_code=street, month=month, today=TODAY)[1]
    )
    people = list(Person.objects.filter(region_id=grid).values_list("pk", flat=True)[:20])
    counter = iter(range(10**9))

    def record():
        services.visit_record(
            user=grid_worker, person_id=people[next(counter) % len(people)],
            visited_on=TODAY - dt.timedelta(days=1), method="home", with_whom="grid_worker",
            outcome="met", checklist={"gas_hose_age": "ok"},
            client_id=f"bench-{time.time_ns()}",
        )  # fmt: skip

    result["record_visit"] = time_ms(record, 15)
    return result


def main() -> None:
    for db in ("sqlite", "postgresql"):
        r = spawn("bench.bench_visits", "worker", db)
        if not r:
            continue
        print(f"{db}: {r['people']:,} people, {r['visits']:,} visits "
              f"(load {r['load_s']} s, indexes {r['index_s']} s{', cached' if r.get('cached') else ''})")  # fmt: skip
        for key, target in [("worklist", 50), ("worklist_district", 500), ("coverage_district", 500), ("coverage_city", 2000),
                            ("blind_spots_street", 200), ("record_visit", 20)]:  # fmt: skip
            t = r[key]
            mark = "ok" if t["median_ms"] <= target else "SLOW"
            print(f"  {key:<20} median {t['median_ms']:>8.1f} ms  first {t['first_ms']:>8.1f} ms"
                  f"  (target {target} ms) {mark}")  # fmt: skip
        print(
            f"  worklist rows {r['worklist_rows']}, blind spots in the street "
            f"{r['blind_spot_rows']}, city last month {r['city_figures']}",
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        print(json.dumps(worker(sys.argv[2]), default=str))
