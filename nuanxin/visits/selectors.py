"""Reads of the visits app, always scoped through the access rule.

Worklists and blind spots are range scans on the stored schedule
(region_id, due_on); a month's coverage is one GROUP BY over the people in scope
joined to that month's visits, grouped by the child region's code prefix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from nuanxin.accounts.models import Membership
from nuanxin.core import access, duties
from nuanxin.regions.models import PREFIX_LENGTH, ChangeMove, Level, Region, code_range
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_get

from . import rules
from .models import (
    EXPLAINING_OUTCOMES,
    ChecklistVersion,
    ColdSnap,
    CoverageMonth,
    CoverageSignoff,
    FollowUp,
    Method,
    Outcome,
    Visit,
    VisitPolicy,
    VisitSchedule,
    VisitTally,
)

CHILD_LEVEL = {
    Level.CITY: Level.DISTRICT,
    Level.DISTRICT: Level.STREET,
    Level.STREET: Level.COMMUNITY,
    Level.COMMUNITY: Level.GRID,
}


# --- policies and the checklist ------------------------------------------------


def policy_versions(day: dt.date | None = None) -> dict[str, list[rules.PolicyVersion]]:
    """All policy versions per tier (one query)."""
    versions: dict[str, list[rules.PolicyVersion]] = defaultdict(list)
    for p in VisitPolicy.objects.order_by("valid_from"):
        versions[p.tier].append(
            rules.PolicyVersion(
                p.valid_from, p.max_gap_days, tuple(p.methods), p.major_change_hours
            )
        )
    return versions


def checklist_current(day: dt.date | None = None) -> ChecklistVersion | None:
    day = day or timezone.localdate()
    return ChecklistVersion.objects.filter(valid_from__lte=day).order_by("-version").first()


# --- worklist ------------------------------------------------------------------


def schedule_due(*, user, until: dt.date, region: str = "") -> QuerySet[VisitSchedule]:
    """Visit duties the user may see, due on or before `until` (overdue included)."""
    qs = (
        VisitSchedule.objects.restrict(user, access.Action.VIEW)
        .within(region)
        .filter(active=True, due_on__lte=until)
    )
    return qs.select_related("person").order_by("tier_rank", "due_on", "person_id")


@dataclasses.dataclass
class RegionCounts:
    code: str
    name: str
    overdue: int = 0
    today: int = 0
    week: int = 0


def schedule_due_by_region(*, user, region: Region, today: dt.date) -> list[RegionCounts]:
    """For officers: overdue / due today / due this week per child region (one GROUP BY)."""
    child_len = PREFIX_LENGTH[CHILD_LEVEL.get(region.level, Level.GRID)]
    until = today + dt.timedelta(days=6)
    low, high = code_range(region.prefix)
    scope_sql, scope_params = access.scope(user, access.Action.VIEW).sql(
        "s.region_id", "s.district"
    )
    sql = f"""
        SELECT substr(s.region_id, 1, %s) AS child,
               SUM(CASE WHEN s.due_on < %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.due_on = %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.due_on > %s THEN 1 ELSE 0 END)
        FROM {VisitSchedule._meta.db_table} s
        WHERE s.region_id >= %s AND s.region_id < %s AND s.active AND s.due_on <= %s
          AND ({scope_sql})
        GROUP BY child ORDER BY child
    """
    params = [child_len, today, today, today, low, high or "~", until, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = _region_names([_pad(r[0]) for r in rows])
    return [
        RegionCounts(_pad(c), names.get(_pad(c), _pad(c)), int(o or 0), int(t or 0), int(w or 0))
        for c, o, t, w in rows
    ]


def _pad(code: str) -> str:
    return code if len(code) >= 12 else code.ljust(12, "0")


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def region_for(*, user, code: str = "") -> Region:
    """The region a page is about: the one asked for if the user reaches it, else their own."""
    reach = access.scope(user, access.Action.VIEW)
    if not code:
        widest = reach.widest()
        if not widest:
            raise Http404
        code = widest if len(widest) >= 12 else widest.ljust(12, "0")
    if not reach.covers(code):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    return region


def cold_snaps_for(*, user, today: dt.date) -> list[ColdSnap]:
    """Current or coming alerts over any district the user reaches (an alert is district-wide)."""
    reach = access.scope(user, access.Action.VIEW)
    if reach.nowhere:
        return []
    snaps = ColdSnap.objects.filter(cancelled_at__isnull=True, ends_on__gte=today).prefetch_related(
        "districts"
    )
    return [s for s in snaps if any(reach.touches(d.code) for d in s.districts.all())]


# --- visits --------------------------------------------------------------------


def person_visits(*, user, pk: int) -> tuple[Person, QuerySet[Visit]]:
    """A person's visits: their history, never read by a user a task links to them."""
    person = person_get(user=user, pk=pk, history=True)
    visits = (
        Visit.objects.filter(person_id=person.pk)
        .select_related("recorded_by")
        .prefetch_related("findings")
    )
    return person, visits


