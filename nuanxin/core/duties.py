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

Both methods must scope through `access.region_q(user, …)` (or
`Person.objects.visible_to`) and run a fixed number of queries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Protocol

# Tier order for sorting: red first; people without a tier last.
TIER_RANK = {"red": 0, "yellow": 1, "blue": 2, "": 3}


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


def worklist(*, user, today: dt.date, until: dt.date, region: str = "") -> list[Duty]:
    """Every source's duties due by `until`, red first then by lateness."""
    found: list[Duty] = []
    for source in _sources:
        found.extend(source.due(user=user, today=today, until=until, region=region))
    return sorted(found, key=lambda d: d.sort_key(today))


def blind_spots(*, user, today: dt.date, region: str = "") -> list[Duty]:
    """Every overdue duty in the user's reach, red first then by lateness."""
    found: list[Duty] = []
    for source in _sources:
        found.extend(source.overdue(user=user, today=today, region=region))
    return sorted(found, key=lambda d: d.sort_key(today))
