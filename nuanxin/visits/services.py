"""Every write of the visits app: validated, in a transaction, scope re-checked, audited.

The per-person `VisitSchedule` (tier, why, next due) is derived data: every write
that can change it ends by calling `schedules_refresh` for the people concerned,
or enqueues a batch refresh when a whole area changes (policy, cold snap).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.regions.models import Level, Region, prefix_q
from nuanxin.registry.models import Contact, Disability, Enrollment, Person, Status, Tier
from nuanxin.registry.selectors import person_for_change

from . import rules
from .models import (
    EXPLAINING_OUTCOMES,
    ChecklistVersion,
    ColdSnap,
    CoverageSignoff,
    Finding,
    FindingKind,
    FollowUp,
    FollowUpKind,
    Method,
    Outcome,
    TierRaise,
    TierRule,
    Visit,
    VisitPolicy,
    VisitSchedule,
    VisitTally,
)

BATCH = 2000

# What an outcome or finding does to the person's status.
STATUS_OF_OUTCOME = {
    Outcome.IN_HOSPITAL: Status.IN_HOSPITAL,
    Outcome.MOVED: Status.MOVED,
    Outcome.DECEASED: Status.DECEASED,
}
STATUS_OF_FINDING = {
    FindingKind.IN_HOSPITAL: Status.IN_HOSPITAL,
    FindingKind.MOVED: Status.MOVED,
    FindingKind.DECEASED: Status.DECEASED,
    FindingKind.DISCHARGED: Status.ACTIVE,
}
OUT_OF_SCOPE = {Status.MOVED, Status.DECEASED}


def _require(user, action: str, region_code: str) -> None:
    if user is not None and not access.can(user, action, region_code):
        raise PermissionDenied(_("That region is outside your scope."))


# --- the schedule ------------------------------------------------------------


def policy_versions(day: dt.date | None = None) -> dict[str, list[rules.PolicyVersion]]:
    """All policy versions per tier (one query)."""
    versions: dict[str, list[rules.PolicyVersion]] = defaultdict(list)
    for p in VisitPolicy.objects.order_by("valid_from"):
        versions[p.tier].append(
            rules.PolicyVersion(
                p.valid_from, p.max_gap_days, tuple(p.methods), p.major_change_hours
            )
        )
    return versions


def _snaps_by_district(today: dt.date) -> dict[str, list[ColdSnap]]:
    by_district: dict[str, list[ColdSnap]] = defaultdict(list)
    snaps = ColdSnap.objects.filter(cancelled_at__isnull=True, ends_on__gte=today)
    for snap in snaps.prefetch_related("districts"):
        for district in snap.districts.all():
            by_district[district.prefix].append(snap)
    return by_district


def _snap_windows(snaps: list[ColdSnap], tier: str) -> list[rules.SnapWindow]:
    windows = []
    for snap in snaps:
        gap, methods = snap.gap_for(tier)
        if gap:
            windows.append(rules.SnapWindow(snap.starts_on, snap.ends_on, gap, tuple(methods)))
    return windows


def schedules_refresh(*, person_ids, today: dt.date | None = None) -> int:
    """Recompute tier, why and next due for these people, in batches. Returns rows written."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    tier_rules = list(TierRule.objects.filter(active=True))
    versions = policy_versions()
    snaps = _snaps_by_district(today)
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _refresh_batch(ids[start : start + BATCH], today, tier_rules, versions, snaps)
    return written


def _latest_assessments(ids) -> dict[int, tuple[int, str]]:
    """(adl_dependent, loneliness) of each person's latest needs assessment, one query."""
    from nuanxin.casework.models import Assessment  # casework builds on visits

    latest: dict[int, tuple[int, str]] = {}
    rows = Assessment.objects.filter(person_id__in=ids).order_by("person_id", "-version")
    for person_id, adl_dependent, loneliness in rows.values_list(
        "person_id", "adl_dependent", "loneliness"
    ):
        latest.setdefault(person_id, (adl_dependent, loneliness))
    return latest


def _grouped(rows) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for person_id, *rest in rows:
        out[person_id].append(tuple(rest))
    return out


