"""Reads for care arrangements, always through the gate; the caregiver duty source.

Duties (nuanxin.core.duties):

- a dispersed 特困 person without an agreement active today is a duty from the
  day the need arose (enrolment, or the day after the last agreement ended):
  due today, a blind spot tomorrow;
- an absence with no substitute is due 24 hours after it was reported, to the
  hour (like a help request's SLA): past that moment it is a blind spot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.core import access, duties
from nuanxin.directory.models import OrganisationAccount
from nuanxin.regions.models import PREFIX_LENGTH, Level, Region, level_of
from nuanxin.registry.models import (
    ORPHAN_CATEGORIES,
    Category,
    Contact,
    Enrollment,
    Person,
    Status,
)

from .models import (
    CHECK_EVERY,
    CareAbsence,
    CareAgreement,
    CareCheck,
    CareSubstitute,
    GuardianEvaluation,
    GuardianSituation,
    Pairing,
    PairingActivity,
    Screening,
    ScreeningItem,
    ScreeningStatus,
)


def _moment(today: dt.date) -> dt.datetime:
    """'Now' for a list of `today`: the clock today, the end of that day otherwise."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))


# --- agreements ------------------------------------------------------------------------


def _open_gap(now: dt.datetime):
    """An absence going on now (or reported, still to come) with no substitute named."""
    return CareAbsence.objects.filter(
        agreement_id=OuterRef("pk"), ends_at__gt=now, substitute__isnull=True
    )


def agreement_list(
    *, user, region: str = "", active: bool = False, today: dt.date | None = None
) -> QuerySet[CareAgreement]:
    """Agreements in the user's reach, newest first; a fixed number of queries."""
    today = today or timezone.localdate()
    rows = CareAgreement.objects.restrict(user, access.Action.VIEW, links=False).within(region)
    if active:
        rows = rows.active_on(today)
    return rows.select_related("person", "organisation").annotate(
        gap=Exists(_open_gap(_moment(today)))
    )


def agreement_get(*, user, pk: int) -> CareAgreement:
    return access.get_or_404(
        CareAgreement.objects.select_related(
            "person", "street", "organisation", "created_by", "renews"
        ),
        user,
        pk=pk,
        links=False,
    )


def agreement_absences(*, agreement: CareAgreement) -> list[CareAbsence]:
    """An agreement's absences with their substitutes, newest first (one query)."""
    return list(
        CareAbsence.objects.filter(agreement=agreement)
        .select_related("substitute", "substitute__organisation", "recorded_by")
        .order_by("-starts_at", "-id")
    )


def person_agreements(*, user, person: Person) -> QuerySet[CareAgreement]:
    return CareAgreement.objects.restrict(user, access.Action.VIEW, links=False).filter(
        person=person
    )


@dataclasses.dataclass(frozen=True)
class ActiveCaregiver:
    """Who cares for a person at a moment: the caregiver, or her named substitute.

    `uncovered` is the absence still waiting for a substitute (the caregiver is
    away and nobody is named yet); the agreement's caregiver stays the
    responsible party until one is.
    """

    agreement: CareAgreement
    name: str
    phone: str
    kind: str
    substitute: CareSubstitute | None = None
    absence: CareAbsence | None = None
    uncovered: CareAbsence | None = None


def active_caregiver(*, user, person: Person, at: dt.datetime | None = None):
    """The active caregiver of `person` at `at` (now), or None without an agreement.

    Two queries: the agreement active that day, and an absence covering the moment.
    """
    at = at or timezone.now()
    agreement = (
        person_agreements(user=user, person=person)
        .active_on(timezone.localtime(at).date())
        .select_related("organisation")
        .order_by("-starts_on")
        .first()
    )
    if agreement is None:
        return None
    absence = (
        CareAbsence.objects.filter(agreement=agreement, starts_at__lte=at, ends_at__gt=at)
        .select_related("substitute", "substitute__organisation")
        .order_by("-starts_at")
        .first()
    )
    substitute = getattr(absence, "substitute", None) if absence else None
    if substitute is not None:
        return ActiveCaregiver(
            agreement=agreement,
            name=substitute.caregiver_name,
            phone=substitute.caregiver_phone,
            kind=substitute.caregiver_kind,
            substitute=substitute,
            absence=absence,
        )
    return ActiveCaregiver(
        agreement=agreement,
        name=agreement.caregiver_name,
        phone=agreement.caregiver_phone,
        kind=agreement.caregiver_kind,
        absence=absence,
        uncovered=absence,
    )


