"""Ready to distribute by district (docs/scaling.md, "Past one city").

Sharded with Citus, every table holding a person's data is distributed by the district
code — the first six digits of a region code — so that a district's rows live together.
What holds today, and is checked here over every model:

- a model holds a person's data when a chain of foreign keys leads from it to
  `registry.Person` (foreign keys to staff accounts and to the region tree do not count),
  or it is listed in ALSO_PERSON_DATA;
- each of them reaches a region code column with no join (its own `region_id`) or with
  one foreign-key hop (ONE_HOP, the path the access gate already follows), except the
  tables kept whole on the coordinator (COORDINATOR, with the reason);
- the column holds a statistical code (12 or 15 digits), the district being its first six;
- the copies of the person's region code that visits and schedules carry are the person's.

What does not hold yet — keys that lead with the district — is the gap docs/scaling.md
describes; UNIQUE_KEYS lists every unique key on these tables, so a new one must be
thought about (and documented) before it lands.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.apps import apps
from django.db import models

from nuanxin.core import access
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

# Every unique key (beyond the primary key) on a person-data table. Under Citus each must
# include the distribution column; docs/scaling.md says how each one gains the district.
UNIQUE_KEYS = {
    "registry.Person": {"person_id_number_unique"},
    "registry.Enrollment": {"enrollment_one_open_per_category"},
    "registry.Disability": {"disability_unique"},
    "visits.Visit": {"visit_client_id_per_author"},
    "casework.HelpRequest": {"follow_up"},
    "casework.Assessment": {"casework_assessment_version"},
    "casework.TaskOccurrence": {
        "casework_occurrence_day",
        "casework_occurrence_client_id_per_author",
    },
    "casework.CareSession": {"casework_session_number"},
    "oversight.SpotCheckCall": {"oversight_call_once"},
    "oversight.CallAttempt": {"oversight_attempt_client_id_per_author"},
    "oversight.Encounter": {"oversight_encounter_client_id_per_author"},
    "care.CareSubstitute": {"absence"},
    "care.Pairing": {"pairing_one_open_per_child"},
    "care.ScreeningItem": {"screening_item_once"},
    "care.GuardianEvaluation": {"guardian"},
    "campaigns.Allocation": {
        "device",
        "allocation_one_per_person",
        "allocation_one_per_household",
        "allocation_client_id_per_author",
    },
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


def test_it_finds_each_person_data_table_a_district_column_within_one_hop():
    person_data = person_data_models()
    for label in COORDINATOR:
        assert apps.get_model(label), label  # no stale exception
        assert label not in person_data or label in COORDINATOR
    one_hop, missing = {}, []
    for label, model in sorted(person_data.items()):
        if label in COORDINATOR:
            continue
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


def test_it_lists_every_unique_key_the_district_must_join():
    found = {}
    for label, model in person_data_models().items():
        if label in COORDINATOR:
            continue
        names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
        names |= {c.name for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)}
        names |= {"_".join(fields) for fields in model._meta.unique_together}
        if names:
            found[label] = names
    assert found == UNIQUE_KEYS, "a new unique key: see docs/scaling.md, 'Past one city'"


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