def visit_list(*, user, region: str = "") -> QuerySet[Visit]:
    qs = Visit.objects.restrict(user, access.Action.VIEW).within(region)
    return qs.select_related("person", "recorded_by")


def visit_get(*, user, pk: int) -> Visit:
    return access.get_or_404(
        Visit.objects.select_related("person", "recorded_by", "checklist_version").prefetch_related(
            "findings", Prefetch("follow_ups", FollowUp.objects.select_related("owner"))
        ),
        user,
        pk=pk,
    )


def next_visit_duty(*, user, today: dt.date, after_person: int):
    """The next visit on the user's list for today (the most urgent first), or None."""
    for duty in duties.worklist(user=user, today=today, until=today):
        if duty.kind == "visit" and duty.person_id != after_person and duty.can_change:
            return duty
    return None


def follow_ups_open(*, user, region: str = "") -> QuerySet[FollowUp]:
    qs = (
        FollowUp.objects.restrict(user, access.Action.VIEW)
        .within(region)
        .filter(closed_at__isnull=True)
    )
    return qs.select_related("person", "visit", "owner")


# --- coverage ------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    code: str
    name: str
    in_scope: int = 0
    visited: int = 0
    explained: int = 0
    # A month in progress only: people past their due date and neither visited enough
    # nor explained. None for a finished month, where everyone not reached is missed.
    late: int | None = None

    @property
    def missed(self) -> int:
        return self.in_scope - self.visited - self.explained

    @property
    def partial(self) -> bool:
        return self.late is not None

    @property
    def due_so_far(self) -> int:
        """Reached, or already late: the people the month so far asked for."""
        return self.visited + self.explained + (self.late or 0)

    @property
    def behind(self) -> int:
        """The people to chase: the late in a month in progress, else everyone missed."""
        return self.late if self.late is not None else self.missed

    @property
    def not_yet_due(self) -> int:
        return self.missed - (self.late or 0) if self.partial else 0

    @property
    def on_track(self) -> float:
        """A month in progress: reached over due by today (1.0 when nobody is due yet)."""
        if not self.due_so_far:
            return 1.0
        return (self.visited + self.explained) / self.due_so_far

    @property
    def rate(self) -> float:
        """Visited or explained, over in scope (1.0 when nobody is in scope)."""
        if not self.in_scope:
            return 1.0
        return (self.visited + self.explained) / self.in_scope

    def as_dict(self) -> dict:
        figures = {
            "in_scope": self.in_scope,
            "visited": self.visited,
            "explained": self.explained,
            "missed": self.missed,
            "rate": round(self.rate, 4),
        }
        if self.partial:
            figures |= {
                "late": self.late,
                "not_yet_due": self.not_yet_due,
                "on_track": round(self.on_track, 4),
            }
        return figures


