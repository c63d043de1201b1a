"""Login lockout on django-axes (docs/security.md, issue #11 item 5).

Two limits, both counted over the cool-off period (AXES_COOLOFF_TIME):

1. **A user name from one address.** AXES_FAILURE_LIMIT (5) failures lock that
   name *from that address only* — axes' combination parameter
   ``[["username", "ip_address"]]``. Someone guessing at a colleague's name from
   elsewhere no longer locks the colleague out of their own desk.
2. **One address, whatever the names.** LOGIN_ADDRESS_FAILURE_LIMIT (30)
   failures lock the address: a password spray from one machine stops, while an
   office behind one address whose people mistype now and then is not locked
   out after five slips spread over five names.

axes compares every parameter set against one limit, so the second, higher
limit is this small handler: `LockoutHandler.get_failures` answers the
combination's count, raised to the limit when the address is over its own.
axes asks `get_failures` both before authenticating (refuse while locked) and
after a failure (lock now?), so one override serves both.

A lock ends by itself after the cool-off, or earlier when a district officer
or the city administrator above the user lifts it (`services.login_lock_lift`,
audited); an address lock is lifted by the city administrator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone


def cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(0)


def window_start(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - cool_off()


def address_failures(address: str | None, now: dt.datetime | None = None) -> int:
    """Failed logins from one address within the cool-off, whatever the names."""
    if not address:
        return 0
    found = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=window_start(now)
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return found or 0


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a second, per-address limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if address_failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures


@dataclass(frozen=True)
class Lock:
    """A lock in force: a name from an address, or (username "") a whole address."""

    username: str
    address: str
    failures: int
    last_failure: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return self.last_failure + cool_off()


def _locks(rows, limit: int) -> list[Lock]:
    return [
        Lock(r.get("username") or "", r["ip_address"] or "", r["failures"], r["last"])
        for r in rows
        if r["failures"] >= limit
    ]


def name_locks(now: dt.datetime | None = None) -> list[Lock]:
    """Every (name, address) pair locked now, latest first (one query)."""
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=window_start(now))
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last", "username")
    )
    return _locks(rows, settings.AXES_FAILURE_LIMIT)


def address_locks(now: dt.datetime | None = None) -> list[Lock]:
    """Every address over the per-address limit now (one query)."""
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=window_start(now))
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_ADDRESS_FAILURE_LIMIT)
        .order_by("-last")
    )
    return _locks(rows, settings.LOGIN_ADDRESS_FAILURE_LIMIT)


def lock_for(username: str, address: str) -> Lock | None:
    """The lock that refuses this name from this address, if any: the address's own
    lock first (it covers every name), else the name's."""
    for lock in address_locks():
        if lock.address == address:
            return lock
    for lock in name_locks():
        if lock.username == username and lock.address == address:
            return lock
    return None


def locked_out_response(request, original_response=None, credentials=None):
    """The 429 page: what is locked, why, and the time to try again (AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", "") or ""
    lock = lock_for(username, address)
    until = timezone.localtime(lock.until if lock else timezone.now() + cool_off())
    context = {
        "username": username,
        "by_address": bool(lock and not lock.username),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        "cooloff_timedelta": cool_off(),
        "until": until,
        "same_day": until.date() == timezone.localdate(),
    }
    return render(request, "accounts/locked_out.html", context, status=429)
