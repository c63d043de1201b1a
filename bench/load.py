"""`make load`: many field workers and officers at once against `nuanxin serve` on PostgreSQL.

    python -m bench.load                      # 1,000,000 people, 5 minutes (make load)
    python -m bench.load --short              # 2,000 people, 30 s, a few users (make load-ci)
    LOAD_PEOPLE=100000 LOAD_SECONDS=120 python -m bench.load

What it does, in order:

1. **The city, cached.** A database `nuanxin_load_<people>_<schema>` is built once with
   the visits benchmark's generator (`bench_visits.load`: people, a year of visits and
   schedules by `COPY`, indexes after) and kept as a template; `<schema>` is a hash of
   every migration and of the generator, so a new migration builds a new one. Each run
   copies it (`CREATE DATABASE … TEMPLATE`) into a scratch database dropped at the end.
2. **Users.** Field workers (grid workers, one grid each) with API tokens; officers
   (street officers, and district officers past their second factor) with sessions.
   The server time of one `visit_record` is measured there too (the visits bench's
   method: the median of 14 after a first): the in-process ceiling on writes is
   cores ÷ that time.
3. **The server**: `nuanxin serve` on 127.0.0.1 with DEBUG off, as in production.
4. **The load**: locust (`bench/locustfile.py`), headless, on the same machine. Field
   workers page their worklist, open a person and POST a visit with a fresh
   `client_id`; officers open the dashboard, a month's coverage, the blind spots and a
   people search. A third of the way in one gunicorn worker is killed with SIGKILL;
   a request it drops is sent again — a visit with the same `client_id`.
5. **The check**: the visits in the database carrying this run's client ids are exactly
   the ones the clients saw acknowledged (201, or 200 for a repeat), each once.

It prints requests/s and p50/p95/p99 per route (after a warm-up, LOAD_WARM_UP seconds;
the whole run's p95 beside them), the write rate against the targets of issue 16, and
writes the figures to bench/out/load-<people>.json. Exit status 1 on any error (a
request that failed after its retries), a lost or doubled visit, or no load.

The server and locust stop by themselves: locust after its run time, the server when
this process ends (even killed: the kernel sends it SIGTERM).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# Issue 16's targets on a 2-core machine with the 1,000,000-person city.
TARGET_WRITES = 100.0
TARGET_OFFICER_READS = 30.0
TARGET_P95_MS = 250.0


# --- configuration ----------------------------------------------------------------------
def options(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    short = "--short" in argv or env("LOAD_SHORT") == "1"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the CI form: small and quick")
    d = {
        "people": 2_000 if short else 1_000_000,
        "seconds": 30 if short else 300,
        "field": 6 if short else 240,
        "officers": 3 if short else 40,
        # Each field worker records a visit every ~2.4 s (100/s for 240 of them), each
        # officer opens a page every ~1.3 s (30/s for 40).
        "visit_every": 2.4,
        "read_every": 1.3,
        # The first seconds, answered from cold caches, are reported apart (locustfile.py).
        "warm_up": 5 if short else 30,
        "workers": 2 if short else 3,
        "threads": 4,
    }
    parser.add_argument("--people", type=int, default=int(env("LOAD_PEOPLE") or d["people"]))
    parser.add_argument("--seconds", type=int, default=int(env("LOAD_SECONDS") or d["seconds"]))
    parser.add_argument("--field", type=int, default=int(env("LOAD_FIELD") or d["field"]))
    parser.add_argument("--officers", type=int, default=int(env("LOAD_OFFICERS") or d["officers"]))
    parser.add_argument(
        "--visit-every", type=float, default=float(env("LOAD_VISIT_EVERY") or d["visit_every"])
    )
    parser.add_argument(
        "--read-every", type=float, default=float(env("LOAD_READ_EVERY") or d["read_every"])
    )
    parser.add_argument("--warm-up", type=float, default=float(env("LOAD_WARM_UP") or d["warm_up"]))
    parser.add_argument("--workers", type=int, default=int(env("LOAD_WORKERS") or d["workers"]))
    parser.add_argument("--threads", type=int, default=int(env("LOAD_THREADS") or d["threads"]))
    parser.add_argument(
        "--url",
        default=env("LOAD_PG_URL") or _postgres_url(env("NUANXIN_DATABASE_URL", "")),
        help="any database URL on the PostgreSQL server to use (its name is ignored)",
    )
    parser.add_argument("--no-kill", action="store_true", help="do not kill a worker")
    parser.add_argument("--keep", action="store_true", help="keep the run's database")
    parser.add_argument("--out", default="", help="write the figures here (JSON)")
    return parser.parse_args(argv)


def _postgres_url(url: str) -> str:
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def _db_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(url: str):
    import psycopg

    return psycopg.connect(_db_url(url, "postgres"), autocommit=True)


def schema_key() -> str:
    """Changes with any migration or the generator: a stale cache is never used."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "nuanxin").glob("*/migrations/*.py"))
    # The generator: bench_visits, and the rows it writes (district included) from bench.common.
    files += [Path(__file__).parent / "bench_visits.py", Path(__file__).parent / "common.py"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _env(url: str, var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUANXIN_")}
    env |= {
        "NUANXIN_DATABASE_URL": url,
        "NUANXIN_VAR_DIR": str(var),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "nuanxin.settings",
    }
    return env | extra


def _run(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(
            f"{' '.join(args[:3])} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- 1. the city, cached as a template database ------------------------------------------
def city_template(url: str, people: int, var: Path) -> str:
    name = f"nuanxin_load_{people}_{schema_key()}"
    with _admin(url) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found:
            _say(f"city of {people:,} people: cached in database {name}")
            return name
        # Its own name while it is built: two runs building at once do not meet.
        building = f"{name}_building_{uuid.uuid4().hex[:6]}"
        admin.execute(f'CREATE DATABASE "{building}"')
    started = time.perf_counter()
    _say(f"building the city of {people:,} people into {building} (once) …")
    env = _env(_db_url(url, building), var, NUANXIN_DEBUG="0", NUANXIN_SECRET_KEY=_key())
    try:
        _run(env, "-m", "nuanxin", "migrate", "-v0")
        _run(env, "-m", "bench.load", "_build", str(people))
    except BaseException:
        with _admin(url) as admin:  # no half-built city left behind
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        raise
    import psycopg

    with _admin(url) as admin:
        try:
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except psycopg.errors.DuplicateDatabase:  # another run finished first: use its city
            admin.execute(f'DROP DATABASE "{building}" WITH (FORCE)')
            return name
        # Old cities of other sizes stay; old schemas of this size go.
        for (old,) in admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [f"nuanxin_load_{people}\\_%", name],
        ).fetchall():
            if "_run_" not in old and "_building_" not in old:
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    _say(f"built in {time.perf_counter() - started:.0f} s")
    return name


def _build(people: int) -> None:
    """In a child process pointed at the new database: the visits bench's generator."""
    import django

    django.setup()
    from bench import bench_visits

    bench_visits.PEOPLE = people
    counts = bench_visits.load("postgresql")
    print(json.dumps(counts), flush=True)


def _key() -> str:
    return secrets.token_urlsafe(64)


# --- 2. users, tokens, sessions -----------------------------------------------------------
def _prepare(field: int, officers: int, run_tag: str) -> None:
    """In a child process pointed at the run's database: print the locust configuration."""
    import datetime as dt
    from importlib import import_module

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from nuanxin.accounts.services import api_token_create, user_create
    from nuanxin.regions.models import Level, Region
    from nuanxin.registry.models import Person
    from nuanxin.visits import services

    # Grids with people in them (a small city leaves most of the generator's grids empty).
    grids = list(
        Person.objects.filter(region__level=Level.GRID)
        .order_by("region_id")
        .values_list("region_id", flat=True)
        .distinct()
    )
    streets = list(
        Region.objects.filter(level=Level.STREET, code__in={g[:9] + "000" for g in grids})
        .order_by("code")
        .values_list("code", flat=True)
    )
    districts = sorted({s[:6] + "000000" for s in streets})
    # Spread the field workers over the city: every k-th grid.
    step = max(1, len(grids) // max(field, 1))
    chosen = grids[::step][:field]
    workers = []
    for n, grid in enumerate(chosen):
        user = user_create(username=f"load_grid_{n}", role="grid_worker", region_code=grid)
        token = api_token_create(user=user, name="load", days=1)
        people = list(Person.objects.filter(region_id=grid).values_list("pk", flat=True)[:50])
        workers.append({"token": token, "people": people, "grid": grid})

    # No passwords (hashing hundreds would take a while): tokens and sessions are made here.
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    officer_rows = []
    for n in range(officers):
        # Two street officers to one district officer: the district's pages are the heavier.
        if n % 3 == 2:
            role, region = "district_officer", districts[n % len(districts)]
        else:
            role, region = "street_officer", streets[(n * 7) % len(streets)]
        user = user_create(username=f"load_officer_{n}", role=role, region_code=region)
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if role == "district_officer":  # past the second factor, as after its code page
            device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        officer_rows.append({"cookie": session.session_key, "role": role, "region": region})

    # The in-process cost of one visit, as the visits bench measures it.
    user = user_create(username="load_bench", role="grid_worker", region_code=chosen[0])
    people = workers[0]["people"]
    runs = []
    for i in range(15):
        started = time.perf_counter()
        services.visit_record(
            user=user,
            person_id=people[i % len(people)],
            visited_on=timezone.localdate() - dt.timedelta(days=1),
            method="home",
            with_whom="grid_worker",
            outcome="met",
            checklist={"gas_hose_age": "ok"},
            client_id=f"bench-{run_tag}-{i}",
        )
        runs.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "field": workers,
                "officers": officer_rows,
                "names": ["人1", "ren2", "人3"],
                "record_ms": round(statistics.median(runs[1:]), 2),
                "session_cookie": settings.SESSION_COOKIE_NAME,
            }
        )
    )


# --- 3. and 4. the server and the load ---------------------------------------------------
def _collectstatic(env: dict, var: Path) -> None:
    """The hashed, compressed static files production serves; again only when ours changed."""
    manifest = var / "static" / "staticfiles.json"
    sources = [p for p in (ROOT / "nuanxin").glob("**/static/**/*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    _run(env, "-m", "nuanxin", "collectstatic", "--noinput", "-v0")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    import contextlib
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _wait_ready(base: str, server: subprocess.Popen, deadline: float) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{base}/accounts/login/", headers={"X-Forwarded-Proto": "https"}
    )
    while True:
        if server.poll() is not None:
            raise SystemExit(f"nuanxin serve exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - ours
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("nuanxin serve did not answer within 180 s")
        time.sleep(0.2)


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) a process on this machine has used; None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of the gunicorn master and workers, of the PostgreSQL backends serving
    the run's database, and of locust, from the start of the load: sampled every second, a
    process's last sample kept (a killed or recycled worker loses at most its last second;
    the one that replaces it counts its start)."""

    def __init__(self, *, server: int, locust: int, database: str):
        self.server, self.locust, self.database = server, locust, database.encode()
        self.last: dict[tuple[str, int], float] = {}
        self.sample()  # what the processes spent before the load (starting up) is left out
        self.base = dict(self.last)

    def sample(self) -> None:
        found = [("web", self.server), ("locust", self.locust)]
        found += [("web", pid) for pid in _children(self.server)]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if command.startswith(b"postgres: ") and self.database in command:
                    found.append(("database", int(entry.name)))
        for key in found:
            value = process_cpu(key[1])
            if value is not None:
                self.last[key] = value

    def seconds(self) -> dict[str, float]:
        total = {"web": 0.0, "database": 0.0, "locust": 0.0}
        for key, value in self.last.items():
            total[key[0]] += value - self.base.get(key, 0.0)
        return {k: round(v, 1) for k, v in total.items()}


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the worker is gone (recycled after its requests)
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _busiest_worker(master: int, port: int) -> int | None:
    """The gunicorn worker holding the most client connections (a kill there drops some)."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                established.add(inode)
    workers = _children(master)
    if not workers:
        return None
    return max(workers, key=lambda pid: len(_socket_inodes(pid) & established))


