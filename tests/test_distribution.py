"""Ready to distribute by district (docs/scaling.md, "Past one city").

Sharded with Citus, every table holding a person's data is distributed by the district
code — the first six digits of a region code — so that a district's rows live together.
Checked here over every model:

- a model holds a person's data when a chain of foreign keys leads from it to
  `registry.Person` (foreign keys to staff accounts and to the region tree do not count),
  or it is listed in ALSO_PERSON_DATA;
- each of them, except the tables kept whole on the coordinator (COORDINATOR), carries a
  `district` column: the first six digits of its own region code, held equal by a CHECK,
  or copied from the parent it hangs on (ONE_HOP, the path the access gate follows);
- every unique key on them includes the district, but for the few UNIQUE_EXCEPTIONS
  (each with the reason and what the distribution does instead);
- the rows written by every service and seed step of the demo city keep their districts
  right, and a person's move takes their rows' districts along.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models

from nuanxin.core import access
from nuanxin.regions import distribution, districts
from nuanxin.regions.models import Region
from nuanxin.registry.models import Person
from tests.factories import make_person

# Foreign keys to these do not make a row a person's data: staff accounts, the region tree.
NOT_A_PERSON = {"accounts.User", "regions.Region"}

# A person's data without a foreign key leading to a person.
ALSO_PERSON_DATA = {
    "registry.Household": "a household's address and number; people point to it",
}

# Person data kept whole on the coordinator (Citus local tables), not sharded by district.
COORDINATOR = {
    "audit.AuditEvent": "the city-wide, append-only trail names any object by type and id; "
    "it is written by every district and read by the city administrator",
    "ledgers.ImportRun": "one import spans districts (a city-wide ledger)",
    "ledgers.RejectedRow": "a rejected ledger row belongs to its import run, not yet to a place",
}

# Tables whose district comes from one foreign-key hop: the first step of the gate's path.
ONE_HOP = {
    "registry.Enrollment": "person",
    "registry.Disability": "person",
    "registry.Contact": "person",
    "registry.Consent": "person",
    "registry.Device": "person",
    "visits.TierRaise": "person",
    "visits.Finding": "visit",
    "casework.RequestEvent": "request",
    "oversight.CallAttempt": "call",
}

# Every unique key (beyond the primary key) on a person-data table: each holds the
# district, but these. A one-to-one key points at a row of the same district (a person's
# own follow-up, absence, guardian or device), so it is unique within the district as
# it stands; the distribution script makes it (x, district) (docs/scaling.md).
UNIQUE_EXCEPTIONS = {
    "registry.Person.person_id_number_unique": "an ID number is unique in the whole city: "
    "sharded, it moves to a table of its own distributed by the number",
    "casework.HelpRequest.follow_up": "one-to-one, same district",
    "care.CareSubstitute.absence": "one-to-one, same district",
    "care.GuardianEvaluation.guardian": "one-to-one, same district",
    "campaigns.Allocation.device": "one-to-one, same district",
}


def _ours() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("nuanxin.") and m._meta.managed and not m._meta.proxy
    ]


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [
        f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)
    ]


def person_data_models() -> dict[str, type[models.Model]]:
    """Person, everything a chain of foreign keys leads from to it, and ALSO_PERSON_DATA."""
    found = {Person._meta.label: Person}
    found |= {label: apps.get_model(label) for label in ALSO_PERSON_DATA}
    changed = True
    while changed:
        changed = False
        for model in _ours():
            label = model._meta.label
            if label in found or label in NOT_A_PERSON:
                continue
            if any(f.related_model._meta.label in found for f in _foreign_keys(model)):
                found[label] = model
                changed = True
    return found


def _code_column(model) -> models.Field | None:
    """The model's own region code column: a key to Region (its code) or a code field."""
    try:
        field = model._meta.get_field("region")
    except Exception:
        field = None
    if field is not None and field.is_relation and field.related_model is Region:
        return field
    # A row whose gate follows a key of its own to the tree (a move: where it was made).
    gate = access.region_field(model)
    for f in model._meta.concrete_fields:
        if f.attname == gate and f.is_relation and f.related_model is Region:
            return f
    for f in model._meta.concrete_fields:
        if f.column == "region_id" and isinstance(f, models.CharField):
            return f
    return None


