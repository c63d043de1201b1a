"""The daily jobs: one registry, run by `nuanxin tick` (a systemd timer in production).

Each app registers its own job in `AppConfig.ready`, so core imports no app:

    from nuanxin.core import daily
    daily.register("visits.cold_snaps", cold_snaps_daily)

A job is a callable `job(*, today) -> int` returning how many rows it wrote. Jobs
must be idempotent: the timer may fire twice a day (a restart, a catch-up after
downtime), and a second run on the same day must change nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable

from django.dispatch import Signal
from django.utils import timezone

log = logging.getLogger(__name__)

Job = Callable[..., int]

_jobs: dict[str, Job] = {}

# Sent once per run with `result`; the audit app records it (core imports no app).
ran = Signal()


def register(name: str, job: Job) -> None:
    """Add a daily job; registering the same name again replaces it (app reloads in tests)."""
    _jobs[name] = job


def jobs() -> dict[str, Job]:
    return dict(_jobs)


@dataclasses.dataclass
class Result:
    today: dt.date
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    failed: dict[str, str] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def run(*, today: dt.date | None = None, only: list[str] | None = None) -> Result:
    """Run every registered job (or `only` these); a job that raises does not stop the others.

    Sends `ran` once at the end: the audit app writes one event with each job's
    count and each failure, so the trail shows that the day's work ran (or did not)
    without reading server logs.
    """
    today = today or timezone.localdate()
    result = Result(today=today)
    started = time.perf_counter()
    for name, job in sorted(_jobs.items()):
        if only and name not in only:
            continue
        try:
            result.counts[name] = int(job(today=today) or 0)
        except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the rest
            log.exception("daily job %s failed", name)
            result.failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    result.seconds = time.perf_counter() - started
    ran.send(sender=Result, result=result)
    return result
