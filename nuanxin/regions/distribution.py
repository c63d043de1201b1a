"""The SQL that distributes this schema with Citus by district (docs/scaling.md,
"Past one city"), worked out from the models and the live database's constraints.

Two parts, `nuanxin distribution_plan` prints both:

- the keys (`keys_sql`): plain PostgreSQL, no data change. Every table with a district
  column gets the primary key (id, district); a one-to-one key becomes (x, district);
  a foreign key from a row that copies its parent's district becomes
  (x_id, district) → (id, district); every other foreign key into these tables is
  dropped, because it may join two districts (a moved person's past rows) or point
  from a table that is not distributed, and Citus enforces neither.
  tests/test_distribution.py runs it on a seeded database.
- the distribution (`citus_sql`): create_distributed_table for those tables, co-located
  with the people; reference tables for the rest; the coordinator keeps the audit trail
  and the ledger runs.

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


def keys_sql() -> list[str]:
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
    return [*drops, *pkeys, *adds]


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


def citus_sql() -> list[str]:
    tables = [m._meta.db_table for m in district_models()]
    people, rest = tables[0], tables[1:]
    reference = sorted(
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("nuanxin.")
        and m._meta.managed
        and district_field(m) is None
        and m._meta.db_table not in COORDINATOR
    )
    return [
        f"SELECT create_distributed_table('{people}', 'district');",
        *(
            f"SELECT create_distributed_table('{t}', 'district', colocate_with => '{people}');"
            for t in rest
        ),
        *(f"SELECT create_reference_table('{t}');" for t in reference),
    ]