@dataclasses.dataclass
class Coverage:
    region: Region
    month: dt.date
    total: Figures
    children: list[Figures]
    requirements: dict[str, tuple[int, tuple[str, ...]]]
    signoff: CoverageSignoff | None = None
    late_visits: int = 0


def requirements_for(month: dt.date, today: dt.date) -> tuple[dt.date, dt.date, dict]:
    """The month's span so far and, per tier, (visits required, methods that count).

    The policy in force on the span's last day applies; a running month asks for
    what its elapsed days require.
    """
    first, last = rules.month_bounds(month)
    end = min(last, today)
    days = (end - first).days + 1
    needs = {}
    for tier, versions in policy_versions().items():
        current = [v for v in versions if v.valid_from <= end] or versions[:1]
        v = current[-1]
        needs[tier] = (rules.required_visits(gap_days=v.max_gap_days, days=days), v.methods)
    return first, end, needs


def _visits_cte(prefix: str, month: dt.date, today: dt.date):
    """The month's visits per person (qualifying counts by method, explained or not)."""
    first, end, needs = requirements_for(month, today)
    low, high = code_range(prefix)
    # Only the methods some tier counts: each CASE costs per visit of the month.
    counts = ",\n".join(
        f"SUM(CASE WHEN outcome = '{Outcome.MET}' AND method = '{m}' THEN 1 ELSE 0 END) AS n_{m}"
        for m in _counted_methods(needs)
    )
    counts = counts + "," if counts else ""
    explaining = ", ".join(f"'{o}'" for o in EXPLAINING_OUTCOMES)
    # The city: read the whole month in person order (no sort for the GROUP BY);
    # a district or smaller: only that code range of the month.
    hint = ""
    if connection.vendor == "sqlite":  # its planner guesses wrong between the two
        hint = f"INDEXED BY {'visit_month_person_idx' if len(prefix) <= 4 else 'visit_month_idx'}"
    sql = f"""
        WITH v AS (
            SELECT person_id, {counts}
                   MAX(CASE WHEN outcome IN ({explaining}) THEN 1 ELSE 0 END) AS expl
            FROM {Visit._meta.db_table} {hint}
            WHERE month = %s AND region_id >= %s AND region_id < %s
            GROUP BY person_id
        )
    """
    return sql, [first, low, high or "~"], (first, end, low, high or "~"), needs


def _counted_methods(needs) -> list[str]:
    """The known methods any tier's requirement counts, in a fixed order."""
    return [m for m in Method.values if any(m in ms for _n, ms in needs.values())]


def _ok_sql(needs) -> str:
    """1 when the visits in `v` meet the tier's requirement for the month."""

    def met(ms) -> str:
        return " + ".join(f"COALESCE(v.n_{m}, 0)" for m in Method.values if m in ms) or "0"

    cases = " ".join(
        f"WHEN s.tier = '{tier}' AND ({met(ms)}) >= {n} THEN 1" for tier, (n, ms) in needs.items()
    )
    return f"CASE {cases} ELSE 0 END"


SCOPE_SQL = """s.region_id >= %s AND s.region_id < %s AND s.tier <> ''
    AND s.in_scope_since <= %s AND (s.out_on IS NULL OR s.out_on >= %s)"""

_SCHEDULE_COLUMNS = "person_id, tier, tier_rank, in_scope_since, out_on, due_on, last_contact_on"