def _refresh_batch(ids, today, tier_rules, versions, snaps) -> int:
    # Plain value queries, not prefetch_related: a refresh may cover a whole city.
    people = Person.objects.filter(pk__in=ids)
    enrollments = _grouped(
        Enrollment.objects.filter(person_id__in=ids).values_list(
            "person_id", "category", "start_date", "end_date"
        )
    )
    grades = _grouped(
        Disability.objects.filter(person_id__in=ids).values_list("person_id", "grade")
    )
    contacts = _grouped(
        Contact.objects.filter(person_id__in=ids).values_list(
            "person_id", "is_guardian", "is_emergency"
        )
    )
    assessed = _latest_assessments(ids)
    raises = defaultdict(list)
    for raised in TierRaise.objects.filter(person_id__in=ids, ends_on__gte=today).select_related(
        "created_by"
    ):
        raises[raised.person_id].append(raised)
    existing = {s.person_id: s for s in VisitSchedule.objects.filter(person_id__in=ids)}
    lasts = _lasts(ids)
    to_create, to_update, tier_changes = [], [], defaultdict(list)
    for person in people:
        facts = rules.facts_of(
            person,
            enrollments=enrollments.get(person.pk, ()),
            grades=[g for (g,) in grades.get(person.pk, ())],
            contacts=contacts.get(person.pk, ()),
            assessment=assessed.get(person.pk, ()),
            today=today,
        )
        decision = rules.tier_decide(
            rules=tier_rules, raises=raises.get(person.pk, ()), facts=facts, today=today
        )
        sched = existing.get(person.pk)
        if sched is None:
            if not decision.tier:
                continue  # never in scope: nothing to keep
            since = _since(person, enrollments.get(person.pk, ()), today)
            sched = VisitSchedule(person_id=person.pk, in_scope_since=since)
            to_create.append(sched)
        else:
            to_update.append(sched)
        since = _since(person, enrollments.get(person.pk, ()), today)
        _fill(sched, person, decision, since, lasts.get(person.pk, {}), versions, snaps, today)
        if person.tier != decision.tier:
            tier_changes[decision.tier].append(person.pk)
    VisitSchedule.objects.bulk_create(to_create, batch_size=500)
    _schedules_update(to_update)
    # Person.tier is a denormalised copy for the registry's lists and filters.
    for tier, pks in tier_changes.items():
        Person.objects.filter(pk__in=pks).update(tier=tier)
    return len(to_create) + len(to_update)


SCHEDULE_FIELDS = [
    "region_id",
    "tier",
    "tier_rank",
    "tier_why",
    "tier_rule_id",
    "tier_raise_id",
    "in_scope_since",
    "out_on",
    "active",
    "last_contact_on",
    "last_home_on",
    "major_change_at",
    "major_change_note",
    "due_on",
    "due_reason",
]


DATE_FIELDS = {"in_scope_since", "out_on", "last_contact_on", "last_home_on", "due_on"}


def _schedules_update(rows: list[VisitSchedule]) -> None:
    """One UPDATE per row through executemany: bulk_update's CASE chains cost minutes at scale."""
    if not rows:
        return
    ops = connection.ops
    sets = ", ".join(f"{f} = %s" for f in SCHEDULE_FIELDS)
    sql = f"UPDATE {VisitSchedule._meta.db_table} SET {sets}, updated_at = %s WHERE person_id = %s"
    now = ops.adapt_datetimefield_value(timezone.now())

    def values(s):
        out = []
        for f in SCHEDULE_FIELDS:
            value = getattr(s, f)
            if f == "major_change_at":
                value = ops.adapt_datetimefield_value(value)
            elif f in DATE_FIELDS:
                value = ops.adapt_datefield_value(value)
            out.append(value)
        return [*out, now, s.person_id]

    with connection.cursor() as cursor:
        cursor.executemany(sql, [values(s) for s in rows])


def _since(person, enrollments, today: dt.date) -> dt.date:
    """In scope since the earliest current enrollment began (or the person was recorded)."""
    recorded = timezone.localtime(person.created_at).date() if person.created_at else today
    starts = [start or recorded for _c, start, end in enrollments if end is None or end >= today]
    return min([*starts, today])


def _fill(sched, person, decision, since, last, versions, snaps, today) -> None:
    sched.region_id = person.region_id
    sched.last_contact_on = last.get("contact")
    sched.last_home_on = last.get("home")
    out = not decision.tier or person.status in OUT_OF_SCOPE
    if decision.tier:
        # Keep the last tier while out of scope: past months still count it.
        sched.tier, sched.tier_rank = decision.tier, rules.RANK[decision.tier]
        sched.tier_why = decision.why[:300]
        sched.tier_rule = decision.rule
        sched.tier_raise = decision.raised
    if out:
        sched.out_on = sched.out_on or today
    elif sched.out_on is not None:
        sched.out_on, sched.in_scope_since = None, today  # back in scope
    else:
        # An enrollment recorded with an earlier start date moves the start back.
        sched.in_scope_since = min(sched.in_scope_since, since)
    sched.active = not out and person.status == Status.ACTIVE
    if not sched.active:
        sched.due_on, sched.due_reason = None, ""
        return
    _due_fill(sched, versions, snaps, today)


