"""Derived data of the visits app: each person's schedule, and the monthly tallies.

The per-person `VisitSchedule` (tier, why, next due) and `VisitTally` (a month's
qualifying visits) are computed from the registry and the visits, never typed
in. Services call these after every write that can change them; the daily
tick and the task worker call them for whole areas. Nothing here checks access:
callers are services (which have) and jobs (which act as the system).

Other apps add facts the tier rules read with `register_facts` (casework: the
latest needs assessment), so this module imports no app built on visits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from nuanxin.regions.districts import district_of_code
from nuanxin.registry.models import Contact, Disability, Enrollment, Person, Status

from . import rules, selectors
from .models import (
    EXPLAINING_OUTCOMES,
    ColdSnap,
    CoverageMonth,
    Method,
    Outcome,
    TierRaise,
    TierRule,
    Visit,
    VisitSchedule,
    VisitTally,
)

BATCH = 2000
OUT_OF_SCOPE = {Status.MOVED, Status.DECEASED}

# --- facts other apps contribute -------------------------------------------------------

# provider(person_ids, today) -> {person_id: {Facts field: value}}
FactsProvider = Callable[[list[int], dt.date], dict[int, dict]]
_fact_providers: list[FactsProvider] = []
# The same facts as SQL for the set-based rebuild (visits/rebuild.py): sql(today) -> FactsSQL.
_fact_sql: dict[FactsProvider, Callable] = {}


def register_facts(provider: FactsProvider, *, sql: Callable | None = None) -> None:
    """Add facts for the tier rules (called from an AppConfig.ready); one query per batch.

    `sql(today)` gives the same facts as a `rebuild.FactsSQL` for the set-based
    rebuild; without it, area rebuilds fall back to the per-person refresh.
    """
    if provider not in _fact_providers:
        _fact_providers.append(provider)
    if sql is not None:
        _fact_sql[provider] = sql


def facts_sql_complete() -> bool:
    """True when every facts provider has its SQL form (the set-based rebuild may run)."""
    return all(p in _fact_sql for p in _fact_providers)


def facts_sql_providers() -> list[Callable]:
    """The providers' SQL forms, in registration order (a later one wins a field)."""
    return [_fact_sql[p] for p in _fact_providers]


def extra_facts(ids, today: dt.date) -> dict[int, dict]:
    merged: dict[int, dict] = defaultdict(dict)
    for provider in _fact_providers:
        for person_id, facts in provider(list(ids), today).items():
            merged[person_id].update(facts)
    return merged


def person_facts(person, today: dt.date) -> rules.Facts:
    """One person's facts, as the refresh gathers them (for pages and tests)."""
    return rules.facts_of(person, today, extra=extra_facts([person.pk], today).get(person.pk))


# --- the schedule ------------------------------------------------------------------------


def _snaps_by_district(today: dt.date) -> dict[str, list[ColdSnap]]:
    by_district: dict[str, list[ColdSnap]] = defaultdict(list)
    snaps = ColdSnap.objects.filter(cancelled_at__isnull=True, ends_on__gte=today)
    for snap in snaps.prefetch_related("districts"):
        for district in snap.districts.all():
            by_district[district.prefix].append(snap)
    return by_district


def _snap_windows(snaps: list[ColdSnap], tier: str) -> list[rules.SnapWindow]:
    windows = []
    for snap in snaps:
        gap, methods = snap.gap_for(tier)
        if gap:
            windows.append(rules.SnapWindow(snap.starts_on, snap.ends_on, gap, tuple(methods)))
    return windows


