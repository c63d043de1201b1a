"""Ledger import benchmark (the "Ledgers in and out" issue; DESIGN §5).

Generates (once, cached under bench/out/) a synthetic ledger of 1,000,000 rows
as CSV in UTF-8 and in GB18030, and 100,000 rows as xlsx (two sheets), with
~2% bad rows and ~5% people named twice; imports each into an empty SQLite
database and into PostgreSQL, each case in a fresh subprocess so peak memory
is its own; and prints rows per second, peak memory and the ratio to merely
reading the same file (stdlib csv, python-calamine) in the same process.
Finally it times django-import-export on 20,000 rows against our importer.

    python -m bench ledgers            # everything
    BENCH_ROWS=200000 python -m bench ledgers   # smaller, for a quick look
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/h_ledgers  (default; dropped and recreated)
    BENCH_CASES=sqlite:csv-utf8,sqlite:xlsx python -m bench ledgers   # some cases only
    BENCH_DUTIES=xlsx   (default) files whose import is followed by a timed visit-duty refresh
    BENCH_CASES=sqlite:reimport,postgresql:reimport   # a first import, then the file with 10% changed

Each CSV case also measures its database's floor in the same run, in its own
process just before the import: on PostgreSQL `COPY` of the raw CSV into a
plain table with as many indexes as the person table has, on SQLite a bare
`executemany` of the same rows (read with the csv module) plus as many
indexes; `x floor` is the import's time over that (target at most 3).
A `reimport` case imports the UTF-8 file into an empty registry, then a copy
of it with one row in ten changed (a new phone or address): `x first` is the
second import's time over the first's (target at most 3).

Columns: import s is the whole `ledger_import` (all or nothing, then the error
report); report s is the error report's part of it (written while the indexes
build, so mostly not added to import s); peak MB is the importing process's
largest resident size and reader MB its largest reader process's (forked, so
much of it is shared); cpu s is the importing process's CPU time and reader
cpu s its reader processes'; x read is import s
over the time to merely read the file; duties s is the visit-duty refresh the
import queues (not part of import s); load is the machine's 1-minute load
average at the end, as the machine is shared.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

from bench.common import pg_database, spawn

OUT = Path(__file__).parent / "out"
ROWS = int(os.getenv("BENCH_ROWS", "1000000"))
XLSX_ROWS = int(os.getenv("BENCH_XLSX_ROWS", "100000"))
IEX_ROWS = int(os.getenv("BENCH_IEX_ROWS", "20000"))
PG_URL = os.getenv("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/h_ledgers")
# Cases ("db:file", comma-separated) to run; all by default.
CASES = os.getenv("BENCH_CASES", "")
# Files whose import is followed by a timed refresh of the visit duties.
DUTIES_FOR = set(os.getenv("BENCH_DUTIES", "xlsx").split(",")) - {""}
HEADERS = ["姓名", "性别", "身份证号", "出生日期", "联系电话", "居住地址", "所属区县", "所属街道",
           "所属社区", "救助类别", "是否独居"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英华玉兰桂珍芳淑凤琴云敏霞丽红梅燕平明国建军志强伟德福文光永海成荣春生金林忠新宝昌义庆家兴贵贤良顺寿山"
STREETS = ["东风", "建设", "新华", "人民", "光明", "和平", "胜利", "红星", "幸福", "长春"]
COMMUNITIES = ["东", "西", "南", "北", "中", "前", "后", "新", "福", "安"]
CATEGORIES = ["低保", "低保边缘", "特困", "分散供养", "散居孤儿", "困境儿童", "重度残疾", "独居老人",
              "空巢老人", "高龄", "失独", "临时救助", "农村低保", "低保、独居老人"]  # fmt: skip
MOBILE_PREFIXES = ["138", "139", "136", "150", "151", "158", "186", "187", "133", "177", "199"]


# --- the synthetic ledger ------------------------------------------------------
def districts() -> list[tuple[str, str]]:
    from nuanxin.regions import chengdu

    return list(chengdu.DISTRICTS)


def region_rows() -> list[tuple[str, str, str]]:
    """(code, name, parent) for 10 streets x 10 communities in every district."""
    rows = []
    for code6, _name in districts():
        for s, street in enumerate(STREETS, start=1):
            street_code = f"{code6}{s:03d}000"
            rows.append((street_code, f"{street}街道", f"{code6}000000"))
            for c, community in enumerate(COMMUNITIES, start=1):
                rows.append((f"{code6}{s:03d}{c:03d}", f"{street}{community}社区", street_code))
    return rows


def _check(first17: str) -> str:
    from nuanxin.core.idnumber import check_char

    return first17 + check_char(first17)


def generate_rows(n: int, seed: int = 20261129):
    rng = random.Random(seed)
    dists = districts()
    people: list[list[str]] = []
    for _i in range(n):
        if people and rng.random() < 0.05:  # named again, in another category
            row = list(rng.choice(people[-5000:]))
            row[9] = rng.choice(CATEGORIES)
            yield row
            continue
        code6, dname = rng.choice(dists)
        s, c = rng.randrange(10), rng.randrange(10)
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000))
        female = rng.random() < 0.55
        seq = rng.randrange(500) * 2 + (0 if female else 1)
        id_number = _check(f"{code6}{birth:%Y%m%d}{seq:03d}")
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        row = [
            name,
            "女" if female else "男",
            id_number,
            birth.isoformat()
            if rng.random() < 0.7
            else f"{birth.year}年{birth.month}月{birth.day}日",
            phone,
            f"{STREETS[s]}{COMMUNITIES[c]}社区{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(101, 2000)}",
            dname,
            f"{STREETS[s]}街道",
            f"{STREETS[s]}{COMMUNITIES[c]}社区",
            rng.choice(CATEGORIES),
            rng.choice(("是", "否", "否", "")),
        ]
        roll = rng.random()
        if roll < 0.005:
            row[2] = row[2][:17] + ("0" if row[2][17] != "0" else "1")  # bad check digit
        elif roll < 0.010:
            row[4] = row[4][:10]  # a digit short
        elif roll < 0.015:
            row[9] = "五保户补贴"  # unknown category
        elif roll < 0.020:
            row[1] = "男" if female else "女"  # sex contradicts the ID number
        elif roll < 0.030:
            row[2] = row[2].translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
            row[0] = " ".join(row[0])
        else:
            people.append(row)
            if len(people) > 20000:
                del people[:10000]
        yield row


def ensure_files() -> dict[str, Path]:
    OUT.mkdir(exist_ok=True)
    utf8 = OUT / f"ledger-{ROWS}-utf8.csv"
    gb = OUT / f"ledger-{ROWS}-gb18030.csv"
    xlsx = OUT / f"ledger-{XLSX_ROWS}.xlsx"
    if not utf8.exists():
        started = time.perf_counter()
        tmp = utf8.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(generate_rows(ROWS))
        tmp.rename(utf8)
        print(f"generated {utf8.name} in {time.perf_counter() - started:.1f} s", flush=True)
    if not gb.exists():
        with open(utf8, encoding="utf-8") as src, open(gb, "w", encoding="gb18030") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    if not xlsx.exists():
        from nuanxin.core.xlsx import LedgerSheet, write_ledger

        rows = list(generate_rows(XLSX_ROWS, seed=7))
        half = len(rows) // 2
        write_ledger(
            xlsx,
            [
                LedgerSheet("第一批", HEADERS, rows[:half]),
                LedgerSheet("第二批", HEADERS, rows[half:]),
            ],
        )
    changed = OUT / f"ledger-{ROWS}-utf8-changed10.csv"
    if not changed.exists():
        rng = random.Random(10)
        tmp = changed.with_suffix(".tmp")
        with (
            open(utf8, encoding="utf-8", newline="") as src,
            open(tmp, "w", encoding="utf-8", newline="") as dst,
        ):
            reader, writer = csv.reader(src), csv.writer(dst)
            writer.writerow(next(reader))
            for row in reader:
                if rng.random() < 0.10:
                    if rng.random() < 0.5:
                        row[4] = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                    else:
                        row[5] = row[5] + f"附{rng.randrange(1, 99)}号"
                writer.writerow(row)
        tmp.rename(changed)
    return {"csv-utf8": utf8, "csv-gb18030": gb, "xlsx": xlsx, "changed": changed}


# --- one case, in a fresh process ----------------------------------------------
def _setup_database(db: str, tag: str) -> None:
    # The million-row CSVs are past the upload limit (50 MB by default): raised
    # the way an operator importing one would (docs/security.md, the limits).
    os.environ.setdefault("NUANXIN_UPLOAD_MAX_MB", "1024")
    if db == "sqlite":
        var = OUT / f"var-{tag}"
        shutil.rmtree(var, ignore_errors=True)
        os.environ["NUANXIN_VAR_DIR"] = str(var)
        os.environ.pop("NUANXIN_DATABASE_URL", None)
    else:
        pg_database(PG_URL, fresh=True)
        os.environ["NUANXIN_DATABASE_URL"] = PG_URL
        os.environ["NUANXIN_VAR_DIR"] = str(OUT / f"var-{tag}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "nuanxin.settings"
    # As in production: with DEBUG on, Django also logs every statement with its
    # parameters quoted into it (a batch's JSON included).
    os.environ["NUANXIN_DEBUG"] = "0"
    os.environ.setdefault("NUANXIN_SECRET_KEY", "bench-only-" + "x" * 50)
    import django

    django.setup()
    from django.core.management import call_command

    from nuanxin.regions.models import Level, Region

    call_command("migrate", verbosity=0)
    Region.objects.bulk_create(
        [
            Region(
                code=code,
                name=name,
                parent_id=parent,
                level=Level.STREET if code.endswith("000") else Level.COMMUNITY,
            )
            for code, name, parent in region_rows()
        ],
        batch_size=500,
    )


def read_only(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    n = 0
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            for _row in workbook.get_sheet_by_name(name).iter_rows():
                n += 1
    else:
        from nuanxin.ledgers.pipeline.read import detect_encoding

        with open(path, "rb") as fh:
            encoding = detect_encoding(fh.read(65536))
        with open(path, encoding=encoding, newline="") as fh:
            for _row in csv.reader(fh):
                n += 1
    return time.perf_counter() - started, n


def person_index_count() -> int:
    """The indexes the person table has (its primary key included), in this database."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'registry_person'")
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'registry_person'"
            )
        # SQLite's INTEGER PRIMARY KEY is the table itself: count it like PostgreSQL's.
        return cursor.fetchone()[0] + (connection.vendor == "sqlite")


