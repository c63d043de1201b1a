"""Reads for oversight: the spot-check draw (a pure function of the data), samples, the
daily report, the duty source and the dashboard card. Always through the gate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.casework.models import RequestStatus
from nuanxin.core import access, duties
from nuanxin.regions.models import Level, Region, district_of
from nuanxin.registry.models import Enrollment, Person, Status

from .models import (
    DEFAULT_COUNT,
    DEFAULT_SKIP_DAYS,
    CallStatus,
    SpotCheckCall,
    SpotCheckDraw,
    SpotCheckSetting,
)

# --- the draw (docs/oversight.md) ------------------------------------------------------


def seed_of(day: dt.date, street_code: str) -> tuple[str, int]:
    """SHA-256 of "YYYY-MM-DD:STREETCODE" (the 12-digit padded code): (hex, first 8 bytes)."""
    digest = hashlib.sha256(f"{day.isoformat()}:{street_code}".encode("ascii")).digest()
    return digest.hex(), int.from_bytes(digest[:8], "big")


@dataclasses.dataclass(frozen=True)
class Rule:
    count: int | None
    share: int | None
    skip_days: int

    def size(self, candidates: int) -> int:
        """How many to draw from `candidates` people: the count, or the share rounded up."""
        if self.count:
            wanted = self.count
        elif self.share:
            wanted = math.ceil(candidates * self.share / 100)
        else:
            wanted = DEFAULT_COUNT
        return min(wanted, candidates)


def rule_for(district_code: str) -> Rule:
    """The district's setting, or the default (five a street, 30 days' rest)."""
    setting = SpotCheckSetting.objects.filter(region_id=district_code).first()
    if setting is None:
        return Rule(count=DEFAULT_COUNT, share=None, skip_days=DEFAULT_SKIP_DAYS)
    return Rule(count=setting.count, share=setting.share, skip_days=setting.skip_days)


def setting_get(*, user, district_code: str) -> SpotCheckSetting | None:
    return SpotCheckSetting.objects.restrict(user).filter(region_id=district_code).first()


def candidates(street_code: str, day: dt.date, skip_days: int) -> list[int]:
    """Ids of the street's assistance recipients on `day`, ascending: active people with an
    enrollment open that day, less those reached by a spot-check in the `skip_days` before.

    The system's reach (user=None): the sample is the same whoever asks first.
    """
    enrolled = Enrollment.objects.active_on(day).filter(person_id=OuterRef("pk"))
    recent = SpotCheckCall.objects.filter(
        person_id=OuterRef("pk"),
        status=CallStatus.REACHED,
        day__gte=day - dt.timedelta(days=skip_days),
        day__lt=day,
    )
    people = (
        Person.objects.restrict(None)
        .within(street_code)
        .filter(status=Status.ACTIVE)
        .filter(Exists(enrolled))
        .exclude(Exists(recent))
        .order_by("pk")
    )
    return list(people.values_list("pk", flat=True))


def draw(street_code: str, day: dt.date) -> tuple[str, int, list[int]]:
    """(seed hex, number of candidates, the drawn ids in drawn order) for a street and day.

    Python's `random.Random` (Mersenne Twister) seeded with the first 8 bytes of the
    digest, big-endian, then `sample` over the ids sorted ascending: anyone with the same
    data and the same algorithm gets the same list.
    """
    rule = rule_for(district_of(street_code))
    ids = candidates(street_code, day, rule.skip_days)
    seed_hex, seed = seed_of(day, street_code)
    chosen = random.Random(seed).sample(ids, rule.size(len(ids)))  # noqa: S311 - not secrecy
    return seed_hex, len(ids), chosen


# --- samples and calls ------------------------------------------------------------------


def region_for(*, user, code: str = "") -> Region:
    """The region a page is about: the one asked for if the user reaches any of it, else
    their widest. 404 when out of sight."""
    reach = access.scope(user, access.Action.VIEW)
    if not code:
        widest = reach.widest()
        if not widest:
            raise Http404
        code = widest.ljust(12, "0")
    if not reach.touches(code):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    return region


def street_of(region: Region) -> Region | None:
    """The street a region is or lies in (None above street level)."""
    if region.level < Level.STREET:
        return None
    if region.level == Level.STREET:
        return region
    return Region.objects.filter(code=region.code[:9].ljust(12, "0")).first()


def draw_stored(street_code: str, day: dt.date) -> SpotCheckDraw | None:
    return SpotCheckDraw.objects.filter(region_id=street_code, day=day).first()


def calls_of(*, user, street_code: str, day: dt.date) -> QuerySet[SpotCheckCall]:
    """The day's sample of a street that the user may see, in drawn order."""
    return (
        SpotCheckCall.objects.restrict(user)
        .filter(draw__region_id=street_code, day=day)
        .select_related("person", "help_request")
        .order_by("position")
    )


