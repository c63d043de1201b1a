"""The load mix's routes timed one request at a time, in process, on PostgreSQL.

    python -m bench.request_costs                    # a 2,000-person city, every route
    python -m bench.request_costs worklist person visit
    BENCH_PEOPLE=1000000 BENCH_RUNS=30 python -m bench.request_costs
    BENCH_PROFILE=1 python -m bench.request_costs worklist   # cProfile's top 40 too
    BENCH_PROFILE=tottime python -m bench.request_costs visit   # … by each function's own time
    BENCH_SQL=1 python -m bench.request_costs visit          # and each route's statements

Where `make load` says how much the server answers with everything at once, this
says what each route costs on its own: it copies the load test's cached city
(`bench/load.py` builds it once) into a database of its own, prepares the same
users (4 field workers with API tokens, two street officers and a district officer
with sessions), and for each route sends one request to warm up, counts the
queries of one, then times BENCH_RUNS more with Django's test client: the median
wall time, the median CPU time of this process, and the CPU the PostgreSQL backend
serving it spent a request over the same runs (read from /proc: a server on this
machine only). One line a route; the figures go to bench/out/request-costs.json. The
copy is dropped at the end. LOAD_PG_URL (else NUANXIN_DATABASE_URL) names the
server, as for `make load`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from bench import load
from bench.common import visit_body

PEOPLE = int(os.getenv("BENCH_PEOPLE", "2000"))
RUNS = int(os.getenv("BENCH_RUNS", "20"))
OUT = Path(__file__).parent / "out"
SECRET = "request-costs-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"


def main(argv: list[str]) -> int:
    url = load._postgres_url(os.getenv("LOAD_PG_URL") or os.getenv("NUANXIN_DATABASE_URL", ""))
    var = OUT / "load-var"
    var.mkdir(parents=True, exist_ok=True)
    template = load.city_template(url, PEOPLE, var)
    name = f"nuanxin_costs_{uuid.uuid4().hex[:8]}"
    with load._admin(url) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    env = load._env(
        load._db_url(url, name),
        var,
        NUANXIN_DEBUG="0",
        NUANXIN_SECRET_KEY=SECRET,
        NUANXIN_ALLOWED_HOSTS="127.0.0.1,testserver",
    )
    try:
        config = var / f"costs-{name}.json"
        config.write_text(
            load._run(env, "-m", "bench.load", "_prepare", "4", "3", name).strip().splitlines()[-1]
        )
        load._collectstatic(env, var)
        print(load._run(env, "-m", "bench.request_costs", "_measure", str(config), *argv), end="")
    finally:
        with load._admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def _routes(cfg: dict) -> dict:
    """route name -> a function sending one request with Django's test client."""

    from django.test import Client

    host = {"HTTP_X_FORWARDED_PROTO": "https", "SERVER_NAME": "127.0.0.1"}  # as nginx sends
    field = max(cfg["field"], key=lambda f: len(f["people"]))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {field['token']}", **host)
    person = field["people"][0]

    def visit():
        body = visit_body(f"costs-{uuid.uuid4().hex[:16]}", person)
        return api.post("/api/v1/visits", json.dumps(body), content_type="application/json")

    routes = {
        "worklist": lambda: api.get("/api/v1/worklist?page_size=20"),
        "person": lambda: api.get(f"/api/v1/persons/{person}"),
        "visit": visit,
    }
    seen = set()
    for officer in cfg["officers"]:
        role = officer["role"].split("_")[0]  # street, district
        if role in seen:
            continue
        seen.add(role)
        client = Client(**host)
        client.cookies[cfg["session_cookie"]] = officer["cookie"]
        routes[f"dashboard-{role}"] = lambda c=client: c.get("/")
        routes[f"coverage-{role}"] = lambda c=client: c.get("/coverage/")
        routes[f"blind-spots-{role}"] = lambda c=client: c.get("/blind-spots/")
        routes[f"search-{role}"] = lambda c=client: c.get("/people/?q=人12")
    return routes


def _backend_cpu(connection) -> float | None:
    """CPU seconds of the PostgreSQL backend behind `connection`, if it runs here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return load.process_cpu(pid)  # None for another machine's server


def _measure(config: str, *wanted: str) -> None:
    """In a child process pointed at the copy: time the routes."""
    import django

    django.setup()
    from django.db import connection

    routes = _routes(json.loads(Path(config).read_text()))
    unknown = set(wanted) - set(routes)
    if unknown:
        raise SystemExit(
            f"no such route: {', '.join(sorted(unknown))}; routes: {', '.join(routes)}"
        )
    rows = []
    for name in wanted or routes:
        send = routes[name]
        answer = send()
        if answer.status_code not in (200, 201):
            raise SystemExit(f"{name}: {answer.status_code} {answer.content[:300]!r}")
        queries: list[str] = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            send()
        if os.getenv("BENCH_SQL"):
            for q in queries:
                print("   ", q[:400])
        wall, cpu = [], []
        database_started = _backend_cpu(connection)
        for _ in range(RUNS):
            started, cpu_started = time.perf_counter(), time.process_time()
            send()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        database_ms = None
        if database_started is not None:
            database_ms = round((_backend_cpu(connection) - database_started) * 1000 / RUNS, 1)
        row = {
            "route": name,
            "queries": len(queries),
            "median_ms": round(statistics.median(wall), 1),
            "cpu_ms": round(statistics.median(cpu), 1),
            "database_cpu_ms": database_ms,
        }
        rows.append(row)
        database = f"{database_ms:6.1f} ms" if database_ms is not None else "     -"
        print(f"{name:22s} {row['queries']:3d} queries  median {row['median_ms']:6.1f} ms"
              f"  cpu {row['cpu_ms']:6.1f} ms  database cpu {database}", flush=True)  # fmt: skip
        if os.getenv("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                send()
            profile.disable()
            order = os.environ["BENCH_PROFILE"]  # 1 (cumulative), or a pstats key: tottime …
            order = "cumulative" if order == "1" else order
            pstats.Stats(profile, stream=sys.stdout).sort_stats(order).print_stats(40)
    OUT.mkdir(exist_ok=True)
    (OUT / "request-costs.json").write_text(
        json.dumps(
            {"people": PEOPLE, "runs": RUNS, "load": os.getloadavg()[0], "routes": rows}, indent=1
        )
    )
    print(f"({RUNS} runs a route, {PEOPLE:,} people, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["_measure"]:
        _measure(*sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))
