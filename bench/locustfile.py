"""The users of `make load` (bench/load.py writes their configuration; run through it).

Field workers use the API with their token, as the phone app does: every cycle they
open a person from their worklist (the worklist itself every third cycle) and POST a
visit with a fresh `client_id`. Officers use the pages with their session: the
dashboard, a month's coverage, the blind spots and a people search.

A request whose connection drops (a gunicorn worker killed under it) or that a
restarting server refuses is sent again, the same body and so the same `client_id`,
up to four times; such tries are counted on their own row, "(dropped, sent again)".
A visit still unanswered when the run ends is written to LOAD_ACKS as pending.
What the server finally answers is what counts: anything but the expected status is
an error. Every acknowledged visit's `client_id` and id are written to LOAD_ACKS.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path

import gevent
from locust import FastHttpUser, events, task

from bench.common import visit_body  # locust runs from the project root (bench/load.py)
from bench.pacing import paced

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text())
TAG = CONFIG["run_tag"]
MAX_TRIES = 4
# As nginx sends it: with DEBUG off, Django sends plain http to https.
PROXY = {"X-Forwarded-Proto": "https"}
DROPPED = "(dropped, sent again)"

acknowledged: dict[str, int] = {}
# Visits sent and not yet answered: the ones locust cuts off when the run ends are sent
# again afterwards by bench/load.py, as the phone app would on its next sync.
pending: dict[str, dict] = {}
errors: list[str] = []
counts = {"retries": 0}
clock = {"start": None, "stop": None}
# Every answer's time (ms) and every failure, by route: exact percentiles at the end.
# Answers in the first WARM_UP seconds are kept apart: a freshly copied city answers its
# first district pages from cold caches (and stores their finished months of coverage),
# seconds each, and the percentiles are of the load the server holds from then on.
WARM_UP = float(CONFIG.get("warm_up", 0))
times: dict[str, list[float]] = defaultdict(list)
warm_up_times: dict[str, list[float]] = defaultdict(list)
failures: dict[str, int] = defaultdict(int)
_field_slots = itertools.count()
_officer_slots = itertools.count()


def send(user, method: str, url: str, name: str, expect=(200,), json_answer=False, **kwargs):
    """One request, sent again on a dropped connection; the final answer (or its JSON) or None."""
    for attempt in range(1, MAX_TRIES + 1):
        with user.client.request(
            method,
            url,
            name=name,
            catch_response=True,
            allow_redirects=False,
            headers={**PROXY, **user.auth},
            **kwargs,
        ) as answer:
            # No answer, the server restarting, or an answer cut off in its body.
            dropped = answer.status_code in (0, 502, 503) or (
                answer.status_code in expect and answer.request_meta["exception"] is not None
            )
            data = None
            if not dropped and answer.status_code in expect and json_answer:
                try:
                    data = answer.json()
                except ValueError:
                    dropped = True
            if dropped and attempt < MAX_TRIES:
                answer.request_meta["name"] = DROPPED
                answer.success()
                counts["retries"] += 1
            elif answer.status_code in expect and not dropped:
                answer.success()
                return data if json_answer else answer
            else:
                body = getattr(answer, "text", None) or str(getattr(answer, "error", ""))
                message = f"{method} {name}: {answer.status_code} {body[:300]}"
                answer.failure(message)
                errors.append(message)
                return None
        gevent.sleep(0.2 * attempt)
    return None


class FieldWorker(FastHttpUser):
    fixed_count = len(CONFIG["field"])
    wait_time = paced(CONFIG["visit_every"])

    def on_start(self):
        me = CONFIG["field"][next(_field_slots) % len(CONFIG["field"])]
        self.auth = {"Authorization": f"Bearer {me['token']}"}
        self.people = me["people"]
        self.due: list[int] = []
        self.cycle = 0
        gevent.sleep(self.wait_time.start(self))  # not all at once

    @task
    def visit(self):
        if self.cycle % 3 == 0 or not self.due:
            page = send(
                self, "GET", "/api/v1/worklist?page_size=20", "/api/v1/worklist", json_answer=True
            )
            if page is not None:
                self.due = [d["person_id"] for d in page["items"]]
        self.cycle += 1
        person = self.due.pop() if self.due else random.choice(self.people)
        send(self, "GET", f"/api/v1/persons/{person}", "/api/v1/persons/[id]")
        client_id = f"load-{TAG}-{uuid.uuid4().hex[:16]}"
        body = visit_body(client_id, person)
        pending[client_id] = {"body": body, "token": self.auth["Authorization"]}
        visit = send(
            self,
            "POST",
            "/api/v1/visits",
            "/api/v1/visits",
            (200, 201),
            json_answer=True,
            json=body,
        )
        pending.pop(client_id, None)
        if visit is not None:
            acknowledged[client_id] = visit["id"]


class Officer(FastHttpUser):
    fixed_count = len(CONFIG["officers"])
    wait_time = paced(CONFIG["read_every"])

    def on_start(self):
        me = CONFIG["officers"][next(_officer_slots) % len(CONFIG["officers"])]
        self.auth = {"Cookie": f"{CONFIG['session_cookie']}={me['cookie']}"}
        self.region = me["region"]
        gevent.sleep(self.wait_time.start(self))

    @task(2)
    def dashboard(self):
        send(self, "GET", "/", "/ (dashboard)")

    @task(1)
    def coverage(self):
        send(self, "GET", "/coverage/", "/coverage/")

    @task(1)
    def blind_spots(self):
        send(self, "GET", "/blind-spots/", "/blind-spots/")

    @task(3)
    def search(self):
        term = random.choice(CONFIG["names"])
        send(self, "GET", f"/people/?q={term}{random.randint(1, 999)}", "/people/?q=…")


@events.request.add_listener
def _record(request_type, name, response_time, exception, **_kwargs):
    route = f"{request_type} {name}"
    warming = clock["start"] is not None and time.monotonic() - clock["start"] < WARM_UP
    (warm_up_times if warming else times)[route].append(response_time)
    if exception:
        failures[route] += 1


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest time at or above `share` of the answers."""
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


