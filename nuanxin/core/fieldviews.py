"""What a user sees of a person, decided once (DESIGN §3.7).

Three views, per user and person, from the gate's reach:

- **full** — the user may reveal identifiers there (officers, workers): the
  whole record, identifiers masked until revealed with a reason;
- **masked** — the user may view but not reveal (inspectors): the birth date
  is withheld as well (the age is shown), because the masked ID number's
  hidden digits *are* the birth date;
- **task** — the user reaches the person only through a link (a volunteer's
  task, a provider's referral, a partner's pairing): name, address and phone,
  plus what the link itself needs (a pairing adds the child's age and
  guardian). Never the tier, categories, visits, assessments, health,
  disability, ID number or birth date.

Pages, API schemas and exports all render people from a `FieldView`, so a
field shown to a role is shown the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import access

FULL, MASKED, TASK = "full", "masked", "task"

TASK_FIELDS = frozenset({"id", "name", "address", "phone", "region"})
MASKED_WITHHOLDS = frozenset({"birth_date"})


@dataclass(frozen=True)
class FieldView:
    kind: str
    extra: frozenset[str] = frozenset()  # task view: what the user's links add

    @property
    def full(self) -> bool:
        return self.kind == FULL

    @property
    def masked(self) -> bool:
        return self.kind == MASKED

    @property
    def task(self) -> bool:
        return self.kind == TASK

    def shows(self, field: str) -> bool:
        if self.kind == TASK:
            return field in TASK_FIELDS or field in self.extra
        if self.kind == MASKED:
            return field not in MASKED_WITHHOLDS
        return True


FULL_VIEW, MASKED_VIEW, TASK_VIEW = FieldView(FULL), FieldView(MASKED), FieldView(TASK)


def view_by_region(user, region_id: str, registered_id: str = "") -> FieldView:
    """The view from the region alone: task when the user reaches it by no membership.

    `registered_id` is a person's place of registration (户籍地): that area sees
    them too, as the gate says (access.REGISTRATION_ACTIONS).
    """
    codes = [c for c in (region_id, registered_id) if c]

    def covered(action) -> bool:
        found = access.scope(user, action)
        return any(found.covers(c) for c in codes)

    if user is None or covered(access.Action.REVEAL):
        return FULL_VIEW
    if covered(access.Action.VIEW):
        return MASKED_VIEW
    return TASK_VIEW


def person_view(user, person) -> FieldView:
    """The view of one person (a model instance the user reached through the gate)."""
    view = view_by_region(user, person.region_id, getattr(person, "registered_region_id", ""))
    if not view.task:
        return view
    extra: set[str] = set()
    model = type(person)
    for provider, fields in access.link_fields(model, user):
        q = provider(user, access.Action.VIEW)
        if q is not None and model._default_manager.filter(q, pk=person.pk).exists():
            extra |= fields
    return FieldView(TASK, frozenset(extra)) if extra else TASK_VIEW


def people_views(user, people) -> dict[int, FieldView]:
    """The view of each person of a page, with one query per link that adds fields."""
    people = list(people)
    views = {
        p.pk: view_by_region(user, p.region_id, getattr(p, "registered_region_id", ""))
        for p in people
    }
    task_ids = [pk for pk, v in views.items() if v.task]
    if not task_ids:
        return views
    model = type(people[0])
    extras: dict[int, set[str]] = {}
    for provider, fields in access.link_fields(model, user):
        q = provider(user, access.Action.VIEW)
        if q is None:
            continue
        for pk in model._default_manager.filter(q, pk__in=task_ids).values_list("pk", flat=True):
            extras.setdefault(pk, set()).update(fields)
    for pk, fields in extras.items():
        views[pk] = FieldView(TASK, frozenset(fields))
    return views
