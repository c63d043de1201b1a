"""The duty protocol (DESIGN §1): anything the system expects to happen for a person by a date.

Each domain app states its own duties by registering a *duty source*; the
worklist (what is due for me / my area) and the blind-spot report (every duty
overdue or unmet) are the union of all sources. A source answers with indexed,
scoped queries — never a loop over people — and returns plain `Duty` values so
the pages and the API can merge and sort them without knowing where they came
from.

Visits are the first source (`nuanxin.visits.duties`); casework, care and
campaigns plug in the same way:

    from nuanxin.core import duties

    class CareplanSessions:
        kind = "care_session"
        def due(self, *, user, today, until, region=""): ...
        def overdue(self, *, user, today, region=""): ...

    duties.register(CareplanSessions())

Both methods read through the gate (`Model.objects.restrict(user, …)`) and
run a fixed number of queries. What the user sees of each duty's person is
decided here, once, from the gate's field view (DESIGN §3.7): a volunteer's
duty carries the phone in clear and no tier; staff see the phone masked.

Most sources have nothing for most users (a grid worker's few streets hold no
spot check, no screening …), and building a query costs more than running it.
So a source may also say where its duties come from:

        def pending(self, *, user, today, region=""): ...

answers the querysets (through the gate, unsliced, any order) whose rows
include every duty `due` or `overdue` could return for that `today` and
region, whatever the `until`: the open rows in the user's reach, with no date
cut. The worklist, `mine` and the blind-spot report first ask all those
querysets at once — one query of EXISTS — and ask `due` / `overdue` only of the
sources that have a row there. That is the whole rule: a source is skipped only
when its own gate and its own open-row condition find nothing, never because of
the user's role. A source without `pending` is always asked; one whose
`pending` answers None is asked too (for when a superset is hard to state).
Keep `pending` a superset: anything `due` or `overdue` may find must match it.

Building those querysets through the gate costs more than the query of EXISTS
itself (about 7 ms for fourteen sources, on every worklist). So the compiled
statement is kept, per process, for the same user with the same memberships,
day, region and link providers (`_probe_key`), for a minute at most; only the
rows it finds are read afresh. That is sound because `pending` builds its
querysets from its arguments and the user's reach alone: **it reads no row**
(`tests/test_field_costs.py` holds every source to no query). Link-only users
(volunteers, partner contacts) are not kept: their links read who they answer for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterable
from typing import Protocol

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from . import access, fieldviews
from .masking import mask_phone
from .tiers import TIER_RANK


@dataclasses.dataclass(frozen=True)
class Duty:
    kind: str  # e.g. "visit", "service_task", "care_session"
    person_id: int
    person_name: str
    region_id: str
    due_on: dt.date
    tier: str = ""
    label: str = ""  # what to do, already translated
    link: str = ""  # where to do it
    owner_id: int | None = None  # the user expected to do it, when one is named
    address: str = ""
    phone: str = ""  # for link-only users (volunteers) who must call ahead
    # Set by `shown`: the field view of the person ("full", "masked", "task"),
    # and whether the user may act on the person's records (record a visit …).
    view: str = fieldviews.FULL
    can_change: bool = False

    def late_days(self, today: dt.date) -> int:
        return max((today - self.due_on).days, 0)

    def sort_key(self, today: dt.date):
        # Red before yellow before blue; within a tier, the latest first.
        return (TIER_RANK.get(self.tier, 3), self.due_on, self.person_id, self.kind)


class DutySource(Protocol):
    kind: str

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "") -> Iterable[Duty]:
        """Duties the user may see, due on or before `until` (overdue included)."""

    def overdue(self, *, user, today: dt.date, region: str = "") -> Iterable[Duty]:
        """Duties the user may see that are past due and not done."""

    # Optional (see the module's docstring): the open rows `due` and `overdue` draw on.
    #   def pending(self, *, user, today, region="") -> list[QuerySet] | None


_sources: list[DutySource] = []
# Set PROBE = False to ask every source (tests compare both ways).
PROBE = True


def register(source: DutySource) -> None:
    """Add a source once (apps call this from AppConfig.ready)."""
    if all(type(s) is not type(source) for s in _sources):
        _sources.append(source)


def sources() -> list[DutySource]:
    return list(_sources)


def shown(user, found: Iterable[Duty]) -> list[Duty]:
    """Each duty as `user` may see it: the person's field view decides tier and phone."""
    out = []
    for duty in found:
        view = fieldviews.view_by_region(user, duty.region_id)
        out.append(
            dataclasses.replace(
                duty,
                tier="" if view.task else duty.tier,
                phone=duty.phone if view.task else mask_phone(duty.phone),
                view=view.kind,
                can_change=access.can(user, access.Action.CHANGE, duty.region_id),
            )
        )
    return out