def _schedules(first: dt.date, low: str, high: str, child_len: int) -> tuple[str, list]:
    """The schedule table as a month's coverage reads it, and its parameters.

    Each person counts where they lived that month. After a merge or split
    (regions.ChangeMove) a person moved from `cut_month` on counts, for an earlier
    month, in their old region: the month reads as it did. Only when a move
    touches this range and changes a child region's figures is the schedule read
    through the moves (a UNION ALL that keeps the range scan); otherwise it is the
    table itself, as fast as ever.
    """
    table = VisitSchedule._meta.db_table
    moves = ChangeMove._meta.db_table
    n = int(child_len)
    probe = f"""
        SELECT 1 FROM {moves} m WHERE m.cut_month > %s
          AND ((m.old_region_id >= %s AND m.old_region_id < %s)
               OR (m.new_region_id >= %s AND m.new_region_id < %s))
          AND NOT (m.old_region_id >= %s AND m.old_region_id < %s
                   AND m.new_region_id >= %s AND m.new_region_id < %s
                   AND substr(m.old_region_id, 1, {n}) = substr(m.new_region_id, 1, {n}))
        LIMIT 1
    """
    with connection.cursor() as cursor:
        cursor.execute(probe, [first, *[low, high] * 4])
        if cursor.fetchone() is None:
            return table, []
    # The first move after the month is where the person was during it.
    source = f"""(
        SELECT s.region_id AS region_id, {", ".join("s." + c for c in _SCHEDULE_COLUMNS.split(", "))}
        FROM {table} s
        WHERE s.region_id >= %s AND s.region_id < %s
          AND s.person_id NOT IN (SELECT m.person_id FROM {moves} m WHERE m.cut_month > %s)
        UNION ALL
        SELECT m.old_region_id AS region_id,
               {", ".join("s." + c for c in _SCHEDULE_COLUMNS.split(", "))}
        FROM {moves} m JOIN {table} s ON s.person_id = m.person_id
        WHERE m.cut_month > %s AND m.old_region_id >= %s AND m.old_region_id < %s
          AND NOT EXISTS (SELECT 1 FROM {moves} e WHERE e.person_id = m.person_id
                          AND e.cut_month > %s AND e.id < m.id)
    )"""
    return source, [low, high, first, first, low, high, first]


def _coverage_cte(prefix: str, month: dt.date, today: dt.date, child_len: int):
    """Everyone in scope with ok / expl flags (for the person-level blind-spot list)."""
    cte, params, (first, end, low, high), needs = _visits_cte(prefix, month, today)
    source, source_params = _schedules(first, low, high, child_len)
    sql = (
        cte
        + f""", c AS (
            SELECT substr(s.region_id, 1, {int(child_len)}) AS child, s.person_id AS person_id,
                   s.region_id AS region_id, s.tier AS tier, s.tier_rank AS tier_rank,
                   s.last_contact_on AS last_contact_on, s.due_on AS due_on,
                   {_ok_sql(needs)} AS ok, COALESCE(v.expl, 0) AS expl
            FROM {source} s LEFT JOIN v ON v.person_id = s.person_id
            WHERE {SCOPE_SQL}
        )
    """
    )
    return sql, [*params, *source_params, low, high, end, first], needs


def _seen_from_tallies(needs, child_len: int, first, low, high) -> tuple[str, list]:
    """Visited / explained per child region from the month's tallies (the city's month).

    One tally row per visited person: no GROUP BY over the month's million visits.
    People whose visits that month were in several regions (`split`, a handful) are
    recounted from their visits within the range, exactly as `_visits_cte` does.
    """
    tally, visit = VisitTally._meta.db_table, Visit._meta.db_table
    schedule, source_params = _schedules(first, low, high, child_len)
    remapped = bool(source_params)
    hint = (
        "INDEXED BY schedule_person_scope_idx"
        if connection.vendor == "sqlite" and not remapped
        else ""
    )
    counts = ", ".join(
        f"SUM(CASE WHEN vi.outcome = '{Outcome.MET}' AND vi.method = '{m}' THEN 1 ELSE 0 END)"
        f" AS n_{m}"
        for m in _counted_methods(needs)
    )
    explaining = ", ".join(f"'{o}'" for o in EXPLAINING_OUTCOMES)
    figures = f"substr(s.region_id, 1, {int(child_len)}) AS child, {_ok_sql(needs)} AS ok"
    # CROSS JOIN: from the few split tallies to their visits, never the other way round.
    sql = f"""
        WITH w AS (
            SELECT vi.person_id AS person_id, {counts + "," if counts else ""}
                   MAX(CASE WHEN vi.outcome IN ({explaining}) THEN 1 ELSE 0 END) AS expl
            FROM {tally} t CROSS JOIN {visit} vi
            WHERE vi.month = t.month AND vi.person_id = t.person_id
              AND t.month = %s AND t.split = %s AND vi.region_id >= %s AND vi.region_id < %s
            GROUP BY vi.person_id
        )
        SELECT child, SUM(ok), SUM(CASE WHEN ok = 0 AND expl = 1 THEN 1 ELSE 0 END) FROM (
            SELECT {figures}, CASE WHEN v.explained THEN 1 ELSE 0 END AS expl
            FROM {tally} v JOIN {schedule} s {hint} ON s.person_id = v.person_id
            WHERE v.month = %s AND v.split = %s AND v.region_id >= %s AND v.region_id < %s
              AND {SCOPE_SQL}
            UNION ALL
            SELECT {figures}, v.expl
            FROM w v JOIN {schedule} s {hint} ON s.person_id = v.person_id
            WHERE {SCOPE_SQL}
        ) x GROUP BY child
    """
    return sql, [first, True, low, high, *source_params, first, False, low, high], source_params