def schedules_due_refresh(*, person_ids, today: dt.date | None = None) -> int:
    """Recompute only last contact and next due (the tier is unchanged): after a visit."""
    today = today or timezone.localdate()
    ids = list(person_ids)
    rows = list(VisitSchedule.objects.filter(person_id__in=ids, active=True))
    if not rows:
        return 0
    lasts = _lasts(ids)
    versions = policy_versions()
    snaps = _snaps_by_district(today)
    for sched in rows:
        last = lasts.get(sched.person_id, {})
        sched.last_contact_on, sched.last_home_on = last.get("contact"), last.get("home")
        _due_fill(sched, versions, snaps, today)
    _schedules_update(rows)
    return len(rows)


def _lasts(ids) -> dict[int, dict]:
    return {
        row["person_id"]: row
        for row in Visit.objects.filter(person_id__in=ids, outcome=Outcome.MET)
        .values("person_id")
        .annotate(contact=Max("visited_on"), home=Max("visited_on", filter=Q(method=Method.HOME)))
    }


def _due_fill(sched, versions, snaps, today) -> None:
    met_since_change = (
        sched.major_change_at
        and sched.last_contact_on
        and sched.last_contact_on >= timezone.localtime(sched.major_change_at).date()
    )
    if met_since_change:
        sched.major_change_at, sched.major_change_note = None, ""
    sched.due_on, sched.due_reason = rules.due_compute(
        versions=versions.get(sched.tier, []),
        since=sched.in_scope_since,
        last_home=sched.last_home_on,
        last_contact=sched.last_contact_on,
        snaps=_snap_windows(snaps.get(sched.region_id[:6], []), sched.tier),
        major_change_at=sched.major_change_at,
        today=today,
    )


def schedules_refresh_prefix(*, prefix: str, today: dt.date | None = None) -> int:
    """Refresh everyone under a region prefix (and anyone enrolled there not yet scheduled)."""
    ids = Person.objects.filter(prefix_q(prefix)).values_list("pk", flat=True).iterator(10000)
    return schedules_refresh(person_ids=ids, today=today)


def _refresh_later(prefixes: list[str]) -> None:
    from .tasks import schedules_refresh_task

    for prefix in prefixes:
        schedules_refresh_task.enqueue(prefix=prefix)


# --- tiers -------------------------------------------------------------------


@transaction.atomic
def tier_raise(
    *,
    user,
    person: Person,
    tier: str,
    reason: str,
    ends_on: dt.date,
    starts_on: dt.date | None = None,
    visit: Visit | None = None,
    request=None,
) -> TierRaise:
    """Raise a person's tier by hand until `ends_on`; the rules take over after it."""
    _require(user, access.Action.CHANGE, person.region_id)
    raised = TierRaise(
        person=person,
        tier=tier,
        reason=(reason or "").strip(),
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        visit=visit,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if not raised.reason:
        raise ValidationError({"reason": _("Say why the tier is raised.")})
    raised.full_clean()
    raised.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=raised,
        request=request,
        changes={"tier": tier, "until": ends_on.isoformat()},
        reason=raised.reason,
    )
    schedules_refresh(person_ids=[person.pk])
    return raised


# --- policies and cold snaps ------------------------------------------------


def _require_city_admin(user) -> None:
    if access.Role.CITY_ADMIN not in access.roles_of(user):
        raise PermissionDenied(_("Only the city administrator changes visit policies."))


def policy_set(
    *,
    user,
    tier: str,
    valid_from: dt.date,
    max_gap_days: int,
    methods: list[str],
    major_change_hours: int = 24,
    request=None,
) -> VisitPolicy:
    """Add a policy version for a tier, applying from `valid_from`; duties follow."""
    _require_city_admin(user)
    with transaction.atomic():
        policy = VisitPolicy(
            tier=tier,
            valid_from=valid_from,
            max_gap_days=max_gap_days,
            methods=list(methods),
            major_change_hours=major_change_hours,
            created_by=user,
        )
        policy.full_clean()
        policy.save()
        audit_record(user=user, action=AuditAction.CREATE, obj=policy, request=request)
    _refresh_later([r.prefix for r in Region.objects.filter(level=Level.DISTRICT)])
    return policy