def _settled() -> None:
    """Start a timed phase with nothing of the one before still being written.

    The floor and the import run one after the other on one server: without a checkpoint
    the second starts while the server is still writing out the first's pages (a million
    rows, about a gigabyte of WAL), and pays for them. Each phase gets the same start.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")


def worker_floor(db: str, kind: str, path: Path) -> dict:
    """The database's floor for this file: the raw rows into a plain table plus as many
    indexes as the person table has, nothing else (no validation, no merge)."""
    _setup_database(db, f"{db}-floor")
    from django.db import connection, transaction

    from nuanxin.ledgers.pipeline.read import detect_encoding

    indexes = person_index_count()
    with open(path, "rb") as fh:
        encoding = detect_encoding(fh.read(65536))
    columns = [f"c{i}" for i in range(len(HEADERS))]
    _settled()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE floor_ledger (id {'bigserial' if db == 'postgresql' else 'INTEGER'} "
            f"PRIMARY KEY, {', '.join(f'{c} text' for c in columns)})"
        )
        if db == "postgresql":
            pg_encoding = "GB18030" if "18030" in encoding else "UTF8"
            sql = (
                f"COPY floor_ledger ({', '.join(columns)}) FROM STDIN "
                f"WITH (FORMAT csv, HEADER true, ENCODING '{pg_encoding}')"
            )
            with cursor.cursor.copy(sql) as copy, open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        else:
            with open(path, encoding=encoding, newline="") as fh:
                rows = csv.reader(fh)
                next(rows)
                connection.connection.executemany(
                    f"INSERT INTO floor_ledger ({', '.join(columns)}) "
                    f"VALUES ({', '.join(['?'] * len(columns))})",
                    rows,
                )
        # The primary key is one; the others on the columns an import indexes.
        for i in range(indexes - 1):
            cursor.execute(f"CREATE INDEX floor_ledger_{i} ON floor_ledger ({columns[i]})")
    floor_s = time.perf_counter() - started
    connection.close()
    shutil.rmtree(OUT / f"var-{db}-floor", ignore_errors=True)
    return {"floor_s": round(floor_s, 2), "indexes": indexes}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker(db: str, kind: str, path: Path, changed: Path | None = None) -> dict:
    _setup_database(db, f"{db}-{kind}")
    read_s, _n = read_only(path)
    from nuanxin.ledgers import services

    first_s = None
    if changed is not None:
        # A re-import: the first import, timed, then the changed file is the case.
        started = time.perf_counter()
        services.ledger_import(run=services.import_run_create(user=None, files=[path], copy=False))
        first_s = round(time.perf_counter() - started, 2)
        path = changed
    run = services.import_run_create(user=None, files=[path], copy=False)
    # The error report (an xlsx of the rejected rows) is written after the import
    # has committed; its time is part of the import's but shown on its own too.
    report = {"s": 0.0}
    write_report = services.error_report_write

    def timed_report(**kwargs):
        started = time.perf_counter()
        try:
            return write_report(**kwargs)
        finally:
            report["s"] += time.perf_counter() - started

    services.error_report_write = timed_report
    # CPU time as well as wall time: on a shared machine the wall time says as
    # much about the neighbours' load as about the importer. The reader process
    # of a parallel import is a child, counted once it has been joined.
    children_before = _children_cpu()
    _settled()
    started, cpu_started = time.perf_counter(), time.process_time()
    run = services.ledger_import(run=run)
    import_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    reader_cpu_s = _children_cpu() - children_before
    s = run.summary
    duties_s = None
    if kind in DUTIES_FOR:
        # What the import leaves to a task per district after a big load: every
        # imported person's tier and visit duty (nuanxin.visits), timed on its own.
        # The set-based rebuild, as the queued tasks run it (one task per district there).
        from nuanxin.visits.rebuild import schedules_rebuild

        started = time.perf_counter()
        schedules_rebuild()
        duties_s = round(time.perf_counter() - started, 2)
    from django.db import connection

    connection.close()
    shutil.rmtree(OUT / f"var-{db}-{kind}", ignore_errors=True)  # a 1M-row database is large
    return {
        "db": db, "file": kind, "rows": s["rows"], "created": s["created"],
        "updated": s["updated"], "unchanged": s["unchanged"], "rejected": s["rejected"],
        "warnings": s["warnings"], "import_s": round(import_s, 2), "read_s": round(read_s, 2),
        "cpu_s": round(cpu_s, 2), "reader_cpu_s": round(reader_cpu_s, 2),
        "report_s": round(report["s"], 2), "duties_s": duties_s, "first_s": first_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        # The largest reader process (forked: much of it shared with the importer).
        "reader_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "load": round(os.getloadavg()[0], 1),
    }  # fmt: skip


def worker_iex(path: Path) -> dict:
    """django-import-export (use_bulk) on the first IEX_ROWS rows, then ours on the same."""
    _setup_database("sqlite", "iex")
    import tablib
    from import_export import fields, resources

    from nuanxin.registry.models import Person

    names = {}
    from nuanxin.regions.models import Region

    for code, name, parent in Region.objects.values_list("code", "name", "parent__name"):
        names[(parent, name)] = code
    dists = dict((n, c) for c, n in districts())
    small = OUT / f"ledger-{IEX_ROWS}.csv"
    with (
        open(path, encoding="utf-8", newline="") as src,
        open(small, "w", newline="", encoding="utf-8") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        for i, row in enumerate(reader):
            if i > IEX_ROWS:
                break
            writer.writerow(row)
    data = tablib.Dataset(headers=["name", "id_number", "phone", "address", "region"])
    with open(small, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows)
        for r in rows:
            street_code = next(
                (
                    c
                    for (p, n), c in names.items()
                    if n == r[7] and c.startswith(dists.get(r[6], "x")[:6])
                ),
                "",
            )
            community = (
                next(
                    (
                        c
                        for (p, n), c in names.items()
                        if n == r[8] and c.startswith(street_code[:9])
                    ),
                    "",
                )
                if street_code
                else ""
            )
            data.append([r[0], r[2], r[4], r[5], community])

    class PersonResource(resources.ModelResource):
        region = fields.Field(attribute="region_id", column_name="region")

        class Meta:
            model = Person
            fields = ("name", "id_number", "phone", "address", "region")
            import_id_fields = ("id_number",)
            use_bulk = True
            batch_size = 1000
            skip_unchanged = True

    started = time.perf_counter()
    result = PersonResource().import_data(data, dry_run=False, raise_errors=False)
    iex_s = time.perf_counter() - started
    from nuanxin.ledgers import services

    run = services.import_run_create(user=None, files=[small], copy=False)
    Person.objects.all().delete()
    started = time.perf_counter()
    services.ledger_import(run=run)
    ours_s = time.perf_counter() - started
    return {"rows": IEX_ROWS, "iex_s": round(iex_s, 2), "ours_s": round(ours_s, 2),
            "iex_errors": len(result.invalid_rows) + len(result.row_errors())}  # fmt: skip


def _spawn(*args: str) -> dict | None:
    return spawn("bench.bench_ledgers", *args, capture_stderr=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanxin.settings")
    files = ensure_files()
    print(f"{'db':<11}{'file':<13}{'rows':>9}{'created':>9}{'updated':>9}{'rejected':>9}"
          f"{'import s':>10}{'rows/s':>9}{'read s':>8}{'x read':>8}{'floor s':>9}{'x floor':>9}"
          f"{'first s':>9}{'x first':>9}{'peak MB':>9}{'reader MB':>11}{'cpu s':>8}"
          f"{'reader cpu s':>14}"
          f"{'report s':>10}{'duties s':>10}{'load':>6}", flush=True)  # fmt: skip
    cases = [("sqlite", "csv-utf8"), ("sqlite", "reimport"), ("sqlite", "csv-gb18030"),
             ("sqlite", "xlsx"), ("postgresql", "csv-utf8"), ("postgresql", "reimport"),
             ("postgresql", "xlsx")]  # fmt: skip
    if CASES:
        cases = [tuple(c.split(":")) for c in CASES.split(",")]
    for db, kind in cases:
        floor = None
        if kind.startswith("csv"):
            floor = _spawn("floor", db, kind, str(files[kind]))
        if kind == "reimport":
            r = _spawn("worker", db, kind, str(files["csv-utf8"]), str(files["changed"]))
        else:
            r = _spawn("worker", db, kind, str(files[kind]))
        if r:
            duties = f"{r['duties_s']:>10.1f}" if r["duties_s"] is not None else f"{'-':>10}"
            floor_s = (
                f"{floor['floor_s']:>9.1f}{r['import_s'] / floor['floor_s']:>9.1f}"
                if floor
                else f"{'-':>9}{'-':>9}"
            )
            first = (
                f"{r['first_s']:>9.1f}{r['import_s'] / r['first_s']:>9.2f}"
                if r.get("first_s")
                else f"{'-':>9}{'-':>9}"
            )
            print(f"{r['db']:<11}{r['file']:<13}{r['rows']:>9}{r['created']:>9}{r['updated']:>9}"
                  f"{r['rejected']:>9}"
                  f"{r['import_s']:>10.1f}{r['rows'] / r['import_s']:>9.0f}{r['read_s']:>8.2f}"
                  f"{r['import_s'] / r['read_s']:>8.1f}{floor_s}{first}{r['peak_mb']:>9}{r['reader_mb']:>11}{r['cpu_s']:>8.1f}"
                  f"{r['reader_cpu_s']:>14.1f}{r['report_s']:>10.1f}{duties}{r['load']:>6.1f}",
                  flush=True)  # fmt: skip
    if CASES:
        return
    r = _spawn("iex", str(files["csv-utf8"]))
    if r:
        print(f"django-import-export (use_bulk, SQLite) {r['rows']} rows: {r['iex_s']:.1f} s; "
              f"ours {r['ours_s']:.2f} s: {r['iex_s'] / r['ours_s']:.0f}x faster", flush=True)  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        changed = Path(sys.argv[5]) if len(sys.argv) > 5 else None
        print(json.dumps(worker(sys.argv[2], sys.argv[3], Path(sys.argv[4]), changed)))
    elif sys.argv[1] == "floor":
        print(json.dumps(worker_floor(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
    elif sys.argv[1] == "iex":
        print(json.dumps(worker_iex(Path(sys.argv[2]))))