def call_get(*, user, pk: int, action: str = access.Action.VIEW) -> SpotCheckCall:
    return access.get_or_404(
        SpotCheckCall.objects.select_related("person", "draw__region", "help_request"),
        user,
        action,
        pk=pk,
    )


def streets_under(*, user, region: Region) -> list[Region]:
    """The streets of a district (or the street itself) the user reaches any of."""
    if region.level >= Level.STREET:
        street = street_of(region)
        return [street] if street else []
    reach = access.scope(user, access.Action.VIEW)
    found = Region.objects.filter(level=Level.STREET, parent__code__in=_districts_in(region))
    return [r for r in found.order_by("code") if reach.touches(r.code)]


def _districts_in(region: Region) -> list[str]:
    if region.level == Level.DISTRICT:
        return [region.code]
    return list(
        Region.objects.filter(parent=region, level=Level.DISTRICT).values_list("code", flat=True)
    )


# --- the daily report ----------------------------------------------------------------------

CLOSED_REQUEST = (RequestStatus.RESOLVED, RequestStatus.CLOSED)


@dataclasses.dataclass
class ReportRow:
    code: str
    name: str
    drawn: int = 0
    reached: int = 0
    problems: int = 0
    follow_ups_opened: int = 0
    follow_ups_closed: int = 0

    @property
    def follow_ups(self) -> int:
        return self.follow_ups_opened


@dataclasses.dataclass
class Report:
    region: Region
    day: dt.date
    rows: list[ReportRow]

    @property
    def total(self) -> ReportRow:
        total = ReportRow(code=self.region.code, name=self.region.name)
        for row in self.rows:
            total.drawn += row.drawn
            total.reached += row.reached
            total.problems += row.problems
            total.follow_ups_opened += row.follow_ups_opened
            total.follow_ups_closed += row.follow_ups_closed
        return total


PROBLEM_Q = Q(status=CallStatus.REACHED) & (Q(ok=False) | ~Q(needs=""))


def report(*, user, region: Region, day: dt.date, action: str = access.Action.VIEW) -> Report:
    """Per street of `region` (calls the user reaches for `action`): drawn, reached,
    problems, follow-ups (help requests) opened and closed. Two queries."""
    rows = (
        SpotCheckCall.objects.restrict(user, action)
        .within(region.code)
        .filter(day=day)
        .values("draw__region_id", "draw__region__name")
        .annotate(
            drawn=Count("pk"),
            reached=Count("pk", filter=Q(status=CallStatus.REACHED)),
            problems=Count("pk", filter=PROBLEM_Q),
            opened=Count("pk", filter=Q(help_request__isnull=False)),
            closed=Count("pk", filter=Q(help_request__status__in=CLOSED_REQUEST)),
        )
        .order_by("draw__region_id")
    )
    return Report(
        region=region,
        day=day,
        rows=[
            ReportRow(
                code=r["draw__region_id"],
                name=r["draw__region__name"],
                drawn=r["drawn"],
                reached=r["reached"],
                problems=r["problems"],
                follow_ups_opened=r["opened"],
                follow_ups_closed=r["closed"],
            )
            for r in rows
        ],
    )


# --- the duty source ---------------------------------------------------------------------


class SpotCheckDuties:
    """Drawn calls not yet reached: due on their day, overdue after it."""

    kind = "spot_check"

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._open(user, region).filter(day__lte=until)[:limit]
        return [self._duty(c) for c in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._open(user, region).filter(day__lt=today)[:limit]
        return [self._duty(c) for c in rows]

    @staticmethod
    def _open(user, region: str) -> QuerySet[SpotCheckCall]:
        return (
            SpotCheckCall.objects.restrict(user, links=False)
            .within(region)
            .exclude(status=CallStatus.REACHED)
            .select_related("person")
            .order_by("day", "region_id", "position")
        )

    @staticmethod
    def _duty(call: SpotCheckCall) -> duties.Duty:
        person = call.person
        return duties.Duty(
            kind="spot_check",
            person_id=person.pk,
            person_name=person.name,
            region_id=call.region_id,
            due_on=call.day,
            tier=person.tier,
            label=_("Spot-check call"),
            link=reverse("oversight:call_record", args=[call.pk]),
            address=person.address,
            phone=person.phone,
        )


# --- the dashboard card ------------------------------------------------------------------


class SpotCheckCard:
    """A district's (or street's) home page: yesterday's spot-check report."""

    position = 45
    template = "oversight/_card_spot_checks.html"

    def context(self, *, user, region, today) -> dict | None:
        if region.level > Level.STREET or not access.can(user, access.Action.VIEW, region.code):
            return None
        found = report(user=user, region=region, day=today - dt.timedelta(days=1))
        if not found.rows:
            return None
        return {"spot_report": found}