def absence_get(*, user, pk: int) -> CareAbsence:
    return access.get_or_404(
        CareAbsence.objects.select_related("agreement", "person"), user, pk=pk, links=False
    )


# --- who still needs a caregiver ----------------------------------------------------------


def _uncared(*, user, today: dt.date, region: str = "") -> QuerySet[Enrollment]:
    """`without_caregiver`'s rows, bare (no annotation, no order)."""
    agreements = CareAgreement.objects.filter(person_id=OuterRef("person_id"))
    return (
        Enrollment.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .active_on(today)
        .filter(category=Category.TEKUN_DISPERSED)
        .exclude(person__status__in=[Status.DECEASED, Status.MOVED])
        .exclude(Exists(agreements.active_on(today)))
    )


def without_caregiver(*, user, today: dt.date, region: str = "") -> QuerySet[Enrollment]:
    """Dispersed 特困 enrolments (active, person alive and here) with no agreement today.

    Annotated with the end of the person's last agreement; one query.
    """
    agreements = CareAgreement.objects.filter(person_id=OuterRef("person_id"))
    return (
        _uncared(user=user, today=today, region=region)
        .annotate(
            last_end=agreements.order_by()
            .values("person_id")
            .annotate(m=Max("ends_on"))
            .values("m")
        )
        .select_related("person")
        .order_by("person__region_id", "person_id")
    )


def need_since(enrollment) -> dt.date:
    """The day a caregiver was first missing: enrolment, or the day after the last agreement."""
    started = enrollment.start_date or timezone.localtime(enrollment.created_at).date()
    last_end = getattr(enrollment, "last_end", None)
    if last_end is not None:
        return max(started, last_end + dt.timedelta(days=1))
    return started


def uncovered_absences(*, user, now: dt.datetime, region: str = "") -> QuerySet[CareAbsence]:
    """Absences not yet over with no substitute named, the most urgent first."""
    return (
        _absences_open(user=user, now=now, region=region)
        .select_related("person", "agreement")
        .order_by("substitute_due_at", "id")
    )


def _absences_open(*, user, now: dt.datetime, region: str = "") -> QuerySet[CareAbsence]:
    return (
        CareAbsence.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .filter(ends_at__gt=now, substitute__isnull=True)
    )


class CaregiverDuties:
    kind = "caregiver"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """People without a caregiver today, absences not covered (see core.duties)."""
        return [
            _uncared(user=user, today=today, region=region),
            _absences_open(user=user, now=_moment(today), region=region),
        ]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        now = _moment(today)
        end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
        found = [
            self._missing(e)
            for e in without_caregiver(user=user, today=today, region=region)[:limit]
            if need_since(e) <= until
        ]
        absences = uncovered_absences(user=user, now=now, region=region).filter(
            substitute_due_at__lt=end
        )
        found += [self._absence(a, now) for a in absences[:limit]]
        return found

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        now = _moment(today)
        found = [
            self._missing(e)
            for e in without_caregiver(user=user, today=today, region=region)[:limit]
            if need_since(e) < today
        ]
        # To the hour: 23 hours after the report it is still due, 25 hours after it is late.
        absences = uncovered_absences(user=user, now=now, region=region).filter(
            substitute_due_at__lt=now
        )
        found += [self._absence(a, now) for a in absences[:limit]]
        return found

    @staticmethod
    def _missing(e: Enrollment) -> duties.Duty:
        p = e.person
        return duties.Duty(
            kind="caregiver",
            person_id=p.pk,
            person_name=p.name,
            region_id=p.region_id,
            due_on=need_since(e),
            tier=p.tier or "",
            label=_("Dispersed 特困: no active caregiver agreement"),
            link=reverse("care:agreement_new", args=[p.pk]),
            address=p.address,
            phone=p.phone,
        )

    @staticmethod
    def _absence(a: CareAbsence, now: dt.datetime) -> duties.Duty:
        due = timezone.localtime(a.substitute_due_at)
        if a.substitute_due_at < now:
            label = _("Caregiver away (%(reason)s): no substitute named by %(due)s") % {
                "reason": a.reason,
                "due": f"{due:%Y-%m-%d %H:%M}",
            }
        else:
            label = _("Caregiver away (%(reason)s): name a substitute by %(due)s") % {
                "reason": a.reason,
                "due": f"{due:%Y-%m-%d %H:%M}",
            }
        return duties.Duty(
            kind="caregiver",
            person_id=a.person_id,
            person_name=a.person.name,
            region_id=a.region_id,
            due_on=due.date(),
            tier=a.person.tier or "",
            label=label,
            link=reverse("care:agreement_detail", args=[a.agreement_id]),
            address=a.person.address,
            phone=a.person.phone,
        )


