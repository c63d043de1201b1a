"""Campaign allocation benchmark (the campaigns issue): 200,000 eligible people on SQLite.

Builds (once, cached under bench/out/campaigns-<people>/) one district of 10
streets × 10 communities holding BENCH_CAMPAIGN_PEOPLE people (default 250,000),
of whom 200,000 hold an eligible category (a fifth of them two: they must still
get one kit) and the rest another category. Then, on a copy of that database so
every run starts clean, it times:

- allocating a campaign to all of them (the real service: one INSERT … SELECT a
  street, progress saved between batches) — target under 30 s;
- the progress page's figures per street (a fixed number of queries);

and checks that allocations == distinct eligible people.

    python -m bench campaigns
    BENCH_CAMPAIGN_PEOPLE=25000 python -m bench campaigns   # a quick look
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

from bench.common import insert_rows, person_row_maker

OUT = Path(__file__).parent / "out"
PEOPLE = int(os.getenv("BENCH_CAMPAIGN_PEOPLE", "250000"))
ELIGIBLE = PEOPLE * 4 // 5
DISTRICT = "510107000000"  # 武侯区
STREETS, COMMUNITIES = 10, 10
TARGET_SECONDS = 30.0


def _setup() -> tuple[Path, bool]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "nuanxin.settings"
    os.environ.pop("NUANXIN_DATABASE_URL", None)
    cache = OUT / f"campaigns-{PEOPLE}"
    run = OUT / f"campaigns-{PEOPLE}-run"
    loaded = (cache / "loaded.json").exists()
    if run.exists():
        shutil.rmtree(run)
    if loaded:
        shutil.copytree(cache, run)
    else:
        run.mkdir(parents=True)
    os.environ["NUANXIN_VAR_DIR"] = str(run)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return cache, loaded


def _load() -> dict:
    from django.db import connection, transaction

    from nuanxin.regions.models import Level, Region
    from nuanxin.registry.models import Enrollment, Person

    started = time.perf_counter()
    communities = []
    rows = []
    for s in range(1, STREETS + 1):
        street = f"{DISTRICT[:6]}{s:03d}000"
        rows.append(Region(code=street, name=f"街道{s}", level=Level.STREET, parent_id=DISTRICT))
        for c in range(1, COMMUNITIES + 1):
            code = f"{street[:9]}{c:03d}"
            rows.append(Region(code=code, name=f"社区{c}", level=Level.COMMUNITY, parent_id=street))
            communities.append(code)
    Region.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    now = connection.ops.adapt_datetimefield_value(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    person_row = person_row_maker(now)

    def person(pid: int) -> tuple:
        return person_row({"id": pid, "name": f"人{pid}", "name_pinyin": f"ren{pid}",
                           "name_initials": "r", "sex": "F", "address": f"{pid}号",
                           "region_id": communities[pid % len(communities)], "status": "active",
                           "living": "alone", "adl_walking": pid % 17 == 0})  # fmt: skip

    enrol_cols = ["person_id", "category", "source", "created_at"]
    with transaction.atomic():
        for start in range(1, PEOPLE + 1, 20_000):
            ids = range(start, min(start + 20_000, PEOPLE + 1))
            insert_rows(Person, person_row.columns, [person(i) for i in ids])
            enrolments = []
            for pid in ids:
                if pid <= ELIGIBLE:
                    enrolments.append((pid, "dibao", "bench", now))
                    if pid % 5 == 0:  # a fifth hold two eligible categories
                        enrolments.append((pid, "tekun_dispersed", "bench", now))
                else:
                    enrolments.append((pid, "elderly_alone", "bench", now))
            insert_rows(Enrollment, enrol_cols, enrolments)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "people": PEOPLE,
        "eligible": ELIGIBLE,
        "load_s": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    cache, loaded = _setup()
    if not loaded:
        info = _load()
        print(f"loaded {info}", flush=True)
        from django.db import connection

        connection.close()
        if cache.exists():
            shutil.rmtree(cache)
        shutil.copytree(Path(os.environ["NUANXIN_VAR_DIR"]), cache)
        (cache / "loaded.json").write_text(json.dumps(info))
    from django.db import connection

    from nuanxin.campaigns import selectors, services
    from nuanxin.campaigns.models import Allocation

    campaign = services.campaign_create(
        user=None, name="健康防疫包", region_codes=[DISTRICT],
        categories=["dibao", "tekun_dispersed", "tekun_central", "orphan_scattered"],
        budget_fen=70_000_000, items=[{"name": "N95 口罩", "quantity": 10}],
    )  # fmt: skip
    started = time.perf_counter()
    added = services.campaign_allocate(user=None, campaign_id=campaign.pk, background=False)
    seconds = time.perf_counter() - started
    total = Allocation.objects.filter(campaign=campaign).count()
    distinct = Allocation.objects.filter(campaign=campaign).values("person").distinct().count()
    assert added == total == distinct == ELIGIBLE, (added, total, distinct, ELIGIBLE)
    started = time.perf_counter()
    progress = selectors.progress(user=None, campaign=campaign)
    progress_s = time.perf_counter() - started
    assert progress["totals"]["allocated"] == ELIGIBLE and len(progress["rows"]) == STREETS
    again = time.perf_counter()
    assert services.campaign_allocate(user=None, campaign_id=campaign.pk, background=False) == 0
    rerun = time.perf_counter() - again
    verdict = "OK" if seconds < TARGET_SECONDS else "OVER TARGET"
    print(f"allocate {ELIGIBLE:,} eligible of {PEOPLE:,} people (SQLite): {seconds:.1f} s "
          f"(target < {TARGET_SECONDS:.0f} s) {verdict}", flush=True)  # fmt: skip
    print(f"progress per street: {progress_s * 1000:.0f} ms; a second allocate adds nothing: "
          f"{rerun:.1f} s", flush=True)  # fmt: skip
