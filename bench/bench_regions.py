"""Region tree import benchmark (issue #17 item 1): the official codes of one city.

Builds (once, under bench/out/regions/) a division-code file shaped like
Chengdu's: the city, its 20 real county units (names from
nuanxin/regions/chengdu.py), 261 townships and 12 communities under each
(3,132), plus the province row an official file starts with (skipped), as CSV
and as xlsx. Each is imported into a fresh SQLite database (and PostgreSQL,
when BENCH_PG_URL answers) in its own process: the first import (the 20 county
units are already there from the migrations), the same file again (nothing
changes), and a dry run.

    python -m bench regions
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/h_regions python -m bench regions
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.common import pg_answers, pg_database, spawn

OUT = Path(__file__).parent / "out" / "regions"
TOWNSHIPS = 261
COMMUNITIES_EACH = 12
PG_URL = os.getenv("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/h_regions")
WORDS = "东西南北中新和安福春华光明兴平建太永长清龙凤金玉德"


def rows() -> list[list[str]]:
    from nuanxin.regions import chengdu

    found = [
        ["510000000000", "四川省", "省", ""],
        [chengdu.CITY[0], chengdu.CITY[1], "市", "510000000000"],
    ]
    districts = [code for code, _name in chengdu.DISTRICTS]
    for code, name in chengdu.DISTRICTS:
        found.append([code + "000000", name, "区县", chengdu.CITY[0]])
    for t in range(TOWNSHIPS):
        district = districts[t % len(districts)]
        number = t // len(districts) + 1
        town = f"{district}{number:03d}000"
        label = WORDS[t % len(WORDS)] + WORDS[(t // len(WORDS)) % len(WORDS)]
        found.append([town, f"{label}街道", "乡镇", district + "000000"])
        for c in range(1, COMMUNITIES_EACH + 1):
            found.append([f"{town[:9]}{c:03d}", f"{label}{WORDS[c % len(WORDS)]}社区", "村", town])
    return found


def files() -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    data = rows()
    header = ["统计用区划代码", "名称", "层级", "上级代码"]
    path_csv = OUT / "chengdu-regions.csv"
    with open(path_csv, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(data)
    path_xlsx = OUT / "chengdu-regions.xlsx"
    from nuanxin.core.xlsx import LedgerSheet, write_ledger

    write_ledger(path_xlsx, [LedgerSheet(title="区划", headers=header, rows=data)])
    return {"csv": path_csv, "xlsx": path_xlsx}


def worker(db: str, path: Path) -> dict:
    tag = f"{db}-{path.suffix[1:]}"
    var = OUT / f"var-{tag}"
    shutil.rmtree(var, ignore_errors=True)
    os.environ["NUANXIN_VAR_DIR"] = str(var)
    if db == "postgresql":
        pg_database(PG_URL, fresh=True)
        os.environ["NUANXIN_DATABASE_URL"] = PG_URL
    else:
        os.environ.pop("NUANXIN_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "nuanxin.settings"
    os.environ["NUANXIN_DEBUG"] = "0"
    os.environ.setdefault("NUANXIN_SECRET_KEY", "bench-only-" + "x" * 50)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from nuanxin.ledgers.regions_import import region_file_import
    from nuanxin.regions.models import Region

    before = Region.objects.count()
    timings = {}
    for label, dry in (("dry_run", True), ("first", False), ("again", False)):
        started = time.perf_counter()
        outcome = region_file_import(path=path, dry_run=dry)
        timings[label] = (round(time.perf_counter() - started, 3), outcome.counts())
    result = {
        "db": db, "file": path.suffix[1:], "before": before, "after": Region.objects.count(),
        **{f"{k}_s": v[0] for k, v in timings.items()},
        "first": timings["first"][1], "again": timings["again"][1],
        "load": round(os.getloadavg()[0], 1),
    }  # fmt: skip
    from django.db import connection

    connection.close()
    shutil.rmtree(var, ignore_errors=True)
    return result


def main() -> None:
    made = files()
    print(f"{len(rows())} rows: 1 province, 1 city, 20 county units, {TOWNSHIPS} townships, "
          f"{TOWNSHIPS * COMMUNITIES_EACH} communities", flush=True)  # fmt: skip
    dbs = ["sqlite"] + (["postgresql"] if pg_answers(PG_URL) else [])
    print(f"{'db':<11}{'file':<6}{'dry run s':>10}{'import s':>10}{'again s':>9}"
          f"{'created':>9}{'unchanged':>10}{'skipped':>8}{'again unchanged':>16}{'load':>6}")  # fmt: skip
    for db in dbs:
        for path in made.values():
            r = spawn("bench.bench_regions", "worker", db, str(path), capture_stderr=True)
            if r:
                print(f"{r['db']:<11}{r['file']:<6}{r['dry_run_s']:>10.2f}{r['first_s']:>10.2f}"
                      f"{r['again_s']:>9.2f}{r['first']['created']:>9}{r['first']['unchanged']:>10}"
                      f"{r['first']['skipped']:>8}{r['again']['unchanged']:>16}{r['load']:>6.1f}",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        print(json.dumps(worker(sys.argv[2], Path(sys.argv[3]))))