# --- checks -------------------------------------------------------------------------------


def agreement_checks(*, agreement: CareAgreement) -> list[CareCheck]:
    return list(
        CareCheck.objects.filter(agreement=agreement)
        .select_related("checked_by", "rectification")
        .order_by("-checked_on", "-id")
    )


def _agreements_active(*, user, today: dt.date, region: str = "") -> QuerySet[CareAgreement]:
    return (
        CareAgreement.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .active_on(today)
    )


def checks_due(*, user, today: dt.date, until: dt.date, region: str = ""):
    """Agreements active today whose next check (30 days after the last, or after the
    start) falls on or before `until`; annotated with `last_check`. One query."""
    return (
        _agreements_active(user=user, today=today, region=region)
        .annotate(last_check=Coalesce(Max("checks__checked_on"), "starts_on"))
        .filter(last_check__lte=until - CHECK_EVERY)
        .select_related("person")
        .order_by("last_check", "id")
    )


def check_rate(*, user, region: str, today: dt.date) -> dict:
    """This month's check rate in a region: active agreements with a check since the 1st.

    One query, whatever the number of agreements.
    """
    first = today.replace(day=1)
    checked = Exists(CareCheck.objects.filter(agreement_id=OuterRef("pk"), checked_on__gte=first))
    figures = (
        CareAgreement.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .active_on(today)
        .aggregate(total=Count("id"), checked=Count("id", filter=checked))
    )
    total, checked = figures["total"] or 0, figures["checked"] or 0
    return {
        "total": total,
        "checked": checked,
        "rate": round(100 * checked / total) if total else None,
    }


class CheckDuties:
    """A caregiver check due at least monthly per active agreement."""

    kind = "caregiver_check"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every agreement active today (see core.duties: whatever its last check)."""
        return [_agreements_active(user=user, today=today, region=region)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = checks_due(user=user, today=today, until=until, region=region)[:limit]
        return [self._duty(a) for a in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        until = today - dt.timedelta(days=1)
        rows = checks_due(user=user, today=today, until=until, region=region)[:limit]
        return [self._duty(a) for a in rows]

    @staticmethod
    def _duty(a: CareAgreement) -> duties.Duty:
        p = a.person
        return duties.Duty(
            kind="caregiver_check",
            person_id=p.pk,
            person_name=p.name,
            region_id=a.region_id,
            due_on=a.last_check + CHECK_EVERY,
            tier=p.tier or "",
            label=_("Caregiver check due (%(name)s)") % {"name": a.caregiver_name},
            link=reverse("care:check_new", args=[a.pk]),
            address=p.address,
            phone=p.phone,
        )


class CheckRateCard:
    """Officers' home page: the month's caregiver check rate in the area."""

    position = 40
    template = "care/_card_checks.html"

    def context(self, *, user, region, today) -> dict | None:
        if not access.can(user, access.Action.VIEW, region.code):
            return None
        figures = check_rate(user=user, region=region.prefix, today=today)
        if not figures["total"]:
            return None
        return {"checks": figures}


# --- pairing (结对帮扶) ------------------------------------------------------------------

# Children a pairing is for: registered orphans and de-facto unsupported children.
PAIRED_CATEGORIES = (*sorted(ORPHAN_CATEGORIES), Category.UNSUPPORTED_CHILD)
# A newly registered child is due a partner within this many days.
PAIR_WITHIN = dt.timedelta(days=30)


def _my_organisation(user):
    return OrganisationAccount.objects.filter(user_id=user.pk).values("organisation_id")


def _partner(user) -> bool:
    return getattr(user, "is_authenticated", False) and access.Role.PARTNER_CONTACT in (
        access.roles_of(user)
    )


def _my_pairings(user):
    return Pairing.objects.filter(organisation_id__in=_my_organisation(user)).active_on(
        timezone.localdate()
    )


def person_link(user, action: str) -> Q | None:
    """A partner contact's paired children: to read (name, age, school, guardian)."""
    if action != access.Action.VIEW or not _partner(user):
        return None
    return Q(pk__in=_my_pairings(user).values("person_id"))


