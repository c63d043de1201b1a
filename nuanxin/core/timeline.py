"""The profile timeline protocol: everything that happened to one person, newest first.

Each domain app states what it contributes by registering a *timeline source*
(like duty sources in `nuanxin.core.duties`); the profile page and the API
merge them without knowing where an entry came from:

    from nuanxin.core import timeline

    class VisitTimeline:
        kinds = {"visit": _("Visits")}
        def entries(self, *, user, person, kinds, limit): ...
        def count(self, *, user, person, kinds): ...

    timeline.register(VisitTimeline())

Rules for a source:

- It runs a **fixed number of queries** (one per model it reads, with
  `select_related` / `annotate`, each sliced to `limit`), never one per row.
- It answers only for the `kinds` asked (a subset of its own; it skips the
  queries of kinds not asked for) and at most `limit` entries per kind, its
  newest. The caller has already checked that `user` may view `person`; a
  source reads its rows through the gate again (`restrict(user, "view", links=False)`).
- Times: a record with a time of day keeps it; a record that only has a date
  (a visit, an assessment, a consent) is placed at **local midnight at the
  start of that day** and marked `all_day`, so it sorts below the same day's
  timed records and the page shows it without a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

DEFAULT_LIMIT = 20
MAX_LIMIT = 200


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: str  # a source's kind code, e.g. "visit", "consent", "help_request"
    at: dt.datetime  # aware; a date-only record sits at local midnight (all_day)
    title: str  # already translated
    detail: str = ""  # one short line
    status: str = ""  # translated status label, when the record has one
    link: str = ""  # the record's page, "" when that page does not exist (yet)
    icon: str = "circle"  # a bootstrap-icons name, without "bi-"
    actor: str = ""  # who did it, when known
    all_day: bool = False
    record_id: int = 0  # the record's pk: ties on `at` sort by it, newest first

    def sort_key(self):
        return (self.at, self.record_id, self.kind)


class TimelineSource(Protocol):
    kinds: Mapping[str, str]  # kind code -> label (lazy translation)

    def entries(self, *, user, person, kinds: set[str], limit: int) -> Iterable[Entry]:
        """At most `limit` newest entries of each asked kind."""

    def count(self, *, user, person, kinds: set[str]) -> int:
        """How many entries of the asked kinds exist (for page counts)."""


_sources: list[TimelineSource] = []


def register(source: TimelineSource) -> None:
    """Add a source once (apps call this from AppConfig.ready).

    A source may set `position` (default 50): its kinds are offered in that
    order, whatever order the apps happen to start in.
    """
    if all(type(s) is not type(source) for s in _sources):
        _sources.append(source)
        _sources.sort(key=lambda s: getattr(s, "position", 50))


def sources() -> list[TimelineSource]:
    return list(_sources)


def kinds() -> dict[str, str]:
    """Every kind code with its label, in registration order."""
    found: dict[str, str] = {}
    for source in _sources:
        found.update(source.kinds)
    return found


def _asked(source: TimelineSource, wanted: set[str] | None) -> set[str]:
    own = set(source.kinds)
    return own if wanted is None else own & wanted


def timeline(
    *, user, person, kinds: Iterable[str] | None = None, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> list[Entry]:
    """Entries of every source for `person`, newest first: `limit` of them after `offset`.

    Each source is asked for its newest `offset + limit` entries per kind, which
    is enough to fill this page whatever the mix; the query count stays fixed.
    """
    wanted = None if kinds is None else set(kinds)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    found: list[Entry] = []
    for source in _sources:
        asked = _asked(source, wanted)
        if asked:
            found.extend(
                source.entries(user=user, person=person, kinds=asked, limit=offset + limit)
            )
    found.sort(key=Entry.sort_key, reverse=True)
    return found[offset : offset + limit]


def count(*, user, person, kinds: Iterable[str] | None = None) -> int:
    wanted = None if kinds is None else set(kinds)
    total = 0
    for source in _sources:
        asked = _asked(source, wanted)
        if asked:
            total += source.count(user=user, person=person, kinds=asked)
    return total


# ---- helpers for sources -----------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    """A date-only record's place in time: local midnight at the start of the day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at) if timezone.is_aware(at) else timezone.make_aware(at)


_resolvable: dict[str, bool] = {}


def link(name: str, *args) -> str:
    """The URL of a record's page, or "" while that page does not exist.

    Casework pages are built by several hands at once; the timeline links to
    whichever already resolve, and starts linking the others the day they do.
    """
    if _resolvable.get(name) is False:
        return ""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        _resolvable[name] = False
        return ""
    _resolvable[name] = True
    return url


def actor_name(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.username