def _resend(base: str, acks: dict) -> int:
    import urllib.request

    for client_id, sent in acks["pending"].items():
        request = urllib.request.Request(
            f"{base}/api/v1/visits",
            data=json.dumps(sent["body"]).encode(),
            method="POST",
            headers={
                "Authorization": sent["token"],
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - ours
                acks["acknowledged"][client_id] = json.loads(answer.read())["id"]
        except OSError as error:
            acks["errors"].append(f"POST /api/v1/visits after the run: {error}")
    return len(acks["pending"])


def _check(env: dict, run_tag: str, acknowledged: dict[str, int]) -> dict:
    """Visits in the database with this run's client ids against the acknowledged ones."""
    script = (
        "import django, json, sys; django.setup()\n"
        "from nuanxin.visits.models import Visit\n"
        "rows = list(Visit.objects.filter(client_id__startswith=sys.argv[1])"
        ".values_list('client_id', 'pk'))\n"
        "print(json.dumps(rows))\n"
    )
    rows = json.loads(_run(env, "-c", script, f"load-{run_tag}-").strip().splitlines()[-1])
    stored: dict[str, list[int]] = {}
    for client_id, pk in rows:
        stored.setdefault(client_id, []).append(pk)
    lost = sorted(set(acknowledged) - set(stored))
    twice = sorted(c for c, pks in stored.items() if len(pks) > 1)
    unacknowledged = sorted(set(stored) - set(acknowledged))
    wrong = sorted(c for c, pk in acknowledged.items() if c in stored and stored[c] != [pk])
    return {
        "acknowledged": len(acknowledged),
        "stored": len(rows),
        "lost": lost[:20],
        "twice": twice[:20],
        "stored_unacknowledged": unacknowledged[:20],
        "other_id": wrong[:20],
        "ok": not (lost or twice or unacknowledged or wrong) and len(rows) == len(acknowledged),
    }


def main(argv: list[str]) -> int:
    opts = options(argv)
    OUT.mkdir(exist_ok=True)
    var = OUT / "load-var"
    var.mkdir(exist_ok=True)
    wall = time.perf_counter()
    template = city_template(opts.url, opts.people, var)
    run_tag = uuid.uuid4().hex[:8]
    run_db = f"nuanxin_load_run_{run_tag}"
    with _admin(opts.url) as admin:
        started = time.perf_counter()
        size = admin.execute("SELECT pg_database_size(%s)", [template]).fetchone()[0]
        # A big city copies fastest file by file; a small one without the checkpoint that takes.
        strategy = "FILE_COPY" if size > 2**30 else "WAL_LOG"
        admin.execute(f'CREATE DATABASE "{run_db}" TEMPLATE "{template}" STRATEGY {strategy}')
    _say(f"copied into {run_db} in {time.perf_counter() - started:.1f} s")
    secret = _key()
    env = _env(
        _db_url(opts.url, run_db),
        var,
        NUANXIN_DEBUG="0",
        NUANXIN_SECRET_KEY=secret,
        NUANXIN_ALLOWED_HOSTS="127.0.0.1",
    )
    server = None
    try:
        config = json.loads(
            _run(env, "-m", "bench.load", "_prepare", str(opts.field), str(opts.officers), run_tag)
            .strip()
            .splitlines()[-1]
        )
        _say(
            f"{opts.field} field workers, {opts.officers} officers; one visit_record takes "
            f"{config['record_ms']} ms in process"
        )
        _collectstatic(env, var)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = (var / f"serve-{run_tag}.log").open("w")
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "nuanxin", "serve", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(opts.workers), "--threads", str(opts.threads)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        _wait_ready(base, server, time.monotonic() + 180)
        _say(f"nuanxin serve on {base}: {opts.workers} workers × {opts.threads} threads")

        config |= {
            "run_tag": run_tag,
            "visit_every": opts.visit_every,
            "read_every": opts.read_every,
            "warm_up": opts.warm_up,
        }
        config_path = var / f"locust-{run_tag}.json"
        config_path.write_text(json.dumps(config))
        acks_path = var / f"acks-{run_tag}.json"
        users = opts.field + opts.officers
        locust = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).parent / "locustfile.py")]
            + ["--headless", "--host", base, "--users", str(users)]
            + ["--spawn-rate", str(max(1, users // 5)), "--run-time", f"{opts.seconds}s"]
            + ["--only-summary", "--loglevel", "WARNING"]
            + ["--stop-timeout", "10", "--exit-code-on-error", "0"],
            cwd=ROOT,
            env={**env, "LOAD_CONFIG": str(config_path), "LOAD_ACKS": str(acks_path)},
            preexec_fn=_die_with_parent,
        )
        killed = None
        cpu = CpuMeter(server=server.pid, locust=locust.pid, database=run_db)
        kill_at = time.monotonic() + max(5, opts.seconds // 3)  # once everyone is writing
        deadline = time.monotonic() + opts.seconds + 120
        while locust.poll() is None and time.monotonic() < deadline:
            cpu.sample()
            if not opts.no_kill and killed is None and time.monotonic() >= kill_at:
                killed = _busiest_worker(server.pid, port)
                if killed:
                    cpu.sample()
                    os.kill(killed, signal.SIGKILL)
                    _say(f"killed gunicorn worker {killed} with SIGKILL")
            time.sleep(1)
        locust.wait(timeout=60)
        cpu.sample()
        acks = json.loads(acks_path.read_text())
        # Visits locust cut off at the end: sent again, same client_id, as a phone would.
        acks["resent"] = _resend(base, acks)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()

        routes = acks["routes"]
        check = _check(env, run_tag, acks["acknowledged"])
        result = _report(opts, config, routes, acks, check, killed, cpu.seconds())
        result["wall_s"] = round(time.perf_counter() - wall, 1)
        out = Path(opts.out) if opts.out else OUT / f"load-{opts.people}.json"
        out.write_text(json.dumps(result, indent=1, default=str))
        _say(f"figures in {out} ({result['wall_s']} s in all)")
        return 0 if result["ok"] else 1
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        if not opts.keep:
            with _admin(opts.url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)')


def _report(opts, config, routes, acks, check, killed, cpu) -> dict:
    seconds = acks["seconds"] or opts.seconds
    writes = sum(r["requests"] for r in routes if r["route"].startswith("POST /api/v1/visits"))
    officer = sum(
        r["requests"]
        for r in routes
        if r["route"].split(" ", 1)[1].startswith("/") and "/api/" not in r["route"]
    )
    errors = sum(r["failures"] for r in routes)
    cores = len(os.sched_getaffinity(0))
    ceiling = cores / (config["record_ms"] / 1000)
    write_rate, read_rate = writes / seconds, officer / seconds
    print()
    print(
        f"{opts.people:,} people · {opts.field} field workers · {opts.officers} officers · "
        f"{seconds:.0f} s · nuanxin serve {opts.workers}×{opts.threads} · load "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"percentiles (ms) after the first {opts.warm_up:.0f} s; p95 all: the whole run's")
    print(
        f"{'route':<44} {'req':>7} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'p95 all':>8} {'fail':>5}"
    )
    for r in routes:
        print(
            f"{r['route']:<44} {r['requests']:>7} {r['rps']:>7.1f} {r['p50_ms']:>6.0f} "
            f"{r['p95_ms']:>6.0f} {r['p99_ms']:>6.0f} {r['p95_whole_run_ms']:>8.0f} "
            f"{r['failures']:>5}"
        )
    slow = [
        r["route"] for r in routes if r["p95_ms"] >= TARGET_P95_MS and "(dropped" not in r["route"]
    ]
    print()
    print(
        f"visit writes {write_rate:.1f}/s (target ≥ {TARGET_WRITES:.0f}) beside officer reads "
        f"{read_rate:.1f}/s (target ≥ {TARGET_OFFICER_READS:.0f}); p95 ≥ {TARGET_P95_MS:.0f} ms "
        f"on {len(slow)} route(s){': ' + ', '.join(slow) if slow else ''}"
    )
    print(
        f"in-process ceiling: {cores} cores ÷ {config['record_ms']} ms a visit = "
        f"{ceiling:.0f} writes/s; the run reached {write_rate / ceiling:.0%} of it"
    )
    requests = sum(r["requests"] for r in routes)
    per_request = {k: round(v * 1000 / max(requests, 1), 1) for k, v in cpu.items()}
    server_ms = per_request["web"] + per_request["database"]
    capacity = cores * 1000 / server_ms if server_ms else 0.0
    print(
        f"CPU per request: gunicorn {per_request['web']} ms + PostgreSQL "
        f"{per_request['database']} ms (locust {per_request['locust']} ms): {cores} cores to "
        f"the server alone would answer about {capacity:.0f} requests/s of this mix, "
        f"{capacity * writes / max(requests, 1):.0f} of them visit writes"
    )
    print(
        f"worker killed: {killed or 'none'}; requests sent again after a dropped connection: "
        f"{acks['retries']}; visits cut off by the end of the run and sent again after it: "
        f"{acks['resent']}; errors after retries: {errors}"
    )
    print(
        f"visits acknowledged {check['acknowledged']}, stored {check['stored']}: "
        + (
            "nothing lost, nothing twice"
            if check["ok"]
            else f"MISMATCH lost {check['lost']} twice {check['twice']} "
            f"unacknowledged {check['stored_unacknowledged']} other id {check['other_id']}"
        )
    )
    for message in acks["errors"][:10]:
        print(f"  error: {message}")
    ok = check["ok"] and errors == 0 and not acks["errors"] and writes > 0
    return {
        "ok": ok,
        "people": opts.people,
        "seconds": seconds,
        "field_workers": opts.field,
        "officers": opts.officers,
        "server": f"{opts.workers}x{opts.threads}",
        "routes": routes,
        "writes_per_s": round(write_rate, 1),
        "officer_reads_per_s": round(read_rate, 1),
        "record_ms": config["record_ms"],
        "ceiling_writes_per_s": round(ceiling),
        "share_of_ceiling": round(write_rate / ceiling, 3),
        "cpu_seconds": cpu,
        "cpu_ms_per_request": per_request,
        "capacity_requests_per_s": round(capacity),
        "capacity_writes_per_s": round(capacity * writes / max(requests, 1)),
        "killed_worker": killed,
        "retries": acks["retries"],
        "resent_after_run": acks["resent"],
        "errors": errors,
        "error_messages": acks["errors"][:50],
        "check": check,
        "loadavg": os.getloadavg(),
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        _build(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_prepare":
        _prepare(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(main(sys.argv[1:]))