def pairing_link(user, action: str) -> Q | None:
    """Their organisation's current pairings: to read, and to log activities (a change)."""
    if action not in (access.Action.VIEW, access.Action.CHANGE) or not _partner(user):
        return None
    return Q(pk__in=_my_pairings(user).values("pk"))


def activity_link(user, action: str) -> Q | None:
    """The activities of those pairings: to read."""
    if action != access.Action.VIEW or not _partner(user):
        return None
    return Q(pairing_id__in=_my_pairings(user).values("pk"))


def pairing_list(*, user, region: str = "", active: bool = True) -> QuerySet[Pairing]:
    """Pairings the user reaches (by region, or a partner's own), newest first."""
    rows = Pairing.objects.restrict(user, access.Action.VIEW).within(region)
    if active:
        rows = rows.active_on(timezone.localdate())
    return rows.select_related("organisation", "person").order_by("organisation__name", "id")


def pairing_get(*, user, pk: int) -> Pairing:
    return access.get_or_404(Pairing.objects.select_related("organisation", "person"), user, pk=pk)


def pairing_activities(*, user, pairing: Pairing) -> QuerySet[PairingActivity]:
    return (
        PairingActivity.objects.restrict(user, access.Action.VIEW)
        .filter(pairing=pairing)
        .select_related("recorded_by")
        .order_by("-held_on", "-id")
    )


@dataclasses.dataclass(frozen=True)
class PartnerChild:
    """What a partner sees of their paired child, and nothing more."""

    pairing_id: int
    person_id: int
    name: str
    age: int | None
    school: str
    grade: str
    guardian_name: str
    guardian_phone: str


def partner_children(*, user, person_ids=None) -> dict[int, PartnerChild]:
    """person id -> the partner's view of each paired child; two queries."""
    pairings = _my_pairings(user).select_related("person") if _partner(user) else []
    if person_ids is not None and pairings:
        pairings = pairings.filter(person_id__in=list(person_ids))
    pairings = list(pairings)
    guardians: dict[int, Contact] = {}
    ids = [p.person_id for p in pairings]
    if ids:
        for c in Contact.objects.filter(person_id__in=ids, is_guardian=True).order_by("id"):
            guardians.setdefault(c.person_id, c)
    found = {}
    for p in pairings:
        g = guardians.get(p.person_id)
        found[p.person_id] = PartnerChild(
            pairing_id=p.pk,
            person_id=p.person_id,
            name=p.person.name,
            age=p.person.age,
            school=p.school,
            grade=p.grade,
            guardian_name=g.name if g else "",
            guardian_phone=g.phone if g else "",
        )
    return found


def _unpaired(*, user, today: dt.date, region: str) -> QuerySet[Enrollment]:
    """`_eligible(…).filter(paired=False)`, bare (no annotation, no order)."""
    paired = Pairing.objects.filter(person_id=OuterRef("person_id")).active_on(today)
    return _calling_for_partner(user=user, today=today, region=region).exclude(Exists(paired))


