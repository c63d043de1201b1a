"""Stage 6 — write: batched SQL on the registry's own tables.

The ORM is right for one record at a time; a million rows through
`bulk_create` take minutes on SQLite (DESIGN §5). So the importer writes
batches in SQL on the same tables — multi-row INSERTs on sqlite3 itself,
`COPY` on PostgreSQL — filling the same derived fields the registry's
services fill (name_pinyin, name_initials, sex and birth date from the ID
number) and leaving the same defaults.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from itertools import chain

from django.db import connection
from django.utils import timezone

from nuanxin.core.pinyin import name_initials, name_pinyin
from nuanxin.regions import districts
from nuanxin.registry.models import Person

from .merge import MERGE_FIELDS, PersonState, Plan
from .validate import (
    PERSON_WIDTH,
    R_BIRTH,
    R_CATEGORIES,
    R_ID,
    R_INITIALS,
    R_NOTE,
    R_PINYIN,
    R_RESIDENCE,
    R_SEX,
    R_START,
)

LOOKUP_CHUNK = 500

# What an import fills in for a new person: the id, then a record's head
# (validate.RECORD_FIELDS[:PERSON_WIDTH]). The rest are the model's defaults,
# written into the statement on SQLite: binding them per row was about a third
# of the insert's cost.
PERSON_VALUES = (
    "id", "name", "name_pinyin", "name_initials", "id_number", "sex", "birth_date", "phone",
    "phone2", "address", "status", "living", "note", "registered_region_id", "region_id",
    "district",
)  # fmt: skip
# Every other column of the person table takes the model's own default, so a field
# added to the model is filled here without anyone remembering to.
PERSON_DEFAULTS = {
    f.attname: f.get_default()
    for f in Person._meta.concrete_fields
    if f.attname not in PERSON_VALUES and f.attname not in ("created_at", "updated_at")
}
# What an import fills in for a new enrollment; the rest are the import's constants.
ENROLLMENT_VALUES = ("person_id", "category", "start_date", "district")
# The tables an import writes rows into.
FILLED_TABLES = (
    "registry_person",
    "registry_enrollment",
    "registry_disability",
    "registry_contact",
)


def _literal(value) -> str:
    """A constant of ours as SQL (never user data: those are bound)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    return "'" + str(value).replace("'", "''") + "'"


