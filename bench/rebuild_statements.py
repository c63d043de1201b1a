"""A first-load schedule rebuild on the cached `bench schedules` city, statement by statement.

Uses the city `python -m bench schedules` built and cached (same BENCH_PEOPLE and
BENCH_SCHEDULES_PG_URL), empties the schedule table, then times each SQL statement
of `rebuild.schedules_rebuild()` over 50 ms:

    BENCH_PEOPLE=1000000 python -m bench.rebuild_statements sqlite
    BENCH_PEOPLE=1000000 python -m bench.rebuild_statements postgresql
    BENCH_KEEP_INDEXES=1 ...    # the same, inserting through the indexes (the code before)
"""

from __future__ import annotations

import os
import sys
import time


def main(db: str) -> None:
    from bench import bench_schedules as b

    if not b._setup(db):
        sys.exit("no cached city: run `python -m bench schedules` with the same BENCH_PEOPLE")
    from django.db import connection

    from nuanxin.registry.models import Person
    from nuanxin.visits import rebuild
    from nuanxin.visits.models import VisitSchedule

    if os.getenv("BENCH_KEEP_INDEXES"):
        rebuild._Rebuild._first_load = lambda self, cursor: False
    VisitSchedule.objects.all().delete()
    Person.objects.update(tier="")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) visits_visitschedule, registry_person")
    b._cold_snap()
    times = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.append((time.perf_counter() - started, sql[:100]))

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        written = rebuild.schedules_rebuild(today=b.TODAY)
    total = time.perf_counter() - started
    for seconds, sql in times:
        if seconds > 0.05:
            print(f"{seconds:7.2f} s  {sql}")
    load = os.getloadavg()[0]
    print(f"{db}: {total:.1f} s, {written:,} schedules written (1-minute load {load:.1f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