def schedules_refresh(*, person_ids, today: dt.date | None = None) -> int:
    """Recompute tier, why and next due for these people, in batches. Returns rows written."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    tier_rules = list(TierRule.objects.filter(active=True))
    versions = selectors.policy_versions()
    snaps = _snaps_by_district(today)
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _refresh_batch(ids[start : start + BATCH], today, tier_rules, versions, snaps)
    return written


def _grouped(rows) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for person_id, *rest in rows:
        out[person_id].append(tuple(rest))
    return out


def _refresh_batch(ids, today, tier_rules, versions, snaps) -> int:
    # Plain value queries, not prefetch_related: a refresh may cover a whole city.
    people = Person.objects.filter(pk__in=ids)
    enrollments = _grouped(
        Enrollment.objects.filter(person_id__in=ids).values_list(
            "person_id", "category", "start_date", "end_date"
        )
    )
    grades = _grouped(
        Disability.objects.filter(person_id__in=ids).values_list("person_id", "grade")
    )
    contacts = _grouped(
        Contact.objects.filter(person_id__in=ids).values_list(
            "person_id", "is_guardian", "is_emergency"
        )
    )
    extra = extra_facts(ids, today)
    raises = defaultdict(list)
    for raised in TierRaise.objects.filter(person_id__in=ids, ends_on__gte=today).select_related(
        "created_by"
    ):
        raises[raised.person_id].append(raised)
    existing = {s.person_id: s for s in VisitSchedule.objects.filter(person_id__in=ids)}
    lasts = _lasts(ids)
    to_create, to_update, tier_changes = [], [], defaultdict(list)
    for person in people:
        facts = rules.facts_of(
            person,
            enrollments=enrollments.get(person.pk, ()),
            grades=[g for (g,) in grades.get(person.pk, ())],
            contacts=contacts.get(person.pk, ()),
            extra=extra.get(person.pk),
            today=today,
        )
        decision = rules.tier_decide(
            rules=tier_rules, raises=raises.get(person.pk, ()), facts=facts, today=today
        )
        sched = existing.get(person.pk)
        if sched is None:
            if not decision.tier:
                continue  # never in scope: nothing to keep
            since = _since(person, enrollments.get(person.pk, ()), today)
            sched = VisitSchedule(person_id=person.pk, in_scope_since=since)
            to_create.append(sched)
        else:
            to_update.append(sched)
        since = _since(person, enrollments.get(person.pk, ()), today)
        left = _left_on(enrollments.get(person.pk, ()), today)
        _fill(
            sched, person, decision, since, left, lasts.get(person.pk, {}), versions, snaps, today
        )
        if person.tier != decision.tier:
            tier_changes[decision.tier].append(person.pk)
    VisitSchedule.objects.bulk_create(to_create, batch_size=500)
    _schedules_update(to_update)
    # Person.tier is a denormalised copy for the registry's lists and filters.
    for tier, pks in tier_changes.items():
        Person.objects.filter(pk__in=pks).update(tier=tier)
    return len(to_create) + len(to_update)


SCHEDULE_FIELDS = [
    "region_id",
    "district",
    "tier",
    "tier_rank",
    "tier_why",
    "tier_rule_id",
    "tier_raise_id",
    "in_scope_since",
    "out_on",
    "active",
    "last_contact_on",
    "last_home_on",
    "major_change_at",
    "major_change_note",
    "due_on",
    "due_reason",
]


DATE_FIELDS = {"in_scope_since", "out_on", "last_contact_on", "last_home_on", "due_on"}


def _schedules_update(rows: list[VisitSchedule]) -> None:
    """One UPDATE per row through executemany: bulk_update's CASE chains cost minutes at scale.

    A schedule whose person stays in their district is found by person and district and
    keeps its district: sharded by district, the row is then on one known shard, and
    Citus refuses to set a row's distribution column at all. Only a person who moved to
    another district (`s.district` is still the stored one until here) has it set, by
    person alone.
    """
    if not rows:
        return
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    staying, moved = [], []
    for s in rows:
        district = district_of_code(s.region_id)  # a CHECK holds them equal
        if district == s.district:
            staying.append(s)
        else:
            s.district = district
            moved.append(s)
    table = VisitSchedule._meta.db_table

    def values(s, fields):
        out = []
        for f in fields:
            value = getattr(s, f)
            if f == "major_change_at":
                value = ops.adapt_datetimefield_value(value)
            elif f in DATE_FIELDS:
                value = ops.adapt_datefield_value(value)
            out.append(value)
        return [*out, now, s.person_id]

    with connection.cursor() as cursor:
        if staying:
            fields = [f for f in SCHEDULE_FIELDS if f != "district"]
            sets = ", ".join(f"{f} = %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {sets}, updated_at = %s WHERE person_id = %s AND district = %s",
                [[*values(s, fields), s.district] for s in staying],
            )
        if moved:
            sets = ", ".join(f"{f} = %s" for f in SCHEDULE_FIELDS)
            cursor.executemany(
                f"UPDATE {table} SET {sets}, updated_at = %s WHERE person_id = %s",
                [values(s, SCHEDULE_FIELDS) for s in moved],
            )


def _since(person, enrollments, today: dt.date) -> dt.date:
    """In scope since the earliest current enrollment began (or the person was recorded)."""
    recorded = timezone.localtime(person.created_at).date() if person.created_at else today
    starts = [start or recorded for _c, start, end in enrollments if end is None or end >= today]
    return min([*starts, today])


def _left_on(enrollments, today: dt.date) -> dt.date:
    """The day someone leaves scope: their last enrollment's end when every one has
    ended, else today (a move or a death recorded now). Months after it no longer
    count them; the months before it, and the month itself, still do.
    """
    ends = [end for _c, _start, end in enrollments]
    if ends and all(end is not None and end < today for end in ends):
        return max(ends)
    return today


def _fill(sched, person, decision, since, left, last, versions, snaps, today) -> None:
    sched.region_id = person.region_id
    sched.last_contact_on = last.get("contact")
    sched.last_home_on = last.get("home")
    out = not decision.tier or person.status in OUT_OF_SCOPE
    if decision.tier:
        # Keep the last tier while out of scope: past months still count it.
        sched.tier, sched.tier_rank = decision.tier, rules.RANK[decision.tier]
        sched.tier_why = decision.why[:300]
        sched.tier_rule = decision.rule
        sched.tier_raise = decision.raised
    if out:
        sched.out_on = sched.out_on or left
    elif sched.out_on is not None:
        sched.out_on, sched.in_scope_since = None, today  # back in scope
    else:
        # An enrollment recorded with an earlier start date moves the start back.
        sched.in_scope_since = min(sched.in_scope_since, since)
    sched.active = not out and person.status == Status.ACTIVE
    if not sched.active:
        sched.due_on, sched.due_reason = None, ""
        return
    _due_fill(sched, versions, snaps, today)


def schedules_due_refresh(*, person_ids, today: dt.date | None = None) -> int:
    """Recompute only last contact and next due (the tier is unchanged): after a visit."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    rows = list(VisitSchedule.objects.filter(person_id__in=ids, active=True))
    if not rows:
        return 0
    lasts = _lasts(ids)
    versions = selectors.policy_versions()
    snaps = _snaps_by_district(today)
    for sched in rows:
        last = lasts.get(sched.person_id, {})
        sched.last_contact_on, sched.last_home_on = last.get("contact"), last.get("home")
        _due_fill(sched, versions, snaps, today)
    _schedules_update(rows)
    return len(rows)