def _copy_text(value):
    """A constant of ours as COPY's text format takes it (None stays NULL)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    return None if value is None else str(value)


def _insert_sql(table: str, columns) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


class Writer:
    def __init__(self, *, source: str):
        self.source = source[:100]
        self.ops = connection.ops
        self.vendor = connection.vendor
        self.now = self.ops.adapt_datetimefield_value(timezone.now())
        self._next_id = None
        self._sequence = None  # the person id's sequence, on PostgreSQL
        # What every new row of a table shares: the model's defaults of the columns a
        # ledger never fills, the import's time and source. Never bound row by row.
        self._constants = {
            "registry_person": {**PERSON_DEFAULTS, "created_at": self.now, "updated_at": self.now},
            "registry_enrollment": {"end_date": None, "source": self.source, "created_at": self.now},
        }  # fmt: skip
        # The columns a table's new rows are written with: what varies, then the constants
        # (a first import on PostgreSQL leaves some to the server: _constants_from_the_server).
        self._columns = {
            "registry_person": (*PERSON_VALUES, *self._constants["registry_person"]),
            "registry_enrollment": (*ENROLLMENT_VALUES, *self._constants["registry_enrollment"]),
        }
        if self.vendor == "sqlite":
            # Multi-row INSERTs for sqlite3 itself (see SqliteInsert): the
            # constants go into the statement; only what varies is bound.
            self._people = self._sqlite_insert("registry_person")
            self._enrollments = self._sqlite_insert("registry_enrollment")
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # The default 2 MB page cache thrashes once the person table's
                # indexes outgrow it; 256 MB keeps a million-row import in memory.
                cursor.execute("PRAGMA cache_size = -262144")
            cursor.execute("SELECT COUNT(*) FROM registry_person")
            self.people_before = cursor.fetchone()[0]
        self._deferred: list[str] = []
        if not self.people_before:
            self._defer_indexes()
        # COPY's text for the constants it still sends, once: psycopg formatting a
        # timestamp on every row was most of the cost of sending a person.
        self._copy_tails = {
            table: tuple(_copy_text(constants[c]) for c in self._columns[table] if c in constants)
            for table, constants in self._constants.items()
        }

    def _sqlite_insert(self, table: str) -> SqliteInsert:
        constants, columns = self._constants[table], self._columns[table]
        values = [_literal(constants[c]) if c in constants else "?" for c in columns]
        return SqliteInsert(table, columns, values)

    # --- a first import into an empty registry -------------------------------
    def _defer_indexes(self) -> None:
        """Drop the indexes of the people and enrollment tables now and build them
        once at the end.

        People named again are found by id, not by ID number (Importer.seen),
        so even the unique ID-number index can wait; building it at the end
        re-checks that no number was stored twice. Building an index from
        sorted data is many times faster than a million random B-tree
        insertions, and it is all inside the import's transaction: readers see
        the old tables, a failure restores everything. The enrollments keep
        their unique index: it leads with the person's id, so it finds the
        enrollments of people named again (load), and its entries are appended,
        as new people's ids only grow.

        On PostgreSQL the same holds (DDL is transactional there too); the drop
        takes the table's exclusive lock until the import commits, which a
        first load into an empty registry can afford. Primary keys stay.
        """
        with connection.cursor() as cursor:
            for table, unique_too in (("registry_person", True), ("registry_enrollment", False)):
                if self.vendor == "postgresql":
                    cursor.execute(
                        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                        " WHERE i.tablename = %s AND i.schemaname = current_schema()"
                        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                        " WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
                        [table, table],
                    )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                        " AND sql IS NOT NULL AND tbl_name = %s",
                        [table],
                    )
                for name, sql in cursor.fetchall():
                    if unique_too or not sql.upper().startswith("CREATE UNIQUE"):
                        self._deferred.append(sql)
                        cursor.execute(f'DROP INDEX "{name}"')
            if self.vendor == "postgresql":
                self._defer_foreign_keys(cursor)
                self._constants_from_the_server(cursor)

    def _defer_foreign_keys(self, cursor) -> None:
        """Drop the foreign keys of the tables an import fills; add them back at the end.

        Each row's deferred check is a query of its own at the commit: three
        million of them took 20 s for a million people, three times PostgreSQL's
        whole floor. Adding a key back checks every row in one join. Dropping a
        key locks the table it points to (regions) until the commit as well;
        with nobody in the registry yet, nobody is working who could wait.
        """
        # PostgreSQL alters no table with checks pending on it (this transaction's
        # earlier rows, as the import run's own): run them now (immediate, then
        # deferred again).
        connection.check_constraints()
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])",
            [list(FILLED_TABLES)],
        )
        for table, name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self._deferred.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def _constants_from_the_server(self, cursor) -> None:
        """Let PostgreSQL fill the columns every new row of a first import shares.

        A new person takes the model's defaults and the import's timestamp: eleven of the
        27 values of each COPY row, two timestamps and six booleans among them, for this
        process to format and the server to parse a million times over. Set as the
        columns' defaults inside the import's transaction they are not sent at all; the
        end of the import takes them off again. A first import alone does this: the ALTER
        takes the table's exclusive lock, which it holds already for the dropped indexes.
        A column with a default of its own in the schema keeps it, and is sent.
        """
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ANY(%s)"
            " AND column_default IS NOT NULL",
            [list(self._constants)],
        )
        own_default = set(cursor.fetchall())
        for table, constants in self._constants.items():
            filled = {c: v for c, v in constants.items() if (table, c) not in own_default}
            for column, value in filled.items():
                if value is None:
                    continue  # NULL is what an unset column holds anyway
                sql = f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT %s"
                cursor.execute(self.ops.compose_sql(sql, [value]))  # no parameters in DDL
                self._deferred.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
            self._columns[table] = tuple(c for c in self._columns[table] if c not in filled)

    def finish(self) -> None:
        """Build the deferred indexes and keys again: a unique index re-checks its rule
        as it is built, a foreign key every row's reference."""
        sqlite = self.vendor == "sqlite"
        with connection.cursor() as cursor:
            if self._deferred:
                # The reader processes have finished by now: let the sorter use
                # the second core for the index builds.
                if sqlite:
                    cursor.execute("PRAGMA threads = 2")
                else:
                    # The rows' deferred foreign-key checks first: PostgreSQL builds no
                    # index on a table with trigger events pending (they would run at
                    # the commit anyway); then back to deferred, as Django declares them.
                    connection.check_constraints()
                    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
                    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for sql in self._deferred:
                cursor.execute(sql)
            if self._deferred and sqlite:
                cursor.execute("PRAGMA threads = 0")
        self._deferred = []

    # --- reading what is there ---------------------------------------------
    def load(self, *, pks=(), id_numbers=()) -> dict[str, PersonState]:
        """The stored people with these ids or ID numbers, with their children."""
        states: dict[str, PersonState] = {}
        by_pk: dict[int, PersonState] = {}
        columns = f"id, id_number, {', '.join(MERGE_FIELDS)}"
        with connection.cursor() as cursor:
            for column, values in (("id", list(pks)), ("id_number", list(id_numbers))):
                for chunk in _chunks(values, LOOKUP_CHUNK):
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"SELECT {columns} FROM registry_person WHERE {column} IN ({marks})", chunk
                    )
                    for row in cursor.fetchall():
                        state = PersonState(row[0], dict(zip(MERGE_FIELDS, row[2:], strict=True)))
                        states[row[1]] = by_pk[row[0]] = state
            for chunk in _chunks(list(by_pk), LOOKUP_CHUNK):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    "SELECT person_id, category FROM registry_enrollment"
                    f" WHERE end_date IS NULL AND person_id IN ({marks})",
                    chunk,
                )
                for person_id, category in cursor.fetchall():
                    by_pk[person_id].categories.add(category)
                cursor.execute(
                    "SELECT person_id, id, category, grade, certificate_number"
                    f" FROM registry_disability WHERE person_id IN ({marks})",
                    chunk,
                )
                for person_id, pk, category, grade, cert in cursor.fetchall():
                    by_pk[person_id].disabilities[category] = [pk, grade, cert]
                cursor.execute(
                    "SELECT person_id, id, name, relation, phone FROM registry_contact"
                    f" WHERE person_id IN ({marks})",
                    chunk,
                )
                for person_id, pk, name, relation, phone in cursor.fetchall():
                    by_pk[person_id].contacts.setdefault((name, relation), [pk, phone])
        return states

    # --- writing -------------------------------------------------------------
    def _allocate(self, cursor, count: int) -> list[int]:
        if self.vendor == "postgresql":
            if self._sequence is None:
                # Named once: pg_get_serial_sequence in the statement ran its catalog
                # lookup for every row, ten times the cost of nextval itself.
                cursor.execute("SELECT pg_get_serial_sequence('registry_person', 'id')")
                self._sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [self._sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if self._next_id is None:
            # SQLite: the import holds the write lock (BEGIN IMMEDIATE) from the
            # start, so nobody else can take these ids; AUTOINCREMENT's high-water
            # mark is respected so deleted ids are never reused.
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM registry_person")
            high = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = 'registry_person'")
            row = cursor.fetchone()
            self._next_id = max(high, row[0] if row else 0) + 1
        ids = list(range(self._next_id, self._next_id + count))
        self._next_id += count
        return ids

    def _insert(self, cursor, table: str, columns, rows: list[tuple]) -> None:
        """executemany; on PostgreSQL, COPY — several times faster for thousands of rows."""
        if self.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(_insert_sql(table, columns), rows)

    def flush(self, plan: Plan) -> list[int]:
        """Write the batch; return the ids given to plan.new_people, in order."""
        now = self.now
        ids: list[int] = []
        enrollments: list[tuple] = []
        with connection.cursor() as cursor:
            if plan.new_people:
                ids = self._allocate(cursor, len(plan.new_people))
                rows = []
                for pk, new in zip(ids, plan.new_people, strict=True):
                    if type(new) is tuple:  # a bare record: its head is the row
                        district = new[R_RESIDENCE][:6]
                        rows.append((pk, *new[:PERSON_WIDTH], district))
                        if new[R_CATEGORIES]:
                            start = new[R_START]
                            enrollments.extend(
                                [(pk, c, start, district) for c in new[R_CATEGORIES]]
                            )
                        continue
                    new.pk = pk
                    rec, f = new.record, new.merged_fields()
                    rows.append((
                        pk, f["name"], rec[R_PINYIN], rec[R_INITIALS], rec[R_ID], rec[R_SEX],
                        rec[R_BIRTH], f["phone"], f["phone2"], f["address"], f["status"],
                        f["living"], rec[R_NOTE], f["registered_region_id"], f["region_id"],
                        districts.district_of_code(f["region_id"]),
                    ))  # fmt: skip
                    new.record = None
                if self.vendor == "sqlite":
                    self._people.insert(rows)
                else:
                    tail = self._copy_tails["registry_person"]
                    if tail:
                        rows = [(*row, *tail) for row in rows]
                    self._insert(cursor, "registry_person", self._columns["registry_person"], rows)
            if plan.changed_people:
                sets = ", ".join(f"{f} = %s" for f in MERGE_FIELDS)
                cursor.executemany(
                    f"UPDATE registry_person SET {sets}, name_pinyin = %s, name_initials = %s,"
                    " district = %s, updated_at = %s WHERE id = %s",
                    [
                        (*(s.fields[f] for f in MERGE_FIELDS), name_pinyin(s.fields["name"]),
                         name_initials(s.fields["name"]), _district(s), now, s.pk)
                        for s in plan.changed_people.values()
                    ],
                )  # fmt: skip
            enrollments.extend([(s.pk, c, d, _district(s)) for s, c, d in plan.enrollments])
            if enrollments:
                # Start dates come as ISO text (or None), which both databases take.
                if self.vendor == "sqlite":
                    self._enrollments.insert(enrollments)
                else:
                    table = "registry_enrollment"
                    tail = self._copy_tails[table]
                    if tail:
                        enrollments = [(*e, *tail) for e in enrollments]
                    self._insert(cursor, table, self._columns[table], enrollments)
            if plan.disabilities_new:
                cursor.executemany(
                    _insert_sql(
                        "registry_disability",
                        ("person_id", "category", "grade", "certificate_number", "district"),
                    ),
                    [(s.pk, c, g, cert, _district(s)) for s, c, g, cert in plan.disabilities_new],
                )
            if plan.disabilities_changed:
                cursor.executemany(
                    "UPDATE registry_disability SET grade = %s, certificate_number = %s"
                    " WHERE id = %s",
                    plan.disabilities_changed,
                )
            if plan.contacts_new:
                cursor.executemany(
                    _insert_sql(
                        "registry_contact",
                        ("person_id", "name", "relation", "phone", "is_guardian", "is_emergency",
                         "note", "district"),
                    ),
                    [(s.pk, *contact, "", _district(s)) for s, contact in plan.contacts_new],
                )  # fmt: skip
            if plan.contacts_changed:
                cursor.executemany(
                    "UPDATE registry_contact SET phone = %s WHERE id = %s", plan.contacts_changed
                )
        return ids


def _district(state: PersonState) -> str:
    return districts.district_of_code(state.merged_fields()["region_id"])


# --- SQLite's checkpoint, after the commit -----------------------------------------
last_checkpoint: threading.Thread | None = None  # the latest, for whoever wants to wait


@contextmanager
def wal_checkpoint_deferred():
    """Keep SQLite's automatic checkpoint out of the import's commit.

    In WAL mode the commit of a big import would go on to copy every page it
    wrote from the log into the database (two of the three seconds a million
    rows take to commit). The data are safe and visible once in the log, so
    the copy runs afterwards in a thread of its own, with its own connection,
    while readers and writers carry on.
    """
    wal = False
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            wal = cursor.fetchone()[0] == "wal"
            if wal:
                cursor.execute("PRAGMA wal_autocheckpoint")
                pages = int(cursor.fetchone()[0])
                cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        if wal:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {pages}")
            checkpoint_in_background(connection.settings_dict["NAME"])


def checkpoint_in_background(path: str) -> threading.Thread:
    def checkpoint() -> None:
        database = sqlite3.connect(path, timeout=30)
        try:
            database.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            database.close()

    global last_checkpoint
    last_checkpoint = threading.Thread(target=checkpoint, name="sqlite-wal-checkpoint")
    last_checkpoint.start()
    return last_checkpoint


class SqliteInsert:
    """INSERT … VALUES (…), (…), … of up to 500 rows, straight on sqlite3.

    executemany runs its statement once per row, AUTOINCREMENT's bookkeeping
    included, and Django's cursor peeks at every row (itertools.tee); one
    statement for 500 rows costs about half as much per row.
    """

    ROWS = 500

    def __init__(self, table: str, columns, values: list[str]):
        """`values`: one row's SQL, each item `?` or a constant of ours."""
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.per = max(1, min(self.ROWS, limit // max(values.count("?"), 1)))
        self.head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        self.row = f"({', '.join(values)})"
        self.full = self._sql(self.per)

    def _sql(self, count: int) -> str:
        return self.head + ", ".join([self.row] * count)

    def insert(self, rows: list[tuple]) -> None:
        per = self.per
        with connection.wrap_database_errors:
            for start in range(0, len(rows), per):
                part = rows[start : start + per]
                sql = self.full if len(part) == per else self._sql(len(part))
                connection.connection.execute(sql, list(chain.from_iterable(part)))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