def _district_path(model) -> tuple[str, models.Field] | None:
    """("" or the one foreign key followed, the code column it ends on)."""
    own = _code_column(model)
    if own is not None:
        return "", own
    path = access.region_field(model)
    first, _, rest = path.partition("__")
    if rest != "region_id":
        return None
    related = model._meta.get_field(first).related_model
    column = _code_column(related)
    return (first, column) if column is not None else None


def _district_tables() -> dict[str, type[models.Model]]:
    return {k: m for k, m in person_data_models().items() if k not in COORDINATOR}


def test_it_finds_each_person_data_table_a_district_column_within_one_hop():
    person_data = person_data_models()
    for label in COORDINATOR:
        assert apps.get_model(label), label  # no stale exception
        assert label not in person_data or label in COORDINATOR
    one_hop, missing = {}, []
    for label, model in sorted(_district_tables().items()):
        found = _district_path(model)
        if found is None:
            missing.append(label)
            continue
        hop, column = found
        if hop:
            one_hop[label] = hop
        # A statistical code: 12 digits (15 for a grid); the district is its first six.
        if column.is_relation:
            assert column.related_model._meta.pk.name == "code", label
        else:
            assert column.max_length in (12, 15), (label, column.max_length)
    assert missing == [], f"person data with no region code within one hop: {missing}"
    assert one_hop == ONE_HOP


def test_it_gives_every_person_data_table_its_district():
    for label, model in sorted(_district_tables().items()):
        field = districts.district_field(model)
        assert field is not None and field.name == "district", label
        assert not field.null and field.max_length == 6, label
        hop, column = _district_path(model)
        checks = [c for c in model._meta.constraints if isinstance(c, districts.DistrictCheck)]
        if hop:  # copied from the parent: no CHECK can see it
            assert (field.source, checks) == (hop, []), label
            parent = districts.district_field(model._meta.get_field(hop).related_model)
            assert parent is not None and not parent.follows_parent, label
        else:
            assert field.source == column.attname, label
            assert [c.condition for c in checks] == [
                models.Q(district=districts.DistrictOf(column.attname))
            ], label
    for label in COORDINATOR:
        assert districts.district_field(apps.get_model(label)) is None, label


def test_it_puts_the_district_in_every_unique_key():
    without = set()
    for label, model in _district_tables().items():
        for f in model._meta.concrete_fields:
            if f.unique and not f.primary_key:
                without.add(f"{label}.{f.name}")
        for c in model._meta.constraints:
            if isinstance(c, models.UniqueConstraint) and "district" not in c.fields:
                without.add(f"{label}.{c.name}")
        assert not model._meta.unique_together, label
    assert without == set(UNIQUE_EXCEPTIONS), "see docs/scaling.md, 'Past one city'"


def test_it_holds_region_and_district_equal_in_the_database(grid_worker):
    from django.db import IntegrityError, transaction

    from nuanxin.visits.models import Visit

    person = make_person(region="510108010001001")
    assert Person.objects.get(pk=person.pk).district == "510108"
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(region_id="510104010001")
    # A queryset update that moves a region goes through districts.moved.
    Person.objects.filter(pk=person.pk).update(
        **districts.moved(Person, "region_id", "510104010001")
    )
    assert Person.objects.get(pk=person.pk).district == "510104"
    assert not Visit.objects.exists()


def test_it_refuses_a_row_whose_district_is_not_its_regions(grid_worker):
    from django.core.exceptions import ValidationError

    person = make_person(region="510108010001001")
    person.district = "510104"
    with pytest.raises(ValidationError):
        person.validate_constraints()
    person.full_clean()  # cleaning works it out again from the region
    assert person.district == "510108"


def test_it_copies_the_persons_district_onto_visits_and_schedules(grid_worker):
    from nuanxin.visits.models import Visit, VisitSchedule
    from nuanxin.visits.services import visit_record

    person = make_person(region="510108010001001", categories=["dibao"])
    visit, _ = visit_record(
        user=grid_worker,
        person_id=person.pk,
        visited_on=dt.date.today() - dt.timedelta(days=1),
        method="home",
        with_whom="grid_worker",
        outcome="met",
    )
    district = person.region_id[:6]
    assert Visit.objects.get(pk=visit.pk).region_id[:6] == district
    assert VisitSchedule.objects.get(person=person).region_id[:6] == district