def _lasts(ids) -> dict[int, dict]:
    return {
        row["person_id"]: row
        for row in Visit.objects.filter(person_id__in=ids, outcome=Outcome.MET)
        .values("person_id")
        .annotate(contact=Max("visited_on"), home=Max("visited_on", filter=Q(method=Method.HOME)))
    }


def _due_fill(sched, versions, snaps, today) -> None:
    met_since_change = (
        sched.major_change_at
        and sched.last_contact_on
        and sched.last_contact_on >= timezone.localtime(sched.major_change_at).date()
    )
    if met_since_change:
        sched.major_change_at, sched.major_change_note = None, ""
    sched.due_on, sched.due_reason = rules.due_compute(
        versions=versions.get(sched.tier, []),
        since=sched.in_scope_since,
        last_home=sched.last_home_on,
        last_contact=sched.last_contact_on,
        snaps=_snap_windows(snaps.get(sched.region_id[:6], []), sched.tier),
        major_change_at=sched.major_change_at,
        today=today,
    )


def schedules_refresh_prefix(*, prefix: str, today: dt.date | None = None) -> int:
    """Refresh everyone under a region prefix (and anyone enrolled there not yet scheduled)."""
    ids = Person.objects.within(prefix).values_list("pk", flat=True).iterator(10000)
    return schedules_refresh(person_ids=ids, today=today)


def cold_snaps_tick(*, today: dt.date | None = None, refresh=None) -> int:
    """Daily: where an alert ended yesterday, the normal policy resumes (no person is edited).

    `refresh(prefix=, today=)` recomputes a district (the set-based rebuild when given).
    """
    today = today or timezone.localdate()
    refresh = refresh or schedules_refresh_prefix
    ended = ColdSnap.objects.filter(ends_on=today - dt.timedelta(days=1)).prefetch_related(
        "districts"
    )
    written = 0
    for snap in ended:
        for district in snap.districts.all():
            written += refresh(prefix=district.prefix, today=today)
    return written


# --- visits ------------------------------------------------------------------


def _tally_sql(where: str) -> str:
    """INSERT … SELECT: the monthly tallies of the visits matching `where`, counted afresh."""
    methods = Method.values
    counts = ", ".join(
        f"SUM(CASE WHEN outcome = '{Outcome.MET}' AND method = '{m}' THEN 1 ELSE 0 END)"
        for m in methods
    )
    explaining = ", ".join(f"'{o}'" for o in EXPLAINING_OUTCOMES)
    return f"""
        INSERT INTO {VisitTally._meta.db_table}
            (month, person_id, region_id, district, split,
             {", ".join(f"n_{m}" for m in methods)}, explained)
        SELECT month, person_id, MIN(region_id), substr(MIN(region_id), 1, 6),
               MIN(region_id) <> MAX(region_id), {counts},
               MAX(CASE WHEN outcome IN ({explaining}) THEN 1 ELSE 0 END) = 1
        FROM {Visit._meta.db_table} WHERE {where}
        GROUP BY month, person_id
    """


def tally_recount(person_id: int, month: dt.date) -> None:
    """The person's tally for the month, from their visits (the caller holds their row lock)."""
    # split=either: two seeks into the (month, split, person, …) index, not a month's scan.
    VisitTally.objects.filter(month=month, split__in=[False, True], person_id=person_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(_tally_sql("person_id = %s AND month = %s"), [person_id, month])


def visit_tallies_rebuild() -> int:
    """Recount every monthly tally from the visits; returns how many there are.

    For bulk loads that write visits straight into the table (demo history, bench)
    and `visits_refresh --tallies`: about a minute for 13 million visits.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        VisitTally.objects.all().delete()
        cursor.execute(_tally_sql("1 = 1"))
    return VisitTally.objects.count()


def stored_coverage_drop(region_id: str, month: dt.date) -> None:
    """A late visit changes that month's figures for the region and all above it."""
    codes = {region_id, region_id[:12]}
    codes |= {region_id[:n].ljust(12, "0") for n in (4, 6, 9)}
    CoverageMonth.objects.filter(region_code__in=codes, month=month).delete()
