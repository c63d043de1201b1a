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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.accounts.selectors import users_over
from nuanxin.casework.models import RequestStatus
from nuanxin.core import access, duties, timeline
from nuanxin.directory.models import Organisation, OrganisationKind
from nuanxin.regions.models import Level, Region, district_of
from nuanxin.registry.models import Enrollment, Person, Status

from .models import (
    DEFAULT_COUNT,
    DEFAULT_SKIP_DAYS,
    CallStatus,
    Encounter,
    Finding,
    Inspection,
    Outcome,
    Patrol,
    RectificationStatus,
    SpotCheckCall,
    SpotCheckDraw,
    SpotCheckSetting,
    SupervisionPlan,
    SupervisionTeam,
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
    return report_between(user=user, region=region, start=day, end=day, action=action)


def report_between(
    *, user, region: Region, start: dt.date, end: dt.date, action: str = access.Action.VIEW
) -> Report:
    """The daily report's figures summed over the days from `start` to `end` (the month's)."""
    rows = (
        SpotCheckCall.objects.restrict(user, action)
        .within(region.code)
        .filter(day__gte=start, day__lte=end)
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
        day=start,
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

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every call not yet reached (see core.duties: any day)."""
        return [
            SpotCheckCall.objects.restrict(user, links=False)
            .within(region)
            .exclude(status=CallStatus.REACHED)
        ]

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


# --- joint supervision -----------------------------------------------------------------------


def teams(*, user) -> QuerySet[SupervisionTeam]:
    return SupervisionTeam.objects.restrict(user).prefetch_related("departments")


def plans(*, user) -> QuerySet[SupervisionPlan]:
    return SupervisionPlan.objects.restrict(user).select_related("team").prefetch_related("targets")


def inspection_list(*, user, region: str = "") -> QuerySet[Inspection]:
    return (
        Inspection.objects.restrict(user)
        .within(region)
        .select_related("region", "plan__team")
        .annotate(
            findings_count=Count("findings", distinct=True),
            open_count=Count(
                "findings",
                filter=~Q(findings__status=RectificationStatus.VERIFIED),
                distinct=True,
            ),
        )
        .order_by("-on", "-id")
    )


def inspection_get(*, user, pk: int) -> Inspection:
    return access.get_or_404(
        Inspection.objects.select_related("region", "plan__team", "created_by"), user, pk=pk
    )


def findings_of(*, user, inspection: Inspection) -> QuerySet[Finding]:
    return (
        Finding.objects.restrict(user)
        .filter(inspection=inspection)
        .select_related("owner", "responsible_unit", "created_by")
    )


def finding_get(*, user, pk: int) -> Finding:
    return access.get_or_404(
        Finding.objects.select_related(
            "inspection__region", "owner", "responsible_unit", "created_by", "verified_by"
        ),
        user,
        pk=pk,
    )


def rectifications(
    *, user, today: dt.date, region: str = "", overdue: bool = False, mine: bool = False
) -> QuerySet[Finding]:
    """Findings and their rectifications in reach; `overdue`: still open past the deadline."""
    qs = (
        Finding.objects.restrict(user)
        .within(region)
        .select_related("owner", "inspection__region")
        .order_by("deadline", "id")
    )
    if overdue:
        qs = qs.filter(status=RectificationStatus.OPEN, deadline__lt=today)
    if mine:
        qs = qs.filter(owner=user)
    return qs


def rectification_counts(*, user, region: str, today: dt.date) -> dict:
    """Open, overdue and awaiting verification in reach (one query)."""
    return (
        Finding.objects.restrict(user)
        .within(region)
        .aggregate(
            open=Count("pk", filter=Q(status=RectificationStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=RectificationStatus.OPEN, deadline__lt=today)),
            to_verify=Count("pk", filter=Q(status=RectificationStatus.DONE)),
        )
    )


def departments_for(district_code: str) -> QuerySet[Organisation]:
    """Departments a district's team may draw on: its own and the city's."""
    return Organisation.objects.within(district_code).filter(
        kind=OrganisationKind.DEPARTMENT, active=True
    )


def owners_for(region_code: str):
    return users_over(region_code, OWNER_ROLES)


OWNER_ROLES = (
    access.Role.DISTRICT_OFFICER,
    access.Role.STREET_OFFICER,
    access.Role.COMMUNITY_WORKER,
    access.Role.GRID_WORKER,
    access.Role.SOCIAL_WORKER,
)


@dataclasses.dataclass(frozen=True)
class LedgerLink:
    label: str
    url: str


def ledgers_for(*, user, region: Region, today: dt.date) -> list[LedgerLink]:
    """The system's own ledgers of a place an inspection reviews: each an export the user
    may download (the export right over the place), with the usual audit."""
    if not access.can(user, access.Action.EXPORT, region.code):
        return []
    month = f"{today:%Y-%m}"
    return [
        LedgerLink(_("People"), f"{reverse('ledgers:people_export')}?region={region.code}"),
        LedgerLink(
            _("Visits: coverage"),
            f"{reverse('visits:coverage')}?region={region.code}&month={month}",
        ),
        LedgerLink(
            _("Blind spots"),
            f"{reverse('visits:blind_spots')}?region={region.code}&month={month}&export=xlsx",
        ),
        LedgerLink(
            _("Spot-check daily report"),
            f"{reverse('oversight:spot_check_report')}?region={region.code}&export=xlsx",
        ),
    ]


class RectificationDuties:
    """Open rectifications: a duty of their owner, due by the deadline."""

    kind = "rectification"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every open rectification (see core.duties: any deadline)."""
        return [
            Finding.objects.restrict(user, links=False)
            .within(region)
            .filter(status=RectificationStatus.OPEN)
        ]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._open(user, region).filter(deadline__lte=until)[:limit]
        return [self._duty(f) for f in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._open(user, region).filter(deadline__lt=today)[:limit]
        return [self._duty(f) for f in rows]

    @staticmethod
    def _open(user, region: str) -> QuerySet[Finding]:
        return (
            Finding.objects.restrict(user, links=False)
            .within(region)
            .filter(status=RectificationStatus.OPEN)
            .order_by("deadline", "id")
        )

    @staticmethod
    def _duty(finding: Finding) -> duties.Duty:
        return duties.Duty(
            kind="rectification",
            person_id=0,  # a unit's rectification names no person
            person_name=finding.responsible_name,
            region_id=finding.region_id,
            due_on=finding.deadline,
            label=_("Rectification: %(text)s") % {"text": finding.text[:60]},
            link=reverse("oversight:finding_detail", args=[finding.pk]),
            owner_id=finding.owner_id,
        )


class RectificationCard:
    """A district's home page: rectifications open, overdue and awaiting verification."""

    position = 46
    template = "oversight/_card_rectifications.html"

    def context(self, *, user, region, today) -> dict | None:
        if region.level > Level.STREET or not access.can(user, access.Action.VIEW, region.code):
            return None
        counts = rectification_counts(user=user, region=region.prefix, today=today)
        if not any(counts.values()):
            return None
        return {"rectifications": counts}


def places_in(district_code: str) -> list[Region]:
    """The streets and communities of a district, for a plan's targets."""
    return list(
        Region.objects.filter(Q(parent_id=district_code) | Q(parent__parent_id=district_code))
        .filter(level__in=[Level.STREET, Level.COMMUNITY])
        .order_by("code")[:1000]
    )


def inspection_places(*, user, plan: SupervisionPlan) -> list[Region]:
    """The plan's places and the communities of its streets that the user may change."""
    targets = list(plan.targets.all())
    below = Region.objects.filter(parent__in=targets, level=Level.COMMUNITY)
    found = {r.code: r for r in [*targets, *below]}
    return [r for code, r in sorted(found.items()) if access.can(user, access.Action.CHANGE, code)]


# --- street rescue -----------------------------------------------------------------------------


def patrols(*, user, region: str = "") -> QuerySet[Patrol]:
    return (
        Patrol.objects.restrict(user)
        .within(region)
        .select_related("region")
        .annotate(encounters_count=Count("encounters"))
        .order_by("-started_at", "-id")
    )


def patrol_get(*, user, pk: int) -> Patrol:
    return access.get_or_404(Patrol.objects.select_related("region"), user, pk=pk)


def encounters_of(*, user, patrol: Patrol) -> QuerySet[Encounter]:
    return (
        Encounter.objects.restrict(user)
        .filter(patrol=patrol)
        .select_related("person")
        .order_by("at", "id")
    )


def winter_of(today: dt.date) -> tuple[dt.date, dt.date]:
    """The winter season a day lies in, or the last one before it: 1 November to 31 March."""
    year = today.year if today.month >= 11 else today.year - 1
    return dt.date(year, 11, 1), dt.date(year + 1, 3, 31)


def people_visible(*, user, ids: set[int]) -> set[int]:
    """Which of these people the user may see by region (one query)."""
    if not ids:
        return set()
    return set(
        Person.objects.restrict(user, links=False).filter(pk__in=ids).values_list("pk", flat=True)
    )


def iso_week(at: dt.datetime) -> str:
    """The ISO week of the local date of `at`, as "2026-W03" (a night patrol's 1 a.m. counts
    on the calendar day it happened)."""
    year, week, _weekday = timezone.localtime(at).isocalendar()
    return f"{year}-W{week:02d}"


@dataclasses.dataclass
class SeasonReport:
    region: Region
    start: dt.date
    end: dt.date
    total: int
    by_outcome: dict[str, int]  # every outcome, 0 included
    by_district: list[dict]  # {"region", "name", "total", "outcomes": {...}}
    by_week: list[dict]  # {"week", "total", "outcomes": {...}}


def season_report(
    *, user, region: Region, start: dt.date, end: dt.date, action: str = access.Action.VIEW
) -> SeasonReport:
    """Encounters from `start` to `end` (local dates, both included) in reach: by outcome, by
    district and by ISO week. Two queries: the rows' three columns and the district names."""
    low = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    high = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    rows = list(
        Encounter.objects.restrict(user, action)
        .within(region.code)
        .filter(at__gte=low, at__lt=high)
        .values_list("region_id", "outcome", "at")
    )
    empty = dict.fromkeys(Outcome.values, 0)
    by_outcome = dict(empty)
    districts: dict[str, dict] = {}
    weeks: dict[str, dict] = {}
    for code, outcome, at in rows:
        by_outcome[outcome] += 1
        for key, table in ((code, districts), (iso_week(at), weeks)):
            entry = table.setdefault(key, {"total": 0, "outcomes": dict(empty)})
            entry["total"] += 1
            entry["outcomes"][outcome] += 1
    names = dict(Region.objects.filter(code__in=list(districts)).values_list("code", "name"))
    return SeasonReport(
        region=region,
        start=start,
        end=end,
        total=len(rows),
        by_outcome=by_outcome,
        by_district=[
            {"region": code, "name": names.get(code, code), **districts[code]}
            for code in sorted(districts)
        ],
        by_week=[{"week": week, **weeks[week]} for week in sorted(weeks)],
    )


class EncounterTimeline:
    """An identified person's encounters with the street-rescue patrols."""

    position = 60
    kinds = {"encounter": gettext_lazy("Street-rescue encounters")}

    def _rows(self, user, person):
        return Encounter.objects.restrict(user, access.Action.VIEW, links=False).filter(
            person=person
        )

    def entries(self, *, user, person, kinds, limit):
        if "encounter" not in kinds:
            return []
        rows = self._rows(user, person).select_related("patrol").order_by("-at", "-id")[:limit]
        return [
            timeline.Entry(
                kind="encounter",
                at=timeline.local(e.at),
                record_id=e.pk,
                title=_("Street-rescue encounter: %(outcome)s")
                % {"outcome": e.get_outcome_display()},
                detail=" · ".join(x for x in (e.place, e.condition) if x),
                link=reverse("oversight:patrol_detail", args=[e.patrol_id]),
                icon="moon-stars",
                actor=e.patrol.team,
            )
            for e in rows
        ]

    def count(self, *, user, person, kinds) -> int:
        return self._rows(user, person).count() if "encounter" in kinds else 0
