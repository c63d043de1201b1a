"""Stage 5 — merge: one person, one record, however many rows name them.

A row is matched to a person by ID number: a person already in the database,
or one an earlier row of this import created. What the row says is merged in:

* enrollments, disabilities and contacts the person lacks are added (an import
  never ends an enrollment: absence from one ledger is not proof of exit);
* an empty cell never erases a recorded value;
* a differing value follows FIELD_POLICY: NEWER fields (how to reach the person,
  where and how they live) take the file's value over the database's; KEEP
  fields (name, region) keep the recorded value and the row gets a `conflict`
  warning;
* within one import the first row naming a person wins every field, and later
  rows that differ get `conflict` warnings — so importing the same files again
  changes nothing.
"""

from __future__ import annotations

from .validate import (
    R_ADDRESS,
    R_CATEGORIES,
    R_CONTACTS,
    R_DISABILITY,
    R_LIVING,
    R_NAME,
    R_PHONE,
    R_PHONE2,
    R_REGION,
    R_RESIDENCE,
    R_RESIDENCE_GIVEN,
    R_START,
    R_STATUS,
    R_WARNINGS,
)

KEEP, NEWER = "keep", "newer"
FIELD_POLICY = {
    "name": KEEP,
    "registered_region_id": KEEP,
    # A ledger never moves a stored person: person_move does, dated and audited,
    # and takes their rows to the new district with them.
    "region_id": KEEP,
    "phone": NEWER,
    "phone2": NEWER,
    "address": NEWER,
    "living": NEWER,
    "status": NEWER,
}
MERGE_FIELDS = tuple(FIELD_POLICY)
# Where each merged field sits in a record (see validate.RECORD_FIELDS).
_AT = {"name": R_NAME, "registered_region_id": R_REGION, "region_id": R_RESIDENCE,
       "phone": R_PHONE, "phone2": R_PHONE2,
       "address": R_ADDRESS, "living": R_LIVING, "status": R_STATUS}  # fmt: skip

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class PersonState:
    """What we know of one person while importing: their row and their children."""

    __slots__ = ("categories", "contacts", "disabilities", "fields", "pk", "record")

    def __init__(self, pk, fields, record=None):
        self.pk = pk
        # field -> value, for MERGE_FIELDS; None for a person this import creates
        # until a second row names them (until then their record says it all).
        self.fields = fields
        self.categories = set()
        self.disabilities = {}  # category -> [pk, grade, certificate]
        self.contacts = {}  # (name, relation) -> [pk, phone]
        self.record = record  # the record that creates this person (None if stored)

    def merged_fields(self) -> dict:
        if self.fields is None:
            self.fields = record_fields(self.record)
        return self.fields


class Plan:
    """The writes a batch needs, in the order they must happen."""

    def __init__(self):
        # A new person is their validated record (a tuple: named once so far,
        # nothing to merge) or a PersonState (named again, or with children).
        self.new_people: list[tuple | PersonState] = []
        self.changed_people: dict[int, PersonState] = {}  # id(state) -> state
        self.enrollments: list[tuple[PersonState, str, object]] = []
        self.disabilities_new: list[tuple[PersonState, int, int, str]] = []
        self.disabilities_changed: list[tuple[int, str, int]] = []  # (grade, cert, pk)
        self.contacts_new: list[tuple[PersonState, tuple]] = []
        self.contacts_changed: list[tuple[str, int]] = []  # (phone, pk)


def record_fields(rec) -> dict:
    """The person's fields as a new person's record gives them."""
    fields = {f: rec[i] for f, i in _AT.items()}
    fields["living"] = fields["living"] or "with_family"
    fields["status"] = fields["status"] or "active"
    return fields


def new_person(rec, plan: Plan) -> PersonState:
    """The state of a person `rec` creates, with its enrollments and children planned.

    The caller puts it in plan.new_people (in place of the bare record, when a
    second row names someone this batch creates).
    """
    state = PersonState(None, None, record=rec)
    categories = rec[R_CATEGORIES]
    if categories:
        state.categories.update(categories)
        start = rec[R_START]
        plan.enrollments.extend([(state, category, start) for category in categories])
    if rec[R_DISABILITY] or rec[R_CONTACTS]:
        _children(state, rec, plan, touched=True)
    return state


def merge(state: PersonState, rec, plan: Plan, *, touched: bool) -> str:
    """Merge `rec` into `state`; return UPDATED or UNCHANGED. Adds warnings to `rec`."""
    changed = False
    fields = state.merged_fields()
    warnings = rec[R_WARNINGS]
    for field in MERGE_FIELDS:
        if field == "region_id" and not rec[R_RESIDENCE_GIVEN]:
            continue  # the file does not say where they live
        new = rec[_AT[field]]
        old = fields[field]
        if not new or new == old:
            continue
        if not old:
            fields[field] = new
            changed = True
        elif touched or FIELD_POLICY[field] == KEEP:
            warnings.append(("conflict", field, f"{old} ≠ {new}"))
        else:
            warnings.append(("updated", field, f"{old} → {new}"))
            fields[field] = new
            changed = True
    if changed and state.pk is not None:
        plan.changed_people[id(state)] = state
    changed |= _children(state, rec, plan, touched=touched)
    return UPDATED if changed else UNCHANGED


def _children(state: PersonState, rec, plan: Plan, *, touched: bool) -> bool:
    changed = False
    warnings = rec[R_WARNINGS]
    for category in rec[R_CATEGORIES]:
        if category not in state.categories:
            state.categories.add(category)
            plan.enrollments.append((state, category, rec[R_START]))
            changed = True
    if rec[R_DISABILITY]:
        category, grade, cert = rec[R_DISABILITY]
        known = state.disabilities.get(category)
        if known is None:
            state.disabilities[category] = [None, grade, cert]
            plan.disabilities_new.append((state, category, grade, cert))
            changed = True
        elif (grade, cert or known[2]) != (known[1], known[2]):
            if touched or known[0] is None:
                warnings.append(("conflict", "disability_grade", f"{known[1]} ≠ {grade}"))
            else:
                warnings.append(("updated", "disability_grade", f"{known[1]} → {grade}"))
                known[1], known[2] = grade, cert or known[2]
                plan.disabilities_changed.append((known[1], known[2], known[0]))
                changed = True
    for contact in rec[R_CONTACTS]:
        name, relation, phone = contact[0], contact[1], contact[2]
        known = state.contacts.get((name, relation))
        if known is None:
            state.contacts[(name, relation)] = [None, phone]
            plan.contacts_new.append((state, contact))
            changed = True
        elif phone and phone != known[1]:
            if known[0] is None or (touched and known[1]):
                warnings.append(("conflict", "contact", f"{name}: {known[1]} ≠ {phone}"))
                continue
            if known[1]:
                warnings.append(("updated", "contact", f"{name}: {known[1]} → {phone}"))
            known[1] = phone
            plan.contacts_changed.append((phone, known[0]))
            changed = True
    return changed