def _astray() -> dict[str, int]:
    """Rows whose district is not their region code's, or not their parent's."""
    found = {}
    for label, model in _district_tables().items():
        field = districts.district_field(model)
        if field.follows_parent:
            wrong = ~models.Q(district=models.F(f"{field.source}__district"))
        else:
            wrong = ~models.Q(district=districts.DistrictOf(field.source))
        count = model._base_manager.filter(wrong).count()
        if count:
            found[label] = count
    return found


def _visit_with_a_finding(person, user=None):
    """Today's visit, with a finding that opens a help request (and its first event)."""
    from nuanxin.visits.services import visit_record

    visit, _ = visit_record(
        user=user,
        person_id=person.pk,
        visited_on=dt.date.today(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
        findings=[{"kind": "follow_up", "text": "屋里很冷", "follow_up_kind": "help_request"}],
    )
    return visit


def test_it_takes_a_persons_rows_along_when_they_move_district(community_worker, grid_worker):
    from nuanxin.registry.models import Enrollment
    from nuanxin.registry.services import person_move
    from nuanxin.visits.models import Finding, Visit, VisitSchedule

    person = make_person(region="510108010001001", categories=["dibao"])
    visit = _visit_with_a_finding(person, user=grid_worker)
    assert set(Finding.objects.filter(visit=visit).values_list("district", flat=True)) == {"510108"}
    person_move(
        user=community_worker,
        person=person,
        to_region=Region.objects.get(code="510104010001"),
        on=dt.date.today(),
    )
    assert Person.objects.get(pk=person.pk).district == "510104"
    assert set(Enrollment.objects.filter(person=person).values_list("district", flat=True)) == {
        "510104"
    }
    # This month's visit moved with the person (mapchange.person_rows_move), its finding too.
    assert Visit.objects.get(pk=visit.pk).district == "510104"
    assert set(Finding.objects.filter(visit=visit).values_list("district", flat=True)) == {"510104"}
    assert _astray() == {}
    # The schedule follows (set by person alone, once); later visits find it by person and
    # district, where a sharded database keeps it.
    schedule = VisitSchedule.objects.get(person=person)
    assert (schedule.district, schedule.region_id) == ("510104", "510104010001")
    schedule.last_contact_on = None
    schedule.save(update_fields=["last_contact_on"])
    _visit_with_a_finding(person)
    assert VisitSchedule.objects.get(person=person).last_contact_on == dt.date.today()
    assert _astray() == {}


def test_it_leaves_a_stored_person_in_their_district_when_a_ledger_names_another_home(
    city_admin, tmp_path, settings
):
    """Moving someone is person_move's, which takes their rows along; a ledger only warns."""
    import csv

    from nuanxin.core import idnumber
    from nuanxin.ledgers import services
    from nuanxin.registry.models import Contact, Disability, Enrollment

    settings.MEDIA_ROOT = tmp_path
    id_number = idnumber.make("510108", dt.date(1948, 3, 4), 2)
    head = ["姓名", "身份证号", "区划代码", "居住地区划代码", "救助类别", "残疾类别", "残疾等级",
            "紧急联系人", "联系电话"]  # fmt: skip

    def ledger(residence: str, phone: str, name: str) -> dict:
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([
                head, ["王秀英", id_number, "510108010001", residence, "低保", "视力", "一级",
                       "王强 儿子 13812345678", phone],
            ])  # fmt: skip
        run = services.ledger_import(run=services.import_run_create(user=city_admin, files=[path]))
        assert run.summary["rejected"] == 0, run.summary
        return run.summary

    ledger("510108010001", "13900000001", "first.csv")
    person = Person.objects.get(id_number=id_number)
    assert Disability.objects.filter(person=person).exists()
    assert Contact.objects.filter(person=person).exists()
    moved = ledger("510104010001", "13900000002", "moved.csv")
    assert moved["updated"] == 1 and moved["warning_codes"]["conflict"] == 1, moved
    person.refresh_from_db()
    assert (person.region_id, person.district, person.phone) == (
        "510108010001",
        "510108",
        "13900000002",
    )
    for model in (Enrollment, Disability, Contact):
        assert set(model.objects.filter(person=person).values_list("district", flat=True)) == {
            "510108"
        }, model
    assert _astray() == {}


def test_it_keeps_every_district_right_across_the_demo_city(db):
    from nuanxin.demo.steps import SEED_STEPS
    from tests.demo_city import city_with_steps

    city_with_steps(SEED_STEPS, persons=300)
    counts = {label: m._base_manager.count() for label, m in _district_tables().items()}
    assert sum(counts.values()) > 1000 and counts["registry.Enrollment"] > 0
    assert _astray() == {}
    if connection.vendor == "postgresql":
        _it_rebuilds_the_keys_with_the_district()


def _it_rebuilds_the_keys_with_the_district():
    """The distribution plan's keys run on the seeded city (moves and map changes
    included): the data already satisfies them; then every key holds the district, the
    ID numbers have their own table, and the keys to what becomes a reference table wait
    for the distribution. (`python -m bench.citus` runs the rest on a Citus cluster.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the seed's deferred checks, first
        cursor.execute("SELECT count(*) FROM registry_person WHERE id_number IS NOT NULL")
        numbered = cursor.fetchone()[0]
        keys, distribute = distribution.plan()
        for statement in keys:
            cursor.execute(statement)
        distributed = {m._meta.db_table for m in distribution.district_models()}
        for model in distribution.district_models():
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table)
            unique = {n: c["columns"] for n, c in found.items() if c["unique"] or c["primary_key"]}
            assert not {n for n, columns in unique.items() if "district" not in columns}, table
            pk = [c["columns"] for c in found.values() if c["primary_key"]]
            assert pk == [[model._meta.pk.column, "district"]], table
            targets = {c["foreign_key"][0] for c in found.values() if c["foreign_key"]}
            assert targets <= distributed, (table, targets - distributed)
            field = districts.district_field(model)
            if field.follows_parent:
                column = model._meta.get_field(field.source).column
                assert any(
                    c["foreign_key"] and c["columns"] == [column, "district"]
                    for c in found.values()
                ), table
        cursor.execute(f"SELECT count(*), count(DISTINCT id_number) FROM {distribution.ID_NUMBERS}")
        assert cursor.fetchone() == (numbered, numbered) and numbered > 0
        # The sequences' statements leave a sequence where it stands on plain PostgreSQL.
        cursor.execute("SELECT last_value FROM pg_sequences WHERE sequencename = %s", [SEQUENCE])
        at = cursor.fetchone()[0]
        for statement in distribute:
            if statement.startswith("SELECT setval("):
                cursor.execute(statement)
        cursor.execute("SELECT last_value FROM pg_sequences WHERE sequencename = %s", [SEQUENCE])
        assert cursor.fetchone()[0] == at
    _it_orders_the_distribution(distribute)


SEQUENCE = "registry_person_id_seq"


def _it_orders_the_distribution(statements: list[str]) -> None:
    """Citus adds a key only between tables it already holds: a child table after its
    parent, a reference table after those it points at, the set-aside keys last."""
    made = [re.search(r"'(\w+)'", s)[1] for s in statements if "create_" in s]
    assert made[0] == "registry_person"
    for model in distribution.district_models():
        field = districts.district_field(model)
        if field.follows_parent:
            parent = model._meta.get_field(field.source).related_model._meta.db_table
            assert made.index(parent) < made.index(model._meta.db_table)
    references = distribution.reference_tables()
    assert {"regions_region", "accounts_user", "auth_group"} <= set(references)
    with connection.cursor() as cursor:
        for table in references:
            found = connection.introspection.get_constraints(cursor, table).values()
            for c in found:
                target = c["foreign_key"] and c["foreign_key"][0]
                if target and target != table and target in references:
                    assert made.index(target) < made.index(table), (table, target)
    last_made = max(i for i, s in enumerate(statements) if "create_" in s)
    added = [i for i, s in enumerate(statements) if " ADD CONSTRAINT " in s]
    assert added and min(added) > last_made
    assert not [t for t in made if t in distribution.COORDINATOR]


def test_it_distributes_in_the_documented_plan_exactly_the_person_data_tables():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "scaling.md").read_text()
    plan = doc[doc.index("create_distributed_table('registry_person'") :]
    plan = plan[: plan.index("create_reference_table")]
    documented = set(re.findall(r"'([a-z_]+)'", plan)) - {"district", "registry_person"}
    tables = {
        model._meta.db_table
        for label, model in person_data_models().items()
        if label not in COORDINATOR and label != "registry.Person"
    }
    assert documented == tables


def test_it_prints_the_distribution_plan_on_postgresql_only(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("distribution_plan", stdout=out)
        return
    call_command("distribution_plan", stdout=out)
    text = out.getvalue()
    assert 'ALTER TABLE "visits_visit" DROP CONSTRAINT "visits_visit_pkey"' in text
    assert text.index("ADD PRIMARY KEY") < text.index("create_distributed_table")
    assert "create_reference_table('regions_region')" in text


def _sql(query) -> str:
    from django.core.exceptions import EmptyResultSet

    try:
        return str(query.query)
    except EmptyResultSet:  # a scope with no region: no query at all
        return ""


def test_it_routes_the_gate_to_one_district_without_changing_what_it_finds(
    city_admin, district_officer, street_officer, community_worker, grid_worker, inspector,
    social_worker, volunteer, outsider, dual, ms_cai, jinjiang_person,
):  # fmt: skip
    """With NUANXIN_DISTRICT_ROUTING, every user's rows are the same, table by table;
    the query of a user within one district names it."""
    from django.test import override_settings

    # 人户分离: registered in 成华区, living in 锦江区 (reached from both).
    split = make_person(region="510104010001", registered_region_id="510108010001001")
    people = (ms_cai, jinjiang_person, make_person(region="510108010001002"), split)
    for person in people:
        _visit_with_a_finding(person)
    users = [city_admin, district_officer, street_officer, community_worker, grid_worker,
             inspector, social_worker, volunteer, outsider, dual]  # fmt: skip
    tables = [m for label, m in _district_tables().items() if hasattr(m.objects, "restrict")]
    routed = 0
    for user in users:
        district = access.scope(user, access.Action.VIEW).district
        for model in tables:
            plain = set(model.objects.restrict(user).values_list("pk", flat=True))
            with override_settings(DISTRICT_ROUTING=True):
                query = model.objects.restrict(user)
                assert set(query.values_list("pk", flat=True)) == plain, (user, model)
                named = '."district" = ' in _sql(query)
            assert named == bool(district), (user, model)
            routed += named
    assert routed >= 4 * len(tables)
    # The hand-written statements that take the gate's scope (RegionScope.sql) too.
    from nuanxin.visits.selectors import schedule_due_by_region

    # Two months on, every visited person's next visit is overdue.
    city, later = Region.objects.get(code="510100000000"), dt.date.today() + dt.timedelta(days=60)
    found = 0
    for user in users:
        plain = schedule_due_by_region(user=user, region=city, today=later)
        found += sum(r.overdue for r in plain)
        with override_settings(DISTRICT_ROUTING=True):
            assert schedule_due_by_region(user=user, region=city, today=later) == plain, user
            where, params = access.scope(user, access.Action.VIEW).sql("s.region_id", "s.district")
        district = access.scope(user, access.Action.VIEW).district
        assert ("s.district = %s" in where) == bool(district), user
        if district:
            assert params[-1] == district, user
    assert found >= len(people)


def test_it_locks_a_row_on_its_own_district_when_routed(grid_worker, outsider, ms_cai):
    """Citus refuses FOR UPDATE across shards, and the gate's condition spans them (its
    residence OR its registration): routed by district, the gate finds the row, then the
    lock names the row's id and district alone."""
    from django.db import transaction
    from django.http import Http404
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from nuanxin.registry.selectors import person_for_change

    with override_settings(DISTRICT_ROUTING=True), transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            locked = person_for_change(user=grid_worker, pk=ms_cai.pk)
        with pytest.raises(Http404):
            person_for_change(user=outsider, pk=ms_cai.pk)
    assert locked == ms_cai
    *_memberships, find, lock = (q["sql"] for q in queries.captured_queries)
    assert "FOR UPDATE" not in find
    assert re.search(r'"district" = \S+ AND|"district" = \S+\)', lock), lock
    assert " OR " not in lock
    if connection.features.has_select_for_update:
        assert lock.rstrip().endswith("FOR UPDATE")
    with transaction.atomic(), CaptureQueriesContext(connection) as unrouted:
        assert person_for_change(user=grid_worker, pk=ms_cai.pk) == ms_cai
    # On one server the gate's own query takes the lock.
    person_queries = [q for q in unrouted.captured_queries if "registry_person" in q["sql"]]
    assert len(person_queries) == 1
