"""`python -m bench.citus`: the distribution plan run on a real Citus cluster, then the
site walked there as every demo login.

    CITUS_URL=postgres://postgres@127.0.0.1:5440/nuanxin python -m bench.citus
    CITUS_PERSONS=2000 CITUS_PAGES=120 CITUS_ROUTING=1   # the defaults

It needs what no fresh machine has, so it is no part of `make bench` or CI: a Citus
coordinator with its workers added (`citus_add_node`), the coordinator in the metadata
(`citus_set_coordinator_host`), and at CITUS_URL an empty database with the `citus`
extension on every node. docs/scaling.md ("Tried on a Citus cluster") says how the
one it was run on was made.

1. **The city**: `migrate`, then the demo city (`seed`, every step) of CITUS_PERSONS.
2. **The plan**: `nuanxin distribution_plan`'s statements, the keys in one transaction,
   each timed.
3. **Checks**: every table counted before and after (the same rows), the tables of each
   kind Citus now holds, every id sequence ahead of its table's largest id.
4. **The walk**: as each demo login, Django's test client opens the home page and every
   route that takes no argument, and follows every link from them, GET only, up to
   CITUS_PAGES pages a login (one page of each list), with `NUANXIN_DISTRICT_ROUTING` as
   CITUS_ROUTING says. The failures are counted by where in our code they happened.
5. **A visit**: the grid worker records one (`visit_record`), then sends it again with
   the same client id; it must be stored once.

Writes bench/out/citus.json. Exit status 1 when a statement of the plan fails, a check
fails, a page fails or the visit does.
"""

from __future__ import annotations

import collections
import json
import os
import re
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

OUT = Path(__file__).parent / "out"
LINK = re.compile(r'href="(/[^"#]*)"')
# Not walked: leaving, switching language, the admin, files and the API (the pages are
# what is asked of the database here).
SKIP = re.compile(r"^/(accounts/logout|i18n|admin/|static/|api/)|export|download|\.(csv|xlsx)")