def cold_snap_declare(
    *,
    user,
    name: str,
    district_codes: list[str],
    starts_on: dt.date,
    ends_on: dt.date,
    red_gap_days: int | None = None,
    red_methods: list[str] | None = None,
    yellow_gap_days: int | None = None,
    yellow_methods: list[str] | None = None,
    request=None,
) -> ColdSnap:
    """Declare a cold-snap alert for some districts; their people's duties follow."""
    from .defaults import COLD_SNAP

    _require_city_admin(user)
    districts = list(Region.objects.filter(code__in=district_codes, level=Level.DISTRICT))
    if not districts or len(districts) != len(set(district_codes)):
        raise ValidationError({"districts": _("Choose one or more districts.")})
    with transaction.atomic():
        snap = ColdSnap(
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            red_gap_days=red_gap_days or COLD_SNAP["red"][0],
            red_methods=red_methods or COLD_SNAP["red"][1],
            yellow_gap_days=yellow_gap_days or COLD_SNAP["yellow"][0],
            yellow_methods=yellow_methods or COLD_SNAP["yellow"][1],
            created_by=user,
        )
        snap.full_clean()
        snap.save()
        snap.districts.set(districts)
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            obj=snap,
            request=request,
            changes={
                "districts": sorted(district_codes),
                "from": str(starts_on),
                "to": str(ends_on),
            },
        )
    _refresh_later([d.prefix for d in districts])
    return snap


def cold_snap_cancel(*, user, snap: ColdSnap, request=None) -> ColdSnap:
    _require_city_admin(user)
    with transaction.atomic():
        snap.cancelled_at = timezone.now()
        snap.save(update_fields=["cancelled_at"])
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=snap,
            request=request,
            changes={"cancelled": True},
        )
    _refresh_later([d.prefix for d in snap.districts.all()])
    return snap


def cold_snaps_tick(*, today: dt.date | None = None) -> int:
    """Daily: where an alert ended yesterday, the normal policy resumes (no person is edited)."""
    today = today or timezone.localdate()
    ended = ColdSnap.objects.filter(ends_on=today - dt.timedelta(days=1)).prefetch_related(
        "districts"
    )
    written = 0
    for snap in ended:
        for district in snap.districts.all():
            written += schedules_refresh_prefix(prefix=district.prefix, today=today)
    return written


# --- visits ------------------------------------------------------------------


def checklist_current(day: dt.date | None = None) -> ChecklistVersion | None:
    day = day or timezone.localdate()
    return ChecklistVersion.objects.filter(valid_from__lte=day).order_by("-version").first()


def visit_record(
    *,
    user,
    person_id: int,
    visited_on: dt.date,
    method: str,
    with_whom: str,
    outcome: str,
    checklist: dict | None = None,
    notes: str = "",
    findings: list[dict] | None = None,
    client_id: str | None = None,
    request=None,
) -> tuple[Visit, bool]:
    """Record a visit and act on its findings. Returns (visit, created).

    The same client_id sent twice is stored once: the second call returns the
    first visit unchanged (a phone retrying over a bad network).
    """
    client_id = (client_id or "").strip() or None
    if client_id:
        seen = Visit.objects.filter(client_id=client_id).first()
        if seen is not None:
            _require(user, access.Action.VIEW, seen.region_id)
            return seen, False
    try:
        with transaction.atomic():
            visit = _visit_create(
                user=user,
                person_id=person_id,
                visited_on=visited_on,
                method=method,
                with_whom=with_whom,
                outcome=outcome,
                checklist=checklist or {},
                notes=notes,
                findings=findings or [],
                client_id=client_id,
                request=request,
            )
    except IntegrityError:
        # Two retries raced: the other one won; answer with its visit.
        seen = Visit.objects.filter(client_id=client_id).first() if client_id else None
        if seen is None:
            raise
        return seen, False
    return visit, True