def _routes(seconds: float) -> list[dict]:
    """Per route: requests and rate over the whole run; percentiles after the warm-up (of
    the whole run where a route was answered only in it), and the whole run's p95 too."""
    rows = []
    for route in sorted(set(times) | set(warm_up_times), key=lambda r: r.split(" ", 1)[1]):
        every = sorted(times[route] + warm_up_times[route])
        steady = sorted(times[route]) or every
        rows.append(
            {
                "route": route,
                "requests": len(every),
                "failures": failures[route],
                "rps": round(len(every) / seconds, 1) if seconds else 0.0,
                "p50_ms": _percentile(steady, 0.50),
                "p95_ms": _percentile(steady, 0.95),
                "p99_ms": _percentile(steady, 0.99),
                "max_ms": round(steady[-1]),
                "warm_up_requests": len(warm_up_times[route]),
                "p95_whole_run_ms": _percentile(every, 0.95),
            }
        )
    return rows


@events.user_error.add_listener
def _task_failed(user_instance, exception, tb, **_kwargs):
    errors.append(f"{type(user_instance).__name__}: {exception!r}")


@events.test_start.add_listener
def _started(**_kwargs):
    clock["start"] = time.monotonic()


@events.test_stop.add_listener
def _stopped(**_kwargs):
    clock["stop"] = time.monotonic()


@events.quitting.add_listener
def _write(**_kwargs):
    seconds = (clock["stop"] or time.monotonic()) - (clock["start"] or time.monotonic())
    Path(os.environ["LOAD_ACKS"]).write_text(
        json.dumps(
            {
                "acknowledged": acknowledged,
                "pending": pending,
                "retries": counts["retries"],
                "errors": errors,
                "seconds": round(seconds, 1),
                "routes": _routes(seconds),
            }
        )
    )