def _calling_for_partner(*, user, today: dt.date, region: str) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .active_on(today)
        .filter(category__in=PAIRED_CATEGORIES)
        .exclude(person__status__in=[Status.DECEASED, Status.MOVED])
    )


def _eligible(*, user, today: dt.date, region: str) -> QuerySet[Enrollment]:
    """Enrolments that call for a partner (orphans, de-facto unsupported children), alive
    and here; annotated with whether the child is paired today."""
    return (
        _calling_for_partner(user=user, today=today, region=region)
        .annotate(
            paired=Exists(Pairing.objects.filter(person_id=OuterRef("person_id")).active_on(today))
        )
        .select_related("person")
        .order_by("person__region_id", "person__name_pinyin", "person_id")
    )


@dataclasses.dataclass
class PairingCoverage:
    region: Region
    eligible: int
    paired: int
    unpaired: list  # [(person_id, name, region_id)]


def pairing_coverage(*, user, region_code: str = "", today: dt.date | None = None):
    """Every eligible child in a region the user reaches: paired, or listed as unpaired.

    Two queries (the region, the children) whatever the region's size; a child
    holding two eligible categories counts once.
    """
    from nuanxin.visits.selectors import region_for

    today = today or timezone.localdate()
    region = region_for(user=user, code=region_code)
    seen: dict[int, tuple] = {}
    for e in _eligible(user=user, today=today, region=region.prefix):
        if e.person_id not in seen or e.paired:
            seen[e.person_id] = (e.paired, e.person.name, e.person.region_id)
    unpaired = [(pid, name, code) for pid, (paired, name, code) in seen.items() if not paired]
    return PairingCoverage(
        region=region,
        eligible=len(seen),
        paired=len(seen) - len(unpaired),
        unpaired=unpaired,
    )