def main() -> int:
    url = os.environ.get("CITUS_URL")
    if not url:
        print("CITUS_URL names the coordinator's database (see this module's docstring).")
        return 2
    os.environ["NUANXIN_DATABASE_URL"] = url
    os.environ["NUANXIN_DISTRICT_ROUTING"] = os.environ.get("CITUS_ROUTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanxin.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM citus_get_active_worker_nodes()")
        workers = cursor.fetchone()[0]
        if connection.introspection.table_names(cursor):
            print("The database at CITUS_URL is not empty: give the drill an empty one.")
            return 2
    report = {"workers": workers, "persons": int(os.environ.get("CITUS_PERSONS", "2000"))}
    city(report["persons"])
    before = row_counts()
    report["plan"] = apply_plan()
    report["checks"] = checks(before)
    report["walk"] = walk(int(os.environ.get("CITUS_PAGES", "120")))
    report["visit"] = visit()
    OUT.mkdir(exist_ok=True)
    (OUT / "citus.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print_report(report)
    failed = any(report[part]["failed"] for part in ("plan", "checks", "walk", "visit"))
    return 1 if failed else 0


def city(persons: int) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed", persons=persons, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"city: {persons:,} people, migrated and seeded in {time.perf_counter() - started:.0f} s")


def row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def apply_plan() -> dict:
    """Every statement of the plan, timed; the first that fails stops it."""
    from django.db import connection, transaction

    from nuanxin.regions import distribution

    keys, distribute = distribution.plan()
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in keys:
                cursor.execute(statement)
        keys_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            for statement in distribute:
                cursor.execute(statement)
    except Exception as exc:
        return {"failed": True, "statement": statement, "error": str(exc).strip()}
    return {
        "failed": False,
        "statements": len(keys) + len(distribute),
        "keys_s": round(keys_s, 1),
        "distribution_s": round(time.perf_counter() - started - keys_s, 1),
    }


def checks(before: dict[str, int]) -> dict:
    from django.db import connection

    from nuanxin.regions import distribution

    after = row_counts()
    changed = {t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT citus_table_type, count(*) FROM citus_tables GROUP BY 1")
        kinds = dict(cursor.fetchall())
        behind = {}
        for table, _name, column, at in distribution.sequences():
            if table not in before:
                continue  # a shard of a table Citus keeps on the coordinator
            cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")
            largest = cursor.fetchone()[0]
            if largest is not None and (at or 0) < largest:
                behind[table] = (largest, at)
    new = sorted(set(after) - set(before))
    return {
        "failed": bool(changed or behind),
        "kinds": kinds,
        "rows": sum(before.values()),
        "rows_changed": changed,
        "sequences_behind": behind,
        "tables_added": new,
    }


def walk(limit: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from nuanxin.accounts.models import User
    from nuanxin.demo.users import DEMO_LOGINS

    setup_test_environment()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pages, failures = collections.Counter(), []
    routes = _pages_without_arguments()
    for login in DEMO_LOGINS:
        client = Client(raise_request_exception=True)
        user = User.objects.get(username=login.username)
        client.force_login(user)
        _second_factor(client, user)
        seen, queue = set(), ["/", *routes]
        while queue and len(seen) < limit:
            url = queue.pop(0).replace("&amp;", "&")
            if url in seen or SKIP.search(url):
                continue
            seen.add(url)
            try:
                response = client.get(url)
            except Exception as exc:
                failures.append((login.username, url, _first_line(exc), _trace(exc)))
                continue
            pages[response.status_code] += 1
            if response.status_code >= 500:
                failures.append((login.username, url, str(response.status_code), ""))
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                queue += [u for u in LINK.findall(response.content.decode()) if "page=" not in u]
    sites = collections.Counter(f"{f[2][:70]}\n  at {f[3]}" for f in failures)
    return {
        "failed": bool(failures),
        "answered": {str(status): n for status, n in sorted(pages.items())},
        "failures": [f[:3] for f in failures],
        "where": sites.most_common(),
    }


def visit() -> dict:
    """The grid worker records a visit to someone in their grid, and sends it again with
    the same client id, as the phone does (`visit_record`, the load test's body)."""
    import datetime as dt
    import uuid

    from bench.common import visit_body
    from nuanxin.accounts.models import User
    from nuanxin.demo.users import DEMO_LOGINS
    from nuanxin.registry.models import Person
    from nuanxin.visits.services import visit_record

    grid = next(login for login in DEMO_LOGINS if login.username == "grid")
    person = Person.objects.filter(region_id=grid.region).order_by("pk").first()
    body = visit_body(str(uuid.uuid4()), person.pk)
    body["visited_on"] = dt.date.fromisoformat(body["visited_on"])
    user = User.objects.get(username=grid.username)
    try:
        with _remote_commands() as sent:
            first, created = visit_record(user=user, **body)
        again, repeated = visit_record(user=user, **body)
    except Exception as exc:
        return {"failed": True, "error": _first_line(exc), "at": _trace(exc)}
    stored_once = created and not repeated and first.pk == again.pk
    return {
        "failed": not stored_once,
        "visit": first.pk,
        "district": first.district,
        "sent": sent,
    }


@contextmanager
def _remote_commands():
    """What the coordinator sends the workers meanwhile (`citus.log_remote_commands`):
    how many commands, to which nodes, and how many shards of each table they name."""
    from django.db import connection

    notices: list[str] = []
    connection.ensure_connection()
    raw = connection.connection

    def keep(diagnostic) -> None:
        if (diagnostic.message_primary or "").startswith("issuing "):
            notices.append(f"{diagnostic.message_primary}\n{diagnostic.message_detail or ''}")

    sent: dict = {}
    raw.add_notice_handler(keep)
    with connection.cursor() as cursor:
        cursor.execute("SET citus.log_remote_commands TO on")
    try:
        yield sent
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET citus.log_remote_commands TO off")
        raw.remove_notice_handler(keep)
    shards: dict[str, set] = collections.defaultdict(set)
    nodes = collections.Counter()
    for notice in notices:
        node = re.search(r"on server \S+@(\S+)", notice)
        nodes[node.group(1) if node else "?"] += 1
        for table, shard in re.findall(r"\b(?:public\.)?([a-z_]+)_(\d{6,})\b", notice):
            shards[table].add(shard)
    sent.update(
        commands=len(notices),
        nodes=dict(nodes),
        shards={table: len(ids) for table, ids in sorted(shards.items())},
    )


def _pages_without_arguments(patterns=None, prefix: str = "/") -> list[str]:
    """Every route that takes no argument: where a failing home page hides the rest."""
    from django.urls import URLResolver, get_resolver

    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if "<" in route or "(" in route or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            found += _pages_without_arguments(entry.url_patterns, prefix + route)
        else:
            found.append(prefix + route)
    return sorted(set(found))


def _second_factor(client, user) -> None:
    """The session past the second factor, as the login page leaves it (city and
    district logins need one)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from nuanxin.accounts import otp

    device = otp.totp_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"


def _trace(exc: Exception) -> str:
    """Where in our code it failed: the project's frames of the traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/nuanxin/" in f.filename and "site-packages" not in f.filename]
    return " ← ".join(
        f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
        for f in reversed(ours[-3:])
    )


def print_report(report: dict) -> None:
    plan, checked, walked = report["plan"], report["checks"], report["walk"]
    print(f"workers: {report['workers']}")
    if plan["failed"]:
        print(f"plan FAILED at: {plan['statement']}\n  {plan['error']}")
    else:
        print(
            f"plan: {plan['statements']} statements, keys {plan['keys_s']} s,"
            f" distribution {plan['distribution_s']} s"
        )
    print(f"tables: {checked['kinds']}; {checked['rows']:,} rows")
    for table, (was, now) in checked["rows_changed"].items():
        print(f"  rows CHANGED in {table}: {was} → {now}")
    for table, (largest, at) in checked["sequences_behind"].items():
        print(f"  sequence BEHIND in {table}: at {at}, largest id {largest}")
    recorded = report["visit"]
    if recorded["failed"]:
        print(f"a visit: FAILED {recorded.get('error', 'stored other than once')}")
        print(f"  at {recorded.get('at', '')}")
    else:
        print(f"a visit: recorded once (id {recorded['visit']}, district {recorded['district']})")
        sent = recorded["sent"]
        print(f"  sent to the workers: {sent['commands']} commands, by node {sent['nodes']}")
        print(f"  shards named, by table: {sent['shards']}")
    answered = ", ".join(f"{n} × {status}" for status, n in walked["answered"].items())
    print(f"pages answered: {answered}; failed: {len(walked['failures'])}, where:")
    for site, n in walked["where"]:
        print(f"{n:>5} {site}")


if __name__ == "__main__":
    sys.exit(main())