def coverage_compute(*, region: Region, month: dt.date, today: dt.date | None = None) -> Coverage:
    """A month's figures for a region and each child region (unscoped: callers check access).

    Two GROUP BYs and no outer join: the people in scope per child region (from the
    schedule's index), and, driven from the month's visits in person order, those
    visited or explained (each joined to its scope through a covering index). The
    city reads the per-person monthly tallies instead of grouping a million visits.
    """
    today = today or timezone.localdate()
    month = month.replace(day=1)
    child_len = int(PREFIX_LENGTH[CHILD_LEVEL.get(region.level, Level.GRID)])
    cte, params, (first, end, low, high), needs = _visits_cte(region.prefix, month, today)
    table, source_params = _schedules(first, low, high, child_len)
    # The visited people's scope, tier and region from one covering index (no row reads).
    by_person = (
        "INDEXED BY schedule_person_scope_idx"
        if connection.vendor == "sqlite" and not source_params
        else ""
    )
    # Counted per region code first, in the index's order (no sort of a million rows),
    # then the few thousand codes summed per child region.
    scope_sql = f"""
        SELECT substr(r, 1, {child_len}) AS child, SUM(n) FROM (
            SELECT s.region_id AS r, COUNT(*) AS n
            FROM {table} s WHERE {SCOPE_SQL} GROUP BY s.region_id
        ) x GROUP BY child
    """
    scope = [low, high, end, first]
    if len(region.prefix) <= 4:
        seen_sql, seen_params, _source = _seen_from_tallies(needs, child_len, first, low, high)
        seen_params += scope + source_params + scope
    else:
        seen_sql = (
            cte
            + f"""
            SELECT child, SUM(ok), SUM(CASE WHEN ok = 0 AND expl = 1 THEN 1 ELSE 0 END) FROM (
                SELECT substr(s.region_id, 1, {child_len}) AS child, {_ok_sql(needs)} AS ok,
                       v.expl
                FROM v JOIN {table} s {by_person} ON s.person_id = v.person_id
                WHERE {SCOPE_SQL}
            ) x GROUP BY child
        """
        )
        seen_params = [*params, *source_params, *scope]
    with connection.cursor() as cursor:
        cursor.execute(scope_sql, source_params + scope)
        in_scope = dict(cursor.fetchall())
        cursor.execute(seen_sql, seen_params)
        seen = {c: (v, e) for c, v, e in cursor.fetchall()}
        late = _late_by_child(needs, child_len, first, end, low, high, today, cursor)
    codes = sorted(in_scope)
    names = _region_names(_pad(c) for c in codes)
    children = [
        Figures(
            _pad(c),
            names.get(_pad(c)) or str(_pad(c)),
            int(in_scope[c]),
            int(seen.get(c, (0, 0))[0] or 0),
            int(seen.get(c, (0, 0))[1] or 0),
            None if late is None else int(late.get(c, 0)),
        )
        for c in codes
    ]
    total = Figures(
        region.code,
        region.name,
        sum(f.in_scope for f in children),
        sum(f.visited for f in children),
        sum(f.explained for f in children),
        None if late is None else sum(f.late for f in children),
    )
    return Coverage(region, month, total, children, needs)