class PairingDuties:
    """An orphan or de-facto unsupported child without a partner, 30 days after enrolment."""

    kind = "pairing"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every child due a partner and not paired today (see core.duties: any date)."""
        return [_unpaired(user=user, today=today, region=region)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        return self._duties(user, today, region, until, limit)

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        return self._duties(user, today, region, today - dt.timedelta(days=1), limit)

    @staticmethod
    def _duties(user, today, region, until, limit):
        found: dict[int, duties.Duty] = {}
        rows = _eligible(user=user, today=today, region=region).filter(paired=False)
        for e in rows[:limit]:
            started = e.start_date or timezone.localtime(e.created_at).date()
            due_on = started + PAIR_WITHIN
            if due_on > until or e.person_id in found:
                continue
            p = e.person
            found[p.pk] = duties.Duty(
                kind="pairing",
                person_id=p.pk,
                person_name=p.name,
                region_id=p.region_id,
                due_on=due_on,
                tier=p.tier or "",
                label=_("No pairing partner (%(category)s)")
                % {"category": e.get_category_display()},
                link=reverse("care:pairing_new", args=[p.pk]),
                address=p.address,
                phone=p.phone,
            )
        return list(found.values())


# --- screening (摸排) --------------------------------------------------------------------


def screening_link(user, action: str) -> Q | None:
    """A screening of a district is read by the streets and communities whose people it
    names (their own part of it: items and progress stay scoped by region)."""
    if action != access.Action.VIEW or user is None or access.has_link_role(user):
        return None
    items = ScreeningItem.objects.restrict(user, access.Action.VIEW, links=False)
    return Q(pk__in=items.values("screening_id"))


def screening_list(*, user, region: str = "") -> QuerySet[Screening]:
    """Screenings the user reaches, newest first, with their counts (one query)."""
    return (
        Screening.objects.restrict(user, access.Action.VIEW)
        .within(region)
        .select_related("region")
        .annotate(
            n_scope=Count("items", distinct=True),
            n_done=Count("items", filter=Q(items__done_at__isnull=False), distinct=True),
        )
        .order_by("-opened_at", "-id")
    )


def screening_get(*, user, pk: int) -> Screening:
    return access.get_or_404(Screening.objects.select_related("region", "opened_by"), user, pk=pk)


def screening_items(
    *, user, screening: Screening, open_only: bool = False, action: str = access.Action.VIEW
):
    rows = (
        ScreeningItem.objects.restrict(user, action, links=False)
        .filter(screening=screening)
        .select_related("person", "done_by")
        .order_by("region_id", "person__name_pinyin", "id")
    )
    return rows.filter(done_at__isnull=True) if open_only else rows


@dataclasses.dataclass(frozen=True)
class Progress:
    code: str
    name: str
    in_scope: int
    done: int

    @property
    def open(self) -> int:
        return self.in_scope - self.done


def screening_progress(*, user, screening: Screening) -> tuple[Progress, list[Progress]]:
    """The whole screening and each region one level below it: in scope, done, open.

    Two queries (the counts grouped by child region, their names) whatever the size.
    """
    level = level_of(screening.region_id)
    child_len = PREFIX_LENGTH[Level(min(level + 1, Level.GRID))]
    rows = (
        ScreeningItem.objects.restrict(user, access.Action.VIEW, links=False)
        .filter(screening=screening)
        .annotate(child=Substr("region_id", 1, child_len))
        .values("child")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False)))
        .order_by("child")
    )
    rows = list(rows)
    codes = [r["child"].ljust(12, "0") if len(r["child"]) < 12 else r["child"] for r in rows]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    children = [
        Progress(code, names.get(code, code), r["total"], r["done"])
        for code, r in zip(codes, rows, strict=True)
    ]
    total = Progress(
        screening.region_id,
        screening.region.name,
        sum(c.in_scope for c in children),
        sum(c.done for c in children),
    )
    return total, children


class ScreeningDuties:
    """Each person still without a result in an open screening, due by its deadline."""

    kind = "screening"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every item without a result in an open screening (see core.duties: any deadline)."""
        return [self._open(user, region)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(screening__deadline__lte=until)
        return [self._duty(i) for i in rows[:limit]]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region).filter(screening__deadline__lt=today)
        return [self._duty(i) for i in rows[:limit]]

    @staticmethod
    def _open(user, region: str):
        return (
            ScreeningItem.objects.restrict(user, access.Action.VIEW, links=False)
            .within(region)
            .filter(done_at__isnull=True, screening__status=ScreeningStatus.OPEN)
        )

    @staticmethod
    def _rows(user, region: str):
        rows = ScreeningDuties._open(user, region)
        return rows.select_related("screening", "person").order_by("screening__deadline", "id")

    @staticmethod
    def _duty(i: ScreeningItem) -> duties.Duty:
        p = i.person
        return duties.Duty(
            kind="screening",
            person_id=p.pk,
            person_name=p.name,
            region_id=i.region_id,
            due_on=i.screening.deadline,
            tier=p.tier or "",
            label=_("Screening: %(title)s") % {"title": i.screening.title},
            link=reverse("care:screening_result", args=[i.screening_id, p.pk]),
            address=p.address,
            phone=p.phone,
        )


# --- guardianship ----------------------------------------------------------------------------


def guardians_of(*, user, person: Person) -> list[Contact]:
    """The child's guardians (contacts marked guardian) with their evaluation, if any."""
    return list(
        Contact.objects.restrict(user, access.Action.VIEW, links=False)
        .filter(person=person, is_guardian=True)
        .select_related("evaluation")
        .order_by("id")
    )


def guardian_gaps(*, user, region: str = "") -> QuerySet[GuardianEvaluation]:
    """Children whose guardian is missing or unable and no measure is recorded yet."""
    return (
        GuardianEvaluation.objects.restrict(user, access.Action.VIEW, links=False)
        .within(region)
        .exclude(situation=GuardianSituation.ABLE)
        .filter(measure="")
        .select_related("person", "guardian")
        .order_by("evaluated_on", "id")
    )


