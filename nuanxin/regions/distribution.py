"""The SQL that distributes this schema with Citus by district (docs/scaling.md,
"Past one city"), worked out from the models and the live database's constraints.

Two parts, `nuanxin distribution_plan` prints both (`plan()`):

- the keys (`keys_sql`): plain PostgreSQL, no data change. Every table with a district
  column gets the primary key (id, district); a one-to-one key becomes (x, district);
  a foreign key from a row that copies its parent's district becomes
  (x_id, district) → (id, district); every other foreign key into these tables is
  dropped, because it may join two districts (a moved person's past rows) or point
  from a table that is not distributed, and Citus enforces neither. The keys from
  these tables to the rest (regions, staff) are set aside until the distribution.
  The ID number's city-wide rule moves to a table of its own.
  tests/test_distribution.py runs it on a seeded database.
- the distribution (`citus_sql`): create_distributed_table for those tables, co-located
  with the people, each after its parent; reference tables for the rest, each after
  those it points at; the set-aside keys back; the id sequences put back where they
  stood. The coordinator keeps the audit trail and the ledger runs.
  `python -m bench.citus` runs both on a Citus cluster.

The primary key is (id, district), not (district, id): Citus needs the column in the
key, not in front, and a row looked up by id alone keeps its index.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from .districts import district_field

# Not sharded: city-wide, append-only, or one import across districts.
COORDINATOR = ("audit_auditevent", "ledgers_importrun", "ledgers_rejectedrow")


def district_models() -> list:
    """The models with a district column, people first (the others co-locate with them)."""
    found = [m for m in apps.get_models() if district_field(m) is not None]
    return sorted(found, key=lambda m: (m._meta.db_table != "registry_person", m._meta.db_table))


def plan() -> tuple[list[str], list[str]]:
    """(the keys, the distribution): worked out together from the live database, before
    either runs, as the distribution adds back keys the first part drops."""
    to_reference = _keys_to_reference()
    return keys_sql(to_reference), [*citus_sql(to_reference), *_sequences_sql()]


def _keys_to_reference() -> list[tuple[str, str, str]]:
    """(table, name, definition) of each foreign key from a distributed table to one that
    is not: to regions, staff accounts and the like, which become reference tables.

    They are set aside while the tables are distributed and added back afterwards. Kept
    in place, the first reference table would pull every table pointing at it into
    Citus's metadata as a local table, and Citus converts no such table with an identity
    column (Django's primary keys) into a distributed one."""
    distributed = [m._meta.db_table for m in district_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c WHERE c.contype = 'f'"
            " AND c.conrelid = ANY(%s::regclass[]) AND NOT c.confrelid = ANY(%s::regclass[])"
            " ORDER BY 1, 2",
            [distributed, distributed],
        )
        return cursor.fetchall()


def sequences() -> list[tuple[str, str, str, int | None]]:
    """(table, sequence, column, last value or None if never used) of every sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
        )
        last = dict(cursor.fetchall())
        return [
            (table, sequence["name"], sequence["column"], last.get(sequence["name"]))
            for table in connection.introspection.table_names(cursor)
            for sequence in connection.introspection.get_sequences(cursor, table)
        ]


def _sequences_sql() -> list[str]:
    """Each id sequence set back where it stands now (or to the table's largest id).

    Citus restarts the identity sequence of a table it turns into a reference or a
    coordinator-local table: the next audit event took id 1, already used. So the plan
    ends by moving every sequence to the position it has when the plan is printed."""
    quote = connection.ops.quote_name
    statements = []
    for table, name, column, last in sequences():
        at, column = last or 0, quote(column)
        statements.append(
            f"SELECT setval('{name}', GREATEST({at}, max({column})))"
            f" FROM {quote(table)} HAVING GREATEST({at}, max({column})) > 0;"
        )
    return statements


def keys_sql(to_reference) -> list[str]:
    distributed = {m._meta.db_table: m for m in district_models()}
    quote = connection.ops.quote_name
    drops, pkeys, adds = [], [], []
    with connection.cursor() as cursor:
        every = connection.introspection.table_names(cursor)
        for table in every:
            for name, c in connection.introspection.get_constraints(cursor, table).items():
                target = c.get("foreign_key")
                if target and target[0] in distributed:
                    drops.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)};")
        for table, name, _ in to_reference:
            drops.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)};")
        for table, model in distributed.items():
            constraints = connection.introspection.get_constraints(cursor, table)
            pk_name = next(n for n, c in constraints.items() if c["primary_key"])
            pk = model._meta.pk.column
            pkeys.append(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(pk_name)},"
                f" ADD PRIMARY KEY ({quote(pk)}, district);"
            )
            for field in model._meta.concrete_fields:
                if field.unique and not field.primary_key:
                    pkeys.extend(_one_to_one(table, field.column, constraints))
            field = district_field(model)
            if field.follows_parent:
                key = model._meta.get_field(field.source)
                parent = key.related_model._meta
                adds.append(
                    f"ALTER TABLE {quote(table)} ADD FOREIGN KEY ({quote(key.column)}, district)"
                    f" REFERENCES {quote(parent.db_table)} ({quote(parent.pk.column)}, district);"
                )
    return [*drops, *pkeys, *adds, *ID_NUMBERS_SQL]


# An ID number is unique in the whole city, and Citus enforces a unique key only with
# the distribution column in it. The city-wide rule moves to a table of its own,
# distributed by the number, filled here; the people's key becomes (id_number, district).
ID_NUMBERS = "registry_personidnumber"
ID_NUMBERS_SQL = [
    f"CREATE TABLE {ID_NUMBERS} (id_number varchar(18) PRIMARY KEY,"
    " person_id bigint NOT NULL, district char(6) NOT NULL);",
    f"INSERT INTO {ID_NUMBERS} (id_number, person_id, district)"
    " SELECT id_number, id, district FROM registry_person WHERE id_number IS NOT NULL;",
    "DROP INDEX person_id_number_unique;",
    "CREATE UNIQUE INDEX person_id_number_unique ON registry_person (id_number, district)"
    " WHERE id_number IS NOT NULL;",
]


def _one_to_one(table: str, column: str, constraints: dict) -> list[str]:
    quote = connection.ops.quote_name
    names = [
        n
        for n, c in constraints.items()
        if c["unique"] and not c["primary_key"] and c["columns"] == [column]
    ]
    return [
        *(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(n)};" for n in names),
        f"ALTER TABLE {quote(table)} ADD UNIQUE ({quote(column)}, district);",
    ]


def citus_sql(to_reference) -> list[str]:
    """The people and the tables co-located with them, then the reference tables, each
    after the tables it points at (a reference table may point only at reference
    tables), then the keys from the one kind to the other back in place."""
    tables = _parents_first(district_models())
    people, rest = tables[0], tables[1:]
    quote = connection.ops.quote_name
    return [
        f"SELECT create_distributed_table('{people}', 'district');",
        *(
            f"SELECT create_distributed_table('{t}', 'district', colocate_with => '{people}');"
            for t in rest
        ),
        f"SELECT create_distributed_table('{ID_NUMBERS}', 'id_number', colocate_with => 'none');",
        *(f"SELECT create_reference_table('{t}');" for t in reference_tables()),
        *(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition};"
            for table, name, definition in to_reference
        ),
    ]


def _parents_first(models) -> list[str]:
    """The tables in this order, but each copying its parent's district after the
    parent: Citus adds a foreign key only to a table it already distributes."""
    ordered: list[str] = []

    def place(model):
        field = district_field(model)
        if field.follows_parent:
            place(model._meta.get_field(field.source).related_model)
        if model._meta.db_table not in ordered:
            ordered.append(model._meta.db_table)

    for model in models:
        place(model)
    return ordered


def reference_tables() -> list[str]:
    """Our tables without a district, outside the coordinator's, and every table they
    point at (Django's groups, permissions and content types), referenced ones first."""
    distributed = {m._meta.db_table for m in district_models()}
    pending = {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("nuanxin.")
        and m._meta.managed
        and district_field(m) is None
        and m._meta.db_table not in COORDINATOR
    }
    targets: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        while pending:
            table = pending.pop()
            found = connection.introspection.get_constraints(cursor, table).values()
            targets[table] = {
                c["foreign_key"][0]
                for c in found
                if c.get("foreign_key") and c["foreign_key"][0] not in distributed
            } - {table}
            pending |= targets[table] - targets.keys()
    ordered: list[str] = []
    while len(ordered) < len(targets):
        ordered += sorted(t for t, to in targets.items() if t not in ordered and to <= {*ordered})
    return ordered
