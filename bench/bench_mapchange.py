"""Administrative change benchmark (issue #17): merge a community of 2,000 people
with 24,000 visits into its neighbour, on SQLite.

Builds a fresh database under bench/out/mapchange/ (one street, the community
kept with 2,000 people of its own, the community merged away with 2,000 people
in 4 grids, each person with a visit duty and 12 visits, one a month up to this
one, and a monthly tally each), with bulk inserts. This month's visits move with
the people; the eleven months before stay under the old code. Then it times:

- the preview (the whole merge in a transaction rolled back);
- the merge itself (target: seconds);
- last month's coverage of the street, before and after (it must read the same).

    python -m bench mapchange
    BENCH_MAPCHANGE_PEOPLE=500 python -m bench mapchange   # a quick look
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

OUT = Path(__file__).parent / "out" / "mapchange"
PEOPLE = int(os.getenv("BENCH_MAPCHANGE_PEOPLE", "2000"))
VISITS_EACH = 12
DISTRICT = "510108000000"
STREET = "510108020000"
KEPT, MERGED = "510108020001", "510108020002"
GRIDS = 4
TARGET_SECONDS = 10.0


def _setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "nuanxin.settings"
    os.environ.pop("NUANXIN_DATABASE_URL", None)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    os.environ["NUANXIN_VAR_DIR"] = str(OUT)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(today: dt.date) -> None:
    from django.db import transaction

    from nuanxin.regions.models import Level, Region
    from nuanxin.registry.models import Person
    from nuanxin.visits.models import Visit, VisitSchedule, VisitTally

    regions = [
        Region(code=STREET, name="测试街道", level=Level.STREET, parent_id=DISTRICT),
        Region(code=KEPT, name="留存社区", level=Level.COMMUNITY, parent_id=STREET),
        Region(code=MERGED, name="并入社区", level=Level.COMMUNITY, parent_id=STREET),
    ]
    for parent in (KEPT, MERGED):
        regions += [
            Region(code=f"{parent}{g:03d}", name=f"网格{g}", level=Level.GRID, parent_id=parent)
            for g in range(1, GRIDS + 1)
        ]
    since = today - dt.timedelta(days=400)
    first = today.replace(day=1)
    # This month and the eleven before it: this month's visits move with the people
    # (the month of the change counts under the new map), the rest stay as history.
    months = [first]
    while len(months) < VISITS_EACH:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    with transaction.atomic():
        Region.objects.bulk_create(regions)
        people = []
        for i in range(2 * PEOPLE):
            parent = KEPT if i < PEOPLE else MERGED
            people.append(
                Person(
                    name=f"人{i}",
                    name_pinyin=f"ren{i}",
                    name_initials="r",
                    region_id=f"{parent}{i % GRIDS + 1:03d}",
                    address=f"{i}号",
                )
            )
        Person.objects.bulk_create(people, batch_size=500)
        VisitSchedule.objects.bulk_create(
            [
                VisitSchedule(
                    person_id=p.pk,
                    region_id=p.region_id,
                    tier="blue",
                    tier_rank=3,
                    in_scope_since=since,
                    due_on=today + dt.timedelta(days=10),
                )
                for p in people
            ],
            batch_size=500,
        )
        visits, tallies = [], []
        for p in people:
            for month in months:
                day = min(month + dt.timedelta(days=p.pk % 27), today)
                visits.append(
                    Visit(
                        person_id=p.pk,
                        region_id=p.region_id,
                        visited_on=day,
                        month=month,
                        method="home",
                        with_whom="community_worker",
                        outcome="met",
                    )
                )
                tallies.append(
                    VisitTally(person_id=p.pk, month=month, region_id=p.region_id, n_home=1)
                )
        Visit.objects.bulk_create(visits, batch_size=500)
        VisitTally.objects.bulk_create(tallies, batch_size=500)


def main() -> None:
    started = time.perf_counter()
    _setup()
    from django.utils import timezone

    from nuanxin.mapchange import services
    from nuanxin.regions.models import Region
    from nuanxin.visits.models import Visit
    from nuanxin.visits.selectors import coverage_compute

    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    _load(today)
    merged_visits = Visit.objects.filter(region_id__gte=MERGED, region_id__lt=MERGED + "~").count()
    print(
        f"built: {2 * PEOPLE} people ({PEOPLE} to merge, {merged_visits} of their visits)"
        f" in {time.perf_counter() - started:.1f} s"
    )

    def street_month():
        cov = coverage_compute(
            region=Region.objects.get(code=STREET), month=last_month, today=today
        )
        return [(c.code, c.in_scope, c.visited) for c in cov.children]

    before = street_month()
    t = time.perf_counter()
    preview = services.change_merge(
        user=None, code=MERGED, into=KEPT, effective_on=today, dry_run=True
    )
    print(f"preview (rolled back): {time.perf_counter() - t:.2f} s  {preview.counts}")
    t = time.perf_counter()
    outcome = services.change_merge(user=None, code=MERGED, into=KEPT, effective_on=today)
    merge_s = time.perf_counter() - t
    verdict = "ok" if merge_s < TARGET_SECONDS else "OVER TARGET"
    print(f"merge: {merge_s:.2f} s (target < {TARGET_SECONDS:.0f} s: {verdict})  {outcome.counts}")
    t = time.perf_counter()
    after = street_month()
    print(f"street coverage of last month after the merge: {time.perf_counter() - t:.3f} s")
    print(f"last month reads as it did: {'yes' if after == before else 'NO'}  {after}")
