"""The duty protocol (DESIGN §1): anything the system expects to happen for a person by a date.

Each domain app states its own duties by registering a *duty source*; the
worklist (what is due for me / my area) and the blind-spot report (every duty
overdue or unmet) are the union of all sources. A source answers with indexed,
scoped queries — never a loop over people — and returns plain `Duty` values so
the pages and the API can merge and sort them without knowing where they came
from.

Visits are the first source (`nuanxin.visits.duties`); casework, care and
campaigns plug in the same way:

    from nuanxin.core import duties

    class CareplanSessions:
        kind = "care_session"
        def due(self, *, user, today, until, region=""): ...
        def overdue(self, *, user, today, region=""): ...

    duties.register(CareplanSessions())

Both methods read through the gate (`Model.objects.restrict(user, …)`) and
run a fixed number of queries. What the user sees of each duty's person is
decided here, once, from the gate's field view (DESIGN §3.7): a volunteer's
duty carries the phone in clear and no tier; staff see the phone masked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable
from typing import Protocol

from . import access, fieldviews
from .masking import mask_phone
from .tiers import TIER_RANK


@dataclasses.dataclass(frozen=True)
class Duty:
    kind: str  # e.g. "visit", "service_task", "care_session"
    person_id: int
    person_name: str
    region_id: str
    due_on: dt.date
    tier: str = ""
    label: str = ""  # what to do, already translated
    link: str = ""  # where to do it
    owner_id: int | None = None  # the user expected to do it, when one is named
    address: str = ""
    phone: str = ""  # for link-only users (volunteers) who must call ahead
    # Set by `shown`: the field view of the person ("full", "masked", "task"),
    # and whether the user may act on the person's records (record a visit …).
    view: str = fieldviews.FULL
    can_change: bool = False

    def late_days(self, today: dt.date) -> int:
        return max((today - self.due_on).days, 0)

    def sort_key(self, today: dt.date):
        # Red before yellow before blue; within a tier, the latest first.
        return (TIER_RANK.get(self.tier, 3), self.due_on, self.person_id, self.kind)


class DutySource(Protocol):
    kind: str

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "") -> Iterable[Duty]:
        """Duties the user may see, due on or before `until` (overdue included)."""

    def overdue(self, *, user, today: dt.date, region: str = "") -> Iterable[Duty]:
        """Duties the user may see that are past due and not done."""


_sources: list[DutySource] = []


def register(source: DutySource) -> None:
    """Add a source once (apps call this from AppConfig.ready)."""
    if all(type(s) is not type(source) for s in _sources):
        _sources.append(source)


def sources() -> list[DutySource]:
    return list(_sources)


def shown(user, found: Iterable[Duty]) -> list[Duty]:
    """Each duty as `user` may see it: the person's field view decides tier and phone."""
    out = []
    for duty in found:
        view = fieldviews.view_by_region(user, duty.region_id)
        out.append(
            dataclasses.replace(
                duty,
                tier="" if view.task else duty.tier,
                phone=duty.phone if view.task else mask_phone(duty.phone),
                view=view.kind,
                can_change=access.can(user, access.Action.CHANGE, duty.region_id),
            )
        )
    return out


def worklist(*, user, today: dt.date, until: dt.date, region: str = "") -> list[Duty]:
    """Every source's duties due by `until`, red first then by lateness."""
    found: list[Duty] = []
    for source in _sources:
        found.extend(source.due(user=user, today=today, until=until, region=region))
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))


def mine(*, user, today: dt.date, until: dt.date, region: str = "") -> list[Duty]:
    """The duties that name `user` (requests, care sessions, tasks …), visits aside."""
    found = [
        duty
        for source in _sources
        if source.kind != "visit"
        for duty in source.due(user=user, today=today, until=until, region=region)
        if duty.owner_id == getattr(user, "pk", None)
    ]
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))


def blind_spots(
    *, user, today: dt.date, region: str = "", skip: Collection[str] = ()
) -> list[Duty]:
    """Every overdue duty in the user's reach, red first then by lateness.

    `skip` names kinds the caller shows otherwise (the blind-spot page lists visits
    from its own report): their sources are not asked at all."""
    found: list[Duty] = []
    for source in _sources:
        if source.kind not in skip:
            found.extend(source.overdue(user=user, today=today, region=region))
    return sorted(shown(user, found), key=lambda d: d.sort_key(today))