@dataclasses.dataclass(frozen=True)
class ProbePlan:
    """Which sources are always asked, and per database the query of EXISTS that tells
    which of the others have open rows: (database, sql, params, the sources' indexes)."""

    always: tuple[bool, ...]
    statements: tuple[tuple[str, str, tuple, tuple[int, ...]], ...]


# The plans kept (see the module's docstring): key -> (plan, when it was made).
_plans: OrderedDict[tuple, tuple[ProbePlan, float]] = OrderedDict()
_plans_lock = threading.Lock()
PLANS_KEPT = 2048
PLAN_SECONDS = 60.0


def _probe_key(found: list[DutySource], *, user, today: dt.date, region: str):
    """What the probe's statement is made of, or None when it is not to be kept."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    reach = access.reach(user)
    if reach.has_link_role:
        return None
    return (
        user.pk,
        reach.memberships,
        today,
        timezone.localdate(),
        region,
        settings.DISTRICT_ROUTING,
        access.links_generation(),
        # The sources themselves (they live as long as the process): asked for by type.
        tuple(type(source) for source in found),
    )


def probe_plan(found: list[DutySource], *, user, today: dt.date, region: str = "") -> ProbePlan:
    """The sources' `pending` querysets compiled into one statement a database."""
    always = []
    probes: dict[str, list[tuple[int, QuerySet]]] = {}
    for i, source in enumerate(found):
        pending = getattr(source, "pending", None) if PROBE else None
        querysets = pending(user=user, today=today, region=region) if pending else None
        always.append(querysets is None)
        for qs in querysets or ():
            probes.setdefault(qs.db, []).append((i, qs))
    statements = []
    for db, items in probes.items():
        parts, params = [], []
        for _i, qs in items:
            try:
                sql, values = qs.order_by().values("pk").query.get_compiler(db).as_sql()
            except EmptyResultSet:  # e.g. a gate that reaches nowhere
                sql, values = "SELECT 1 WHERE 1 = 0", ()
            parts.append(f"EXISTS({sql})")
            params.extend(values)
        indexes = tuple(i for i, _qs in items)
        statements.append((db, "SELECT " + ", ".join(parts), tuple(params), indexes))
    return ProbePlan(always=tuple(always), statements=tuple(statements))


def _plan(found: list[DutySource], *, user, today: dt.date, region: str) -> ProbePlan:
    key = _probe_key(found, user=user, today=today, region=region) if PROBE else None
    if key is None:
        return probe_plan(found, user=user, today=today, region=region)
    now = time.monotonic()
    with _plans_lock:  # gunicorn's threads share the plans
        kept = _plans.get(key)
        if kept is not None and now - kept[1] < PLAN_SECONDS:
            _plans.move_to_end(key)
            return kept[0]
    plan = probe_plan(found, user=user, today=today, region=region)
    with _plans_lock:
        _plans[key] = (plan, now)
        _plans.move_to_end(key)
        while len(_plans) > PLANS_KEPT:
            _plans.popitem(last=False)
    return plan


def asked(
    found: Iterable[DutySource], *, user, today: dt.date, region: str = ""
) -> list[DutySource]:
    """The sources worth asking: those whose `pending` rows exist (one query for all),
    and those that state no `pending`. See the module's docstring for the rule."""
    found = list(found)
    plan = _plan(found, user=user, today=today, region=region)
    keep = list(plan.always)
    for db, sql, params, indexes in plan.statements:
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        for i, hit in zip(indexes, row, strict=True):
            keep[i] = keep[i] or bool(hit)
    return [source for source, wanted in zip(found, keep, strict=True) if wanted]


def worklist(*, user, today: dt.date, until: dt.date, region: str = "") -> list[Duty]:
    """Every source's duties due by `until`, red first then by lateness."""
    found: list[Duty] = []
    for source in asked(_sources, user=user, today=today, region=region):
        found.extend(source.due(user=user, today=today, until=until, region=region))
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))


def mine(*, user, today: dt.date, until: dt.date, region: str = "") -> list[Duty]:
    """The duties that name `user` (requests, care sessions, tasks …), visits aside."""
    mines = [source for source in _sources if source.kind != "visit"]
    found = [
        duty
        for source in asked(mines, user=user, today=today, region=region)
        for duty in source.due(user=user, today=today, until=until, region=region)
        if duty.owner_id == getattr(user, "pk", None)
    ]
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))


def blind_spots(
    *, user, today: dt.date, region: str = "", skip: Collection[str] = ()
) -> list[Duty]:
    """Every overdue duty in the user's reach, red first then by lateness.

    `skip` names kinds the caller shows otherwise (the blind-spot page lists visits
    from its own report): their sources are not asked at all."""
    wanted = [source for source in _sources if source.kind not in skip]
    found: list[Duty] = []
    for source in asked(wanted, user=user, today=today, region=region):
        found.extend(source.overdue(user=user, today=today, region=region))
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))
