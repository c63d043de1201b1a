"""Set-based schedule rebuild: every schedule under a region prefix, in SQL over ranges.

`derive.schedules_refresh` decides person by person in Python (about 0.3 ms a
person: five minutes for a city). After a first load, a policy or tier-rule
change, or a cold snap starting or ending, everyone in an area is recomputed at
once; this module does that in a few statements per table instead:

1. facts: each person's row plus aggregates of their enrollments, disability
   grades, contacts, met visits and the facts other apps contribute (their
   registered SQL), into a temporary table keyed by person;
2. the decision: the tier rules and visit-policy versions turned into CASE
   expressions (rules in rank order, policy versions and cold-snap windows as
   date arithmetic) over that table;
3. the writes: new schedules inserted, changed ones updated, `Person.tier` set,
   each as one statement over the temporary table. On a first load (no schedule
   in the table at all) the schedule table's secondary indexes are dropped before
   the insert and built once after it, in the same transaction.

The result is the per-person refresh's, row for row (tests/test_visits_rebuild.py
compares them on random cities). The rare people whose refresh depends on more
than the set-based path computes — a tier raise not yet over, or a major change
waiting for a contact — go through the per-person path, as does everyone when
another app contributes facts without SQL. Unchanged schedules are not
rewritten, so their `updated_at` stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from nuanxin.regions.models import significant
from nuanxin.registry.models import (
    ADL_FIELDS,
    Contact,
    Disability,
    Enrollment,
    Person,
    SelfCare,
    Status,
)

from . import derive, rules, selectors
from .models import Method, Outcome, TierRaise, TierRule, Visit, VisitSchedule

PEOPLE = "nx_rebuild_people"
FACTS = "nx_rebuild_facts"
DECIDED = "nx_rebuild_decided"
AGGREGATES = ("nx_rebuild_enr", "nx_rebuild_dis", "nx_rebuild_con", "nx_rebuild_vis")


@dataclasses.dataclass(frozen=True)
class FactsSQL:
    """Facts another app contributes, as SQL: `sql` selects `person_id` and then one
    column per name in `fields` (a Facts field), at most one row a person. `{people}`
    in it stands for a subquery of the person ids being rebuilt."""

    sql: str
    params: list
    fields: tuple[str, ...]


class _Sql:
    """Dialect helpers: date arithmetic and literals on SQLite and PostgreSQL."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        # After a subquery in FROM: keeps it from being merged into the outer query, whose
        # expressions would then repeat its CASEs; it is computed once a row instead.
        self.fence = " OFFSET 0" if self.pg else " LIMIT -1 OFFSET 0"

    def day(self, value: dt.date) -> str:
        return f"DATE '{value.isoformat()}'" if self.pg else f"'{value.isoformat()}'"

    def plus(self, expr: str, days: int) -> str:
        return f"({expr} + {int(days)})" if self.pg else f"date({expr}, '{int(days):+d} days')"

    def greatest(self, *exprs: str) -> str:
        return f"{'GREATEST' if self.pg else 'max'}({', '.join(exprs)})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.pg else 'min'}({', '.join(exprs)})"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def boolean(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN TRUE ELSE FALSE END"


def _born_by(today: dt.date, years: int) -> dt.date | None:
    """The latest birth date that makes someone at least `years` old today (None: nobody)."""
    year = today.year - years
    if year < 1:
        return None
    if year > 9999:
        return dt.date.max
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a common year: the 28th is the last such day
        return dt.date(year, 2, 28)


def schedules_rebuild(*, prefix: str = "", today: dt.date | None = None) -> int:
    """Recompute the schedule of everyone under `prefix` ("" = the whole city) in SQL.

    Returns the schedules written (created or changed). Same result as
    `derive.schedules_refresh` over the same people.
    """
    today = today or timezone.localdate()
    prefix = significant(prefix) if prefix else ""
    if not derive.facts_sql_complete():
        return derive.schedules_refresh_prefix(prefix=prefix, today=today)
    with _sqlite_memory(), transaction.atomic():
        return _Rebuild(prefix, today).run()


@contextmanager
def _sqlite_memory():
    """On SQLite, outside a transaction (where SQLite allows it): the temporary tables
    in memory and a bigger page cache, for this rebuild only."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        temp_store = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA temp_store = {int(temp_store)}")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


class _Rebuild:
    def __init__(self, prefix: str, today: dt.date):
        self.q = _Sql()
        self.today = today
        self.prefix = prefix
        self.whole = not prefix
        self.tier_rules = list(TierRule.objects.filter(active=True))
        self.versions = selectors.policy_versions()
        self.snaps = derive._snaps_by_district(today)
        self.categories = sorted(
            {c for r in self.tier_rules for c in (r.conditions or {}).get("categories", [])}
        )

    # --- plumbing -------------------------------------------------------------------

    def _exec(self, cursor, sql: str, params=()) -> None:
        cursor.execute(sql, list(params))

    def _drop(self, cursor) -> None:
        for name in (FACTS, DECIDED, PEOPLE, *AGGREGATES):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")

    def _people(self) -> str:
        """A subquery of the ids being rebuilt (the whole table when it is the city)."""
        if self.whole:
            return f"SELECT id FROM {Person._meta.db_table}"
        return f"SELECT person_id FROM {PEOPLE}"

    def _scope_literal(self) -> str:
        """The people table `p` limited to the area (nothing when it is the city)."""
        return "" if self.whole else f"p.id IN ({self._people()})"

    def _where_person(self, column: str) -> str:
        return "" if self.whole else f" AND {column} IN ({self._people()})"

    def _scope_people(self, cursor) -> None:
        """The area's people, by the gate's own range (`within`), into a keyed table."""
        if self.whole:
            return
        sql, params = Person.objects.within(self.prefix).values_list("pk").query.sql_with_params()
        kind = "bigint" if self.q.pg else "INTEGER"
        cursor.execute(f"CREATE TEMPORARY TABLE {PEOPLE} (person_id {kind} PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {PEOPLE} (person_id) {sql}", params)
        self._analyze(cursor, PEOPLE)

    # --- the run --------------------------------------------------------------------

    def run(self) -> int:
        with connection.cursor() as cursor:
            if self.q.pg:
                # Hash aggregates and joins over a city in memory, not spilled to disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
            self._drop(cursor)
            self._scope_people(cursor)
            special = self._special_ids(cursor)
            self._facts(cursor, special)
            self._decide(cursor)
            written = self._write(cursor)
            self._drop(cursor)
        if special:
            written += derive.schedules_refresh(person_ids=sorted(special), today=self.today)
        return written

    def _analyze(self, cursor, table: str) -> None:
        """PostgreSQL keeps no statistics of a temporary table unless asked: without
        them it plans the joins over a million rows as if there were a few."""
        if self.q.pg:
            cursor.execute(f"ANALYZE {table}")

    def _special_ids(self, cursor) -> set[int]:
        """People the per-person path handles: a raise not over yet, a major change pending."""
        raises = TierRaise._meta.db_table
        sched = VisitSchedule._meta.db_table
        person = Person._meta.db_table
        cursor.execute(
            f"SELECT DISTINCT r.person_id FROM {raises} r JOIN {person} p ON p.id = r.person_id "
            f"WHERE r.ends_on >= %s AND {self._scope_literal() or '1 = 1'} "
            f"UNION SELECT s.person_id FROM {sched} s JOIN {person} p ON p.id = s.person_id "
            f"WHERE s.major_change_at IS NOT NULL AND {self._scope_literal() or '1 = 1'}",
            [connection.ops.adapt_datefield_value(self.today)],
        )
        return {row[0] for row in cursor.fetchall()}

    def _facts(self, cursor, special: set[int]) -> None:
        q, today = self.q, self.q.day(self.today)
        person = Person._meta.db_table
        enr, dis, con, vis = AGGREGATES
        recorded, recorded_params = connection.ops.datetime_cast_date_sql(
            "p.created_at", (), timezone.get_current_timezone_name()
        )
        active_now = f"(e.start_date IS NULL OR e.start_date <= {today}) AND (e.end_date IS NULL OR e.end_date >= {today})"
        current = f"(e.end_date IS NULL OR e.end_date >= {today})"
        cat_cols = "".join(
            f", MAX({q.flag(f'{active_now} AND e.category = %s')}) AS c{i}"
            for i, _c in enumerate(self.categories)
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {enr} AS SELECT e.person_id AS person_id, "
            f"MAX({q.flag(active_now)}) AS any_cat, "
            f"MIN(CASE WHEN {current} THEN COALESCE(e.start_date, {recorded}) END) AS since_min, "
            f"COUNT(*) AS n_enr, SUM({q.flag(current)}) AS n_current, "
            f"MAX(e.end_date) AS max_end{cat_cols} "
            f"FROM {Enrollment._meta.db_table} e JOIN {person} p ON p.id = e.person_id "
            f"WHERE {self._scope_literal() or '1 = 1'} GROUP BY e.person_id",
            [*recorded_params, *self.categories],
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {dis} AS SELECT person_id, "
            f"MAX({q.flag('grade <= 2')}) AS severe FROM {Disability._meta.db_table} "
            f"WHERE 1 = 1{self._where_person('person_id')} GROUP BY person_id"
        )
        guardian, emergency = "is_guardian", "is_emergency"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {con} AS SELECT person_id, "
            f"MAX({q.flag(guardian)}) AS guardian, "
            f"MAX({q.flag(f'{guardian} OR {emergency}')}) AS carer "
            f"FROM {Contact._meta.db_table} "
            f"WHERE 1 = 1{self._where_person('person_id')} GROUP BY person_id"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {vis} AS SELECT person_id, MAX(visited_on) AS last_contact, "
            f"MAX(CASE WHEN method = %s THEN visited_on END) AS last_home "
            f"FROM {Visit._meta.db_table} WHERE outcome = %s"
            f"{self._where_person('person_id')} GROUP BY person_id",
            [Method.HOME, Outcome.MET],
        )
        for table in AGGREGATES:
            cursor.execute(f"CREATE UNIQUE INDEX {table}_pk ON {table} (person_id)")
            self._analyze(cursor, table)
        # Facts other apps contribute (casework's assessments, care's agreements).
        extra_joins, extra_params, extra_cols = [], [], {}
        for i, provider in enumerate(derive.facts_sql_providers()):
            spec = provider(self.today)
            alias = f"x{i}"
            extra_joins.append(
                f" LEFT JOIN ({spec.sql.replace('{people}', self._people())}) {alias} "
                f"ON {alias}.person_id = p.id"
            )
            extra_params += spec.params
            for field in spec.fields:
                extra_cols.setdefault(field, []).insert(0, f"{alias}.{field}")
        base = {
            "adl_dependent": "NULL",
            "loneliness": "''",
            "has_carer": "COALESCE(con.carer, 0)",
            "has_guardian": "COALESCE(con.guardian, 0)",
            "severe_disability": "COALESCE(dis.severe, 0)",
        }
        fact = {
            name: f"COALESCE({', '.join([*extra_cols.get(name, []), expr])})"
            if extra_cols.get(name)
            else expr
            for name, expr in base.items()
        }
        for name in set(extra_cols) - set(base):
            raise NotImplementedError(f"facts field {name} from SQL")
        sched = VisitSchedule._meta.db_table
        cats = "".join(f", COALESCE(enr.c{i}, 0) AS c{i}" for i in range(len(self.categories)))
        not_special = ""
        if special:
            not_special = f" AND p.id NOT IN ({', '.join(str(int(i)) for i in sorted(special))})"
        # Person.self_care, from the count of daily activities lost.
        lost = " + ".join(q.flag(f"p.{f}") for f in ADL_FIELDS)
        self_care = (
            f"CASE WHEN {lost} = 0 THEN '{SelfCare.SELF_CARING.value}' "
            f"WHEN {lost} <= 3 THEN '{SelfCare.PARTLY_LOST.value}' "
            f"ELSE '{SelfCare.FULLY_LOST.value}' END"
        )
        # Not stored: `_decide` reads it as a subquery (one pass over a million rows fewer).
        self.facts_sql = (
            f"SELECT p.id AS person_id, p.region_id, "
            f"p.status, p.tier AS person_tier, p.birth_date, p.living, {self_care} AS self_care, "
            f"COALESCE(enr.any_cat, 0) AS any_cat{cats}, "
            f"{q.least(f'COALESCE(enr.since_min, {today})', today)} AS since, "
            f"CASE WHEN enr.n_enr > 0 AND enr.n_current = 0 THEN enr.max_end ELSE {today} END AS left_on, "
            f"{fact['severe_disability']} AS severe, {fact['has_guardian']} AS guardian, "
            f"{fact['has_carer']} AS carer, {fact['adl_dependent']} AS adl, "
            f"{fact['loneliness']} AS lonely, "
            f"vis.last_contact, vis.last_home, "
            f"{q.flag('s.person_id IS NOT NULL')} AS has_sched, s.tier AS s_tier, "
            f"s.tier_rank AS s_rank, s.tier_why AS s_why, s.tier_rule_id AS s_rule, "
            f"s.tier_raise_id AS s_raise, s.in_scope_since AS s_since, s.out_on AS s_out "
            f"FROM {person} p "
            f"LEFT JOIN {enr} enr ON enr.person_id = p.id "
            f"LEFT JOIN {dis} dis ON dis.person_id = p.id "
            f"LEFT JOIN {con} con ON con.person_id = p.id "
            f"LEFT JOIN {vis} vis ON vis.person_id = p.id "
            f"LEFT JOIN {sched} s ON s.person_id = p.id"
            f"{''.join(extra_joins)} "
            f"WHERE {self._scope_literal() or '1 = 1'}{not_special}"
        )
        self.facts_params = extra_params

    # --- the decision ---------------------------------------------------------------

    def _condition(self, conditions: dict, params: list) -> str:
        """A tier rule's conditions as SQL over the facts table (rules.rule_matches)."""
        q, parts = self.q, []

        def one_of(column, values):
            values = list(values)
            if not values:
                return "1 = 0"
            params.extend(values)
            return f"{column} IN ({', '.join(['%s'] * len(values))})"

        for key, want in conditions.items():
            if key == "categories":
                flags = [f"c{self.categories.index(c)} = 1" for c in want]
                parts.append(f"({' OR '.join(flags)})" if flags else "1 = 0")
            elif key == "any_enrollment":
                parts.append(f"any_cat = {1 if want else 0}")
            elif key == "min_age":
                born = _born_by(self.today, want)
                parts.append(
                    f"(birth_date IS NOT NULL AND birth_date <= {q.day(born)})" if born else "1 = 0"
                )
            elif key == "max_age":
                born = _born_by(self.today, want + 1)
                parts.append(
                    f"(birth_date IS NOT NULL AND birth_date > {q.day(born)})"
                    if born
                    else "birth_date IS NOT NULL"
                )
            elif key == "living":
                parts.append(one_of("living", want))
            elif key == "self_care":
                parts.append(one_of("self_care", want))
            elif key == "severe_disability":
                parts.append(f"severe = {1 if want else 0}")
            elif key == "has_guardian":
                parts.append(f"guardian = {1 if want else 0}")
            elif key == "has_carer":
                parts.append(f"carer = {1 if want else 0}")
            elif key == "min_adl_dependent":
                params.append(want)
                parts.append("(adl IS NOT NULL AND adl >= %s)")
            elif key == "loneliness":
                parts.append(one_of("lonely", want))
        return " AND ".join(parts) or "1 = 1"

    def _decide(self, cursor) -> None:
        """The rule each person gets: the best-ranked matching rule, the earlier on a tie."""
        params: list = []
        ordered = sorted(
            enumerate(self.tier_rules), key=lambda pair: (rules.RANK[pair[1].tier], pair[0])
        )
        whens = [
            f"WHEN {self._condition(rule.conditions or {}, params)} THEN {int(rule.pk)}"
            for _i, rule in ordered
            if rules.RANK[rule.tier] < rules.RANK[""]
        ]
        rule_id = f"CASE {' '.join(whens)} END" if whens else "NULL"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DECIDED} AS SELECT f.*, {rule_id} AS rule_id "
            f"FROM ({self.facts_sql}{self.q.fence}) f",
            [*params, *self.facts_params],  # in the order they appear
        )

    def _rule_columns(self) -> tuple[str, str, str, list]:
        """tier, tier_rank and tier_why of the chosen rule (NULL when none), and the why params."""
        if not self.tier_rules:
            return "NULL", "NULL", "NULL", []
        tiers, ranks, whys = [], [], []
        for rule in self.tier_rules:
            tier = str(rule.tier)
            assert tier.isalnum(), tier
            tiers.append(f"WHEN {int(rule.pk)} THEN '{tier}'")
            ranks.append(f"WHEN {int(rule.pk)} THEN {rules.RANK[rule.tier]}")
            whys.append(f"WHEN {int(rule.pk)} THEN %s")
        return (
            f"CASE rule_id {' '.join(tiers)} END",
            f"CASE rule_id {' '.join(ranks)} END",
            f"CASE rule_id {' '.join(whys)} END",
            [rules.rule_why(r)[:300] for r in self.tier_rules],
        )

    def _due(self, since: str) -> str:
        """rules.due_compute over (tier, region_id, since, last_contact, last_home), no major change."""
        q = self.q
        far = q.day(dt.date(9999, 12, 31))

        def base(methods):
            last = "last_contact" if set(methods) - {"home"} else "last_home"
            return f"COALESCE({last}, {since})"

        by_tier = []
        for tier in rules.RANK:
            tier = getattr(tier, "value", tier)
            if not tier:
                continue
            policy = self._policy_day(self.versions.get(tier, []), base)
            snap_cases = []
            for district, snaps in sorted(self.snaps.items()):
                days = []
                for window in derive._snap_windows(snaps, tier):
                    if window.ends_on < self.today:
                        continue
                    day = q.greatest(
                        q.plus(base(window.methods), window.gap_days), q.day(window.starts_on)
                    )
                    days.append(
                        f"CASE WHEN {day} <= {q.day(window.ends_on)} THEN {day} ELSE {far} END"
                    )
                if days:
                    assert district.isdigit(), district
                    snap_cases.append(
                        f"WHEN '{district}' THEN {q.least(*days) if len(days) > 1 else days[0]}"
                    )
            snap = (
                f"(CASE substr(region_id, 1, 6) {' '.join(snap_cases)} ELSE {far} END)"
                if snap_cases
                else None
            )
            by_tier.append((tier, policy, snap))
        return by_tier

    def _policy_day(self, versions, base) -> str | None:
        q = self.q
        ordered = sorted(versions, key=lambda v: v.valid_from)
        if not ordered:
            return None
        days = [
            q.greatest(q.plus(base(v.methods), v.max_gap_days), q.day(v.valid_from))
            for v in ordered
        ]
        if len(days) == 1:
            return days[0]
        whens = [
            f"WHEN {days[i]} < {q.day(ordered[i + 1].valid_from)} THEN {days[i]}"
            for i in range(len(ordered) - 1)
        ]
        return f"(CASE {' '.join(whens)} ELSE {days[-1]} END)"

    # --- the writes -----------------------------------------------------------------

    def _write(self, cursor) -> int:
        q, today = self.q, self.q.day(self.today)
        tier_sql, rank_sql, why_sql, why_params = self._rule_columns()
        moved_out = f"status IN ('{Status.MOVED}', '{Status.DECEASED}')"
        tiered = "rule_id IS NOT NULL"
        out = f"(rule_id IS NULL OR {moved_out})"
        # The new row's values, in the per-person refresh's order (derive._fill).
        since = (
            f"CASE WHEN has_sched = 0 THEN since "
            f"WHEN {out} THEN s_since "
            f"WHEN s_out IS NOT NULL THEN {today} "
            f"ELSE {q.least('s_since', 'since')} END"
        )
        out_on = f"CASE WHEN {out} THEN COALESCE(s_out, left_on) ELSE NULL END"
        active = f"(NOT {out} AND status = '{Status.ACTIVE}')"
        # Staged: the values, then the due date over them (SQL cannot name a column it makes).
        # Not stored: the due date below reads it as a subquery.
        final_sql = (
            f"SELECT person_id, has_sched, person_tier, "
            f"region_id, last_contact, last_home, "
            f"CASE WHEN {tiered} THEN {tier_sql} ELSE s_tier END AS tier, "
            f"CASE WHEN {tiered} THEN {rank_sql} ELSE s_rank END AS tier_rank, "
            f"CASE WHEN {tiered} THEN {why_sql} ELSE s_why END AS tier_why, "
            f"CASE WHEN {tiered} THEN rule_id ELSE s_rule END AS tier_rule_id, "
            f"CASE WHEN {tiered} THEN NULL ELSE s_raise END AS tier_raise_id, "
            f"COALESCE({tier_sql}, '') AS decided_tier, "
            f"{since} AS in_scope_since, {out_on} AS out_on, "
            f"{q.flag(active)} AS active "
            f"FROM {DECIDED} WHERE has_sched = 1 OR {tiered}"
        )
        # The due date, by tier, from the values above.
        far = q.day(dt.date(9999, 12, 31))
        whens = []
        for tier, policy, snap in self._due("in_scope_since"):
            if policy is None and snap is None:
                continue
            if snap is None:
                day, reason = policy, "'policy'"
            elif policy is None:
                day = f"NULLIF({snap}, {far})"
                reason = f"CASE WHEN {snap} < {far} THEN 'cold_snap' ELSE '' END"
            else:
                # min((day, reason)): on the same day "cold_snap" sorts before "policy".
                day = q.least(policy, snap)
                reason = f"CASE WHEN {snap} <= {policy} THEN 'cold_snap' ELSE 'policy' END"
            whens.append((tier, day, reason))
        due_on = " ".join(f"WHEN '{t}' THEN {d}" for t, d, _r in whens)
        due_reason = " ".join(f"WHEN '{t}' THEN {r}" for t, _d, r in whens)
        due_on = (
            f"CASE WHEN active = 1 THEN CASE tier {due_on} ELSE NULL END END" if whens else "NULL"
        )
        due_reason = (
            f"CASE WHEN active = 1 THEN CASE tier {due_reason} ELSE '' END ELSE '' END"
            if whens
            else "''"
        )
        full = "nx_rebuild_rows"
        cursor.execute(f"DROP TABLE IF EXISTS {full}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {full} AS SELECT f.*, {due_on} AS due_on, "
            f"{due_reason} AS due_reason FROM ({final_sql}{q.fence}) f",
            why_params,
        )
        cursor.execute(f"CREATE UNIQUE INDEX {full}_pk ON {full} (person_id)")
        self._analyze(cursor, full)
        written = self._apply(cursor, full)
        cursor.execute(f"DROP TABLE IF EXISTS {full}")
        return written

    def _apply(self, cursor, rows: str) -> int:
        q = self.q
        first_load = self._first_load(cursor)
        sched = VisitSchedule._meta.db_table
        person = Person._meta.db_table
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        active = q.boolean("n.active = 1")
        changed_cols = [
            "region_id",
            "tier",
            "tier_rank",
            "tier_why",
            "tier_rule_id",
            "tier_raise_id",
            "in_scope_since",
            "out_on",
            "last_contact_on",
            "last_home_on",
            "due_on",
            "due_reason",
            "district",
        ]
        source = {
            "last_contact_on": "n.last_contact",
            "last_home_on": "n.last_home",
            "district": "substr(n.region_id, 1, 6)",
        }
        sets = ", ".join(f"{c} = {source.get(c, 'n.' + c)}" for c in changed_cols)
        distinct = " OR ".join(
            f"s.{c} IS DISTINCT FROM {source.get(c, 'n.' + c)}" for c in changed_cols
        )
        if q.pg:
            distinct += f" OR s.active IS DISTINCT FROM ({active})"
        else:
            distinct = distinct.replace("IS DISTINCT FROM", "IS NOT")
            distinct += f" OR s.active IS NOT ({active})"
        written = 0
        if first_load:
            # No schedule anywhere, so none to update: insert them all with the
            # table's indexes set aside, then build each once from the rows.
            deferred = self._defer_indexes(cursor)
        else:
            cursor.execute(
                f"UPDATE {sched} AS s SET {sets}, active = {active}, updated_at = %s "
                f"FROM {rows} n WHERE n.person_id = s.person_id AND n.has_sched = 1 AND ({distinct})",
                [now],
            )
            written = cursor.rowcount
        cols = ", ".join(changed_cols)
        values = ", ".join(source.get(c, "n." + c) for c in changed_cols)
        cursor.execute(
            f"INSERT INTO {sched} (person_id, {cols}, active, major_change_note, updated_at) "
            f"SELECT n.person_id, {values}, {active}, '', %s FROM {rows} n WHERE n.has_sched = 0"
            f"{' ORDER BY n.person_id' if first_load else ''}",
            [now],
        )
        written += cursor.rowcount
        if first_load:
            self._build_indexes(cursor, deferred)
        cursor.execute(
            f"UPDATE {person} AS p SET tier = n.decided_tier FROM {rows} n "
            f"WHERE n.person_id = p.id AND p.tier <> n.decided_tier"
        )
        return written

    # --- a first load -----------------------------------------------------------------

    def _first_load(self, cursor) -> bool:
        """No schedule at all yet (a new city, or its first rebuild)."""
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {VisitSchedule._meta.db_table})")
        return not cursor.fetchone()[0]

    def _defer_indexes(self, cursor) -> list[str]:
        """Drop the schedule table's secondary indexes; return the SQL that builds them.

        Only when the table is empty (a first load): building an index from a
        million rows at once is many times faster than a million B-tree
        insertions into each of six. It is inside the rebuild's transaction, so
        a failure puts the indexes back with the table as it was; on PostgreSQL
        the drop holds the table's exclusive lock until the commit, which an
        empty table can afford. The primary key (the person) stays.
        """
        sched = VisitSchedule._meta.db_table
        if self.q.pg:
            # Commit without waiting for the WAL flush (a rebuild can be run again),
            # and room for the index sorts.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.tablename = %s AND i.schemaname = current_schema()"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
                [sched, sched],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                " AND tbl_name = %s",
                [sched],
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def _build_indexes(self, cursor, deferred: list[str]) -> None:
        if self.q.pg:
            # PostgreSQL builds no index on a table with trigger events pending: run
            # the new rows' deferred foreign-key checks now (they would run at the
            # commit anyway), then back to deferred, as Django declares them.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("PRAGMA threads")
            threads = cursor.fetchone()[0]
            cursor.execute("PRAGMA threads = 2")  # the sorter may use the second core
        for sql in deferred:
            cursor.execute(sql)
        if self.q.pg:
            # The planner's statistics for the table it has just seen filled.
            cursor.execute(f"ANALYZE {VisitSchedule._meta.db_table}")
        else:
            cursor.execute(f"PRAGMA threads = {int(threads)}")