def _visit_create(
    *,
    user,
    person_id,
    visited_on,
    method,
    with_whom,
    outcome,
    checklist,
    notes,
    findings,
    client_id,
    request,
) -> Visit:
    try:
        person = person_for_change(user=user, pk=person_id)
    except Http404:
        raise PermissionDenied(_("That person is outside your scope.")) from None
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    version = checklist_current(visited_on) if checklist else None
    visit = Visit(
        person=person,
        region_id=person.region_id,
        visited_on=visited_on,
        month=visited_on.replace(day=1),
        method=method,
        with_whom=with_whom,
        outcome=outcome,
        checklist_version=version,
        checklist=_clean_checklist(checklist, version),
        notes=notes,
        client_id=client_id,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
        late=_signed_off(person.region_id, visited_on),
    )
    # The person, checklist and user were just read: skip re-reading them to validate.
    visit.full_clean(exclude=["person", "checklist_version", "recorded_by", "client_id"])
    visit.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=visit,
        request=request,
        object_repr=f"{person} · {visited_on} · {visit.get_outcome_display()}",
        changes={"method": method, "outcome": outcome, "late": visit.late},
    )
    status = STATUS_OF_OUTCOME.get(outcome)
    for data in findings:
        status = _finding_apply(user, visit, person, data, request) or status
    _rectifications_create(visit, person)
    if status and status != person.status:
        _status_set(user, person, status, request)  # the registry's signal re-derives the tier
    schedules_due_refresh(person_ids=[person.pk])
    _tally_recount(person.pk, visit.month)
    if visit.month < today.replace(day=1):
        _stored_coverage_drop(person.region_id, visit.month)
    return visit


def _tally_sql(where: str) -> str:
    """INSERT … SELECT: the monthly tallies of the visits matching `where`, counted afresh."""
    methods = Method.values
    counts = ", ".join(
        f"SUM(CASE WHEN outcome = '{Outcome.MET}' AND method = '{m}' THEN 1 ELSE 0 END)"
        for m in methods
    )
    explaining = ", ".join(f"'{o}'" for o in EXPLAINING_OUTCOMES)
    return f"""
        INSERT INTO {VisitTally._meta.db_table}
            (month, person_id, region_id, split, {", ".join(f"n_{m}" for m in methods)}, explained)
        SELECT month, person_id, MIN(region_id), MIN(region_id) <> MAX(region_id), {counts},
               MAX(CASE WHEN outcome IN ({explaining}) THEN 1 ELSE 0 END) = 1
        FROM {Visit._meta.db_table} WHERE {where}
        GROUP BY month, person_id
    """