class GuardianshipDuties:
    """A child whose guardian is missing or unable: unmet from the evaluation day until a
    measure is recorded (a blind spot at once, not a day later)."""

    kind = "guardianship"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every gap with no measure yet, evaluated by `today` (see core.duties)."""
        return [guardian_gaps(user=user, region=region).filter(evaluated_on__lte=today)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        return self.overdue(user=user, today=today, region=region, limit=limit)

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = guardian_gaps(user=user, region=region).filter(evaluated_on__lte=today)
        return [self._duty(e) for e in rows[:limit]]

    @staticmethod
    def _duty(e: GuardianEvaluation) -> duties.Duty:
        p = e.person
        return duties.Duty(
            kind="guardianship",
            person_id=p.pk,
            person_name=p.name,
            region_id=e.region_id,
            due_on=e.evaluated_on,
            tier=p.tier or "",
            label=_("Guardian %(name)s %(situation)s: no measure recorded")
            % {"name": e.guardian.name, "situation": e.get_situation_display()},
            link=reverse("care:guardianship", args=[p.pk]),
            address=p.address,
            phone=p.phone,
        )


# --- tier facts -----------------------------------------------------------------------------


def caregiver_facts(ids, today: dt.date) -> dict[int, dict]:
    """For the tier rules: a dispersed 特困 person has a reliable caregiver when an
    entrusted-care agreement is active today, whatever their contacts say. Two queries."""
    tekun = set(
        Enrollment.objects.active_on(today)
        .filter(person_id__in=ids, category=Category.TEKUN_DISPERSED)
        .values_list("person_id", flat=True)
    )
    if not tekun:
        return {}
    cared = set(
        CareAgreement.objects.active_on(today)
        .filter(person_id__in=tekun)
        .values_list("person_id", flat=True)
    )
    return {pid: {"has_carer": pid in cared} for pid in tekun}


def caregiver_facts_sql(today: dt.date):
    """`caregiver_facts` for the set-based schedule rebuild: 1/0 for each dispersed 特困
    person enrolled today, by whether an agreement is active today."""
    from django.db import connection

    from nuanxin.visits.rebuild import FactsSQL

    day = connection.ops.adapt_datefield_value(today)
    agreements = CareAgreement._meta.db_table
    return FactsSQL(
        sql=f"SELECT e.person_id, MAX(CASE WHEN EXISTS (SELECT 1 FROM {agreements} a "
        f"WHERE a.person_id = e.person_id AND a.starts_on <= %s "
        f"AND (a.ends_on IS NULL OR a.ends_on >= %s)) THEN 1 ELSE 0 END) AS has_carer "
        f"FROM {Enrollment._meta.db_table} e WHERE e.category = %s "
        f"AND (e.start_date IS NULL OR e.start_date <= %s) "
        f"AND (e.end_date IS NULL OR e.end_date >= %s) "
        f"AND e.person_id IN ({{people}}) GROUP BY e.person_id",
        params=[day, day, Category.TEKUN_DISPERSED, day, day],
        fields=("has_carer",),
    )


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, links and the dashboard card."""
    from nuanxin.core import cards
    from nuanxin.visits import derive

    duties.register(CaregiverDuties())
    duties.register(CheckDuties())
    duties.register(PairingDuties())
    duties.register(ScreeningDuties())
    duties.register(GuardianshipDuties())
    cards.register(CheckRateCard())
    derive.register_facts(caregiver_facts, sql=caregiver_facts_sql)
    access.register_link("registry.Person", person_link, fields={"age", "guardian", "school"})
    access.register_link("care.Pairing", pairing_link)
    access.register_link("care.PairingActivity", activity_link)
    access.register_link("care.Screening", screening_link)


def guardian_may_consent(guardian, day) -> str:
    """Why a guardian evaluated missing or unable to care may not consent for the child
    (the registry asks before recording an under-14's consent), or "" when they may."""
    evaluation = (
        GuardianEvaluation.objects.filter(guardian=guardian, evaluated_on__lte=day)
        .only("situation")
        .first()
    )
    if evaluation is None or evaluation.situation == GuardianSituation.ABLE:
        return ""
    return _(
        "%(name)s was evaluated as %(situation)s: consent must come from a guardian able "
        "to care, or from whoever the measure appointed."
    ) % {"name": guardian.name, "situation": evaluation.get_situation_display()}