def month_running(month: dt.date, today: dt.date) -> bool:
    """True while the month has days still to come: its figures are so far, not final."""
    first, last = rules.month_bounds(month)
    return first <= today < last


def _late_by_child(needs, child_len, first, end, low, high, today, cursor) -> dict | None:
    """A month in progress: per child region, people already past their due date who
    are neither visited enough so far nor explained. The rest of the not-yet-reached
    are not late: their visit falls due later in the month, so nothing shows red yet.

    None for a finished month. Read from the overdue people (the due-date index) and
    their month's tally, so its cost follows the late, not everyone in scope.
    """
    if not month_running(first, today):
        return None
    tally, schedule = VisitTally._meta.db_table, VisitSchedule._meta.db_table
    sql = f"""
        SELECT substr(s.region_id, 1, {int(child_len)}) AS child, COUNT(*)
        FROM {schedule} s LEFT JOIN {tally} v ON v.person_id = s.person_id AND v.month = %s
        WHERE s.due_on < %s AND {SCOPE_SQL}
          AND ({_ok_sql(needs)}) = 0 AND (v.explained IS NULL OR NOT v.explained)
        GROUP BY child
    """
    cursor.execute(sql, [first, today, low, high, end, first])
    return dict(cursor.fetchall())


def coverage_for(*, user, region_code: str = "", month: dt.date, today=None) -> Coverage:
    """Coverage for a region the user reaches (404 otherwise), with its sign-off, if any."""
    region = region_for(user=user, code=region_code)
    result = coverage_compute(region=region, month=month, today=today)
    if region.level == Level.COMMUNITY:
        result.signoff = (
            CoverageSignoff.objects.filter(region=region, month=result.month)
            .select_related("signed_by", "countersigned_by")
            .first()
        )
        if result.signoff:
            first, last = rules.month_bounds(result.month)
            result.late_visits = (
                Visit.objects.within(region.prefix)
                .filter(
                    visited_on__gte=first,
                    visited_on__lte=last,
                    late=True,
                )
                .count()
            )
    return result


def signoffs_in(*, user, region: Region, month: dt.date) -> list[CoverageSignoff]:
    return list(
        CoverageSignoff.objects.restrict(user, access.Action.VIEW)
        .within(region.prefix)
        .filter(month=month.replace(day=1))
        .select_related("region", "signed_by", "countersigned_by")
    )


# --- blind spots -----------------------------------------------------------------


@dataclasses.dataclass
class BlindSpot:
    person_id: int
    name: str
    region_id: str
    address: str
    tier: str
    last_contact_on: dt.date | None
    due_on: dt.date | None
    worker: str