def _tally_recount(person_id: int, month: dt.date) -> None:
    """The person's tally for the month, from their visits (the caller holds their row lock)."""
    # split=either: two seeks into the (month, split, person, …) index, not a month's scan.
    VisitTally.objects.filter(month=month, split__in=[False, True], person_id=person_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(_tally_sql("person_id = %s AND month = %s"), [person_id, month])


def visit_tallies_rebuild() -> int:
    """Recount every monthly tally from the visits; returns how many there are.

    For bulk loads that write visits straight into the table (demo history, bench)
    and `visits_refresh --tallies`: about a minute for 13 million visits.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        VisitTally.objects.all().delete()
        cursor.execute(_tally_sql("1 = 1"))
    return VisitTally.objects.count()


def _stored_coverage_drop(region_id: str, month: dt.date) -> None:
    """A late visit changes that month's figures for the region and all above it."""
    from .models import CoverageMonth

    codes = {region_id, region_id[:12]}
    codes |= {region_id[:n].ljust(12, "0") for n in (4, 6, 9)}
    CoverageMonth.objects.filter(region_code__in=codes, month=month).delete()


def _clean_checklist(answers: dict, version: ChecklistVersion | None) -> dict:
    if not answers:
        return {}
    if version is None:
        raise ValidationError({"checklist": _("No checklist is in force for that date.")})
    known = {item["code"] for item in version.items}
    cleaned = {}
    for code, value in answers.items():
        if code not in known:
            raise ValidationError({"checklist": _("Unknown checklist item: %(c)s") % {"c": code}})
        if value not in ("ok", "fail", "na"):
            raise ValidationError({"checklist": _("Answer each item ok, fail or n/a.")})
        cleaned[code] = value
    return cleaned


def _finding_apply(user, visit, person, data: dict, request) -> str | None:
    """Store one finding and do what it says; returns a new status, if any."""
    kind = data.get("kind")
    finding = Finding(
        visit=visit,
        kind=kind,
        text=(data.get("text") or "").strip(),
        tier=data.get("tier") or "",
        ends_on=data.get("ends_on"),
    )
    if kind == FindingKind.RAISE_TIER and not (finding.tier and finding.ends_on):
        raise ValidationError({"findings": _("Raising the tier needs the tier and an end date.")})
    finding.full_clean()
    finding.save()
    if kind == FindingKind.RAISE_TIER:
        tier_raise(
            user=user,
            person=person,
            tier=finding.tier,
            reason=finding.text,
            ends_on=finding.ends_on,
            starts_on=visit.visited_on,
            visit=visit,
            request=request,
        )
    elif kind in (FindingKind.MAJOR_CHANGE, FindingKind.DISCHARGED):
        # The 24-hour rule runs from when it was recorded.
        VisitSchedule.objects.filter(person_id=person.pk).update(
            major_change_at=timezone.now(), major_change_note=finding.text[:200]
        )
    elif kind == FindingKind.FOLLOW_UP:
        FollowUp.objects.create(
            person=person,
            region_id=person.region_id,
            visit=visit,
            finding=finding,
            kind=data.get("follow_up_kind") or FollowUpKind.HELP_REQUEST,
            text=finding.text,
            repeat_days=int(data.get("repeat_days") or 0),
            due_on=data.get("due_on") or visit.visited_on,
            task_kind=data.get("task_kind") or "",
            assignee_id=data.get("assignee") or None,
        )
    return STATUS_OF_FINDING.get(kind)


def _rectifications_create(visit: Visit, person: Person) -> None:
    """Each failed gas-safety (or CO) item becomes a rectification follow-up."""
    if not visit.checklist or visit.checklist_version is None:
        return
    items = {i["code"]: i for i in visit.checklist_version.items}
    # One save each, not bulk_create: casework picks follow-ups up on post_save.
    for code, answer in visit.checklist.items():
        if answer == "fail" and items[code].get("rectify"):
            FollowUp.objects.create(
                person=person,
                region_id=person.region_id,
                visit=visit,
                kind=FollowUpKind.RECTIFICATION,
                # The checklist keeps labels as msgids; the follow-up (and the task
                # casework makes of it) reads in the recorder's language, like typed text.
                text=_(items[code]["label"])[:300],
                checklist_item=code,
                due_on=visit.visited_on + dt.timedelta(days=3),
            )


def _status_set(user, person: Person, status: str, request) -> None:
    from nuanxin.registry.services import person_update

    person_update(user=user, person=person, status=status, request=request)


def _signed_off(region_id: str, day: dt.date) -> bool:
    if day >= timezone.localdate().replace(day=1):
        return False  # only finished months are signed off
    return CoverageSignoff.objects.filter(
        region_id=region_id[:12], month=day.replace(day=1)
    ).exists()


# --- monthly sign-off ----------------------------------------------------------


@transaction.atomic
def coverage_sign(*, user, region_code: str, month: dt.date, request=None) -> CoverageSignoff:
    """The community worker signs the community's figures for a finished month."""
    from .selectors import coverage_compute

    region = Region.objects.filter(code=region_code, level=Level.COMMUNITY).first()
    if region is None or not _has_role_over(user, access.Role.COMMUNITY_WORKER, region.code):
        raise PermissionDenied(_("Only the community's worker signs its figures."))
    month = month.replace(day=1)
    if rules.month_bounds(month)[1] >= timezone.localdate():
        raise ValidationError({"month": _("A month can be signed off once it has ended.")})
    if CoverageSignoff.objects.filter(region=region, month=month).exists():
        raise ValidationError({"month": _("This month is already signed off.")})
    figures = coverage_compute(region=region, month=month).total.as_dict()
    signoff = CoverageSignoff.objects.create(
        region=region, month=month, figures=figures, signed_by=user, signed_at=timezone.now()
    )
    audit_record(
        user=user, action=AuditAction.CREATE, obj=signoff, request=request, changes=figures
    )
    return signoff


@transaction.atomic
def coverage_countersign(*, user, signoff: CoverageSignoff, request=None) -> CoverageSignoff:
    """The street countersigns a community's signed month (who and when are kept)."""
    if not _has_role_over(user, access.Role.STREET_OFFICER, signoff.region_id):
        raise PermissionDenied(_("Only the street countersigns."))
    if signoff.countersigned_at is not None:
        raise ValidationError({"month": _("Already countersigned.")})
    signoff.countersigned_by, signoff.countersigned_at = user, timezone.now()
    signoff.save(update_fields=["countersigned_by", "countersigned_at"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=signoff,
        request=request,
        changes={"countersigned": True},
    )
    return signoff


def _has_role_over(user, role: str, code: str) -> bool:
    return any(
        r == role and code.startswith(prefix)
        for r, prefix in access._memberships(user)  # noqa: SLF001 — the one place roles are read
    )


def tier_label(tier: str) -> str:
    return Tier(tier).label if tier else ""
