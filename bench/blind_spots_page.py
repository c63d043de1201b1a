"""A district's blind spots on the cached `bench schedules` city: one page read, or every row.

    BENCH_PEOPLE=1000000 python -m bench.blind_spots_page sqlite|postgresql

Times `visits.selectors.blind_spots` for the first district, last month (five runs
each, medians), reading the count and the first page of 100 as the page does, then
building every row as the code before 3 December did (and as the xlsx export does).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time


def main(db: str) -> None:
    from bench import bench_schedules as b

    if not b._setup(db):
        sys.exit("no cached city: run `python -m bench schedules` with the same BENCH_PEOPLE")
    from django.contrib.auth import get_user_model

    from nuanxin.accounts.services import user_create
    from nuanxin.regions.models import Region
    from nuanxin.visits import selectors

    district = Region.objects.filter(level=2).order_by("code").first()
    user = get_user_model().objects.filter(username="bench_blind_district").first()
    user = user or user_create(
        username="bench_blind_district", role="district_officer", region_code=district.code,
        password="x" * 12,
    )  # fmt: skip
    month = (b.TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    def once(every_row: bool) -> tuple[float, int]:
        started = time.perf_counter()
        _region, rows = selectors.blind_spots(
            user=user, region_code=district.code, month=month, today=b.TODAY
        )
        count = len(rows)
        list(rows) if every_row else rows[0:100]
        return (time.perf_counter() - started) * 1000, count

    for label, every_row in (("a page of 100", False), ("every row built", True)) * 2:
        runs = [once(every_row) for _ in range(5)]
        median = statistics.median(ms for ms, _n in runs)
        print(f"{db}: {label:<16} {median:6.0f} ms  ({runs[0][1]:,} rows, "
              f"load {os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