def blind_spots(
    *, user, region_code: str = "", month: dt.date, today=None
) -> tuple[Region, list[BlindSpot]]:
    """Every person in scope that month with no qualifying visit and no recorded reason.

    In a month still running, only those already late: someone due on the 20th is
    not a blind spot on the 3rd.
    """
    today = today or timezone.localdate()
    region = region_for(user=user, code=region_code)
    cte, params, _needs = _coverage_cte(region.prefix, month.replace(day=1), today, 15)
    late_only = ""
    if month_running(month, today):
        late_only, params = "AND c.due_on < %s", [*params, today]
    # The schedule's columns come through the CTE (no second read of the schedule), and
    # names and addresses only for the rows shown (BlindSpotRows): a district has
    # thousands of blind spots and a page shows 100.
    sql = (
        cte
        + f"""
        SELECT c.person_id, c.region_id, c.tier, c.last_contact_on, c.due_on
        FROM c
        WHERE c.ok = 0 AND c.expl = 0 {late_only}
        ORDER BY c.tier_rank, CASE WHEN c.last_contact_on IS NULL THEN 0 ELSE 1 END,
                 c.last_contact_on, c.person_id
    """
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return region, BlindSpotRows(rows, responsible_workers({r[1] for r in rows}))


class BlindSpotRows(Sequence):
    """The report's rows, each made a `BlindSpot` only when read: a page shows 100 of a
    district's thousands, so the rest are never built (counted, sliced, exported whole).
    Names and addresses are read for the rows asked, one query a slice."""

    CHUNK = 1000  # rows a query when the whole report is read (an export)

    def __init__(self, rows: list[tuple], workers, people=None):
        self._rows, self._workers = rows, workers
        self._people = people or _names_and_addresses

    def _built(self, rows) -> list[BlindSpot]:
        people = self._people([r[0] for r in rows])
        out = []
        for pid, code, tier, last, due in rows:
            name, address = people.get(pid, ("", ""))
            out.append(
                BlindSpot(
                    pid, name, code, address, tier, _date(last), _date(due), self._workers(code)
                )
            )
        return out

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            part = self._rows[index]
            return self._built(part) if part else []
        return self._built([self._rows[index]])[0]

    def __iter__(self):
        for start in range(0, len(self._rows), self.CHUNK):
            yield from self._built(self._rows[start : start + self.CHUNK])

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None


def _names_and_addresses(ids: list[int]) -> dict[int, tuple[str, str]]:
    found = Person.objects.filter(pk__in=ids).values_list("pk", "name", "address")
    return {pk: (name, address) for pk, name, address in found}


def _date(value) -> dt.date | None:
    """Raw SQLite rows carry dates as text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def responsible_workers(region_ids: set[str]):
    """region code -> the responsible worker's name: the grid's worker, else the community's."""
    codes = set(region_ids) | {c[:12] for c in region_ids}
    by_region: dict[tuple[str, str], str] = {}
    memberships = (
        Membership.objects.filter(
            active=True,
            region_id__in=codes,
            role__in=[access.Role.GRID_WORKER, access.Role.COMMUNITY_WORKER],
        )
        .select_related("user")
        .order_by("id")
    )
    for m in memberships:
        by_region.setdefault((m.role, m.region_id), str(m.user))

    def worker(region_id: str) -> str:
        return by_region.get((access.Role.GRID_WORKER, region_id)) or by_region.get(
            (access.Role.COMMUNITY_WORKER, region_id[:12]), ""
        )

    return worker


def trend_months(today: dt.date, months: int) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, this month last."""
    wanted = [today.replace(day=1)]
    while len(wanted) < months:
        wanted.insert(0, (wanted[0] - dt.timedelta(days=1)).replace(day=1))
    return wanted


def coverage_trend(
    *, region: Region, months: int, today: dt.date, running: Figures | None = None
) -> list[Figures]:
    """The last `months` months' totals, oldest first.

    Finished months come from stored figures (one query; `services.coverage_months_store`
    keeps them), any not stored yet are counted live, like the running month — unless
    the caller has counted it already (`running`: its `coverage_compute(...).total`).
    """
    wanted = trend_months(today, months)
    stored = {
        c.month: Figures(region.code, region.name, c.in_scope, c.visited, c.explained)
        for c in CoverageMonth.objects.filter(region_code=region.code, month__in=wanted[:-1])
    }
    if running is not None:
        stored[wanted[-1]] = running
    return [
        stored.get(m) or coverage_compute(region=region, month=m, today=today).total for m in wanted
    ]


def coverage_months_missing(*, region: Region, months: int, today: dt.date) -> list[dt.date]:
    """Finished months of the trend whose figures are not stored yet."""
    wanted = trend_months(today, months)[:-1]
    have = set(
        CoverageMonth.objects.filter(region_code=region.code, month__in=wanted).values_list(
            "month", flat=True
        )
    )
    return [m for m in wanted if m not in have]
