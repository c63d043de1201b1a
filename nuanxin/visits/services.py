"""Every write of the visits app: validated, in a transaction, scope re-checked, audited.

The per-person `VisitSchedule` (tier, why, next due) is derived data (`derive`):
every write that can change it ends by refreshing the people concerned, or
enqueues a batch refresh when a whole area changes (policy, cold snap).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.errors import Conflict
from nuanxin.core.tiers import Tier
from nuanxin.regions.models import Level, Region
from nuanxin.registry.models import Person, Status
from nuanxin.registry.selectors import person_for_change
from nuanxin.registry.services import person_update

from . import derive, rules, selectors, signals
from .models import (
    ChecklistVersion,
    ColdSnap,
    CoverageMonth,
    CoverageSignoff,
    Finding,
    FindingKind,
    FollowUp,
    FollowUpKind,
    Outcome,
    TierRaise,
    Visit,
    VisitPolicy,
    VisitSchedule,
)
from .tasks import schedules_refresh_task

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


def _refresh_later(prefixes: list[str]) -> None:
    for prefix in prefixes:
        schedules_refresh_task.enqueue(prefix=prefix)


def schedules_refresh_everywhere() -> None:
    """Queue a refresh of every district (a tier rule or policy changed in the admin)."""
    _refresh_later([r.prefix for r in Region.objects.filter(level=Level.DISTRICT)])


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
    access.require(user, access.Action.CHANGE, person)
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
    derive.schedules_refresh(person_ids=[person.pk])
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
    schedules_refresh_everywhere()
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
        seen = _seen(user, client_id, person_id)
        if seen is not None:
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
        seen = _seen(user, client_id, person_id) if client_id else None
        if seen is None:
            raise
        return seen, False
    return visit, True


def _seen(user, client_id: str, person_id: int) -> Visit | None:
    """The author's own visit sent with this client id, if any (a retry).

    A client id belongs to its author: another user's is never looked at, and
    the same id for another person is a conflict, not someone else's record.
    """
    author = user if getattr(user, "is_authenticated", False) else None
    seen = Visit.objects.filter(recorded_by=author, client_id=client_id).first()
    if seen is None:
        return None
    if seen.person_id != person_id:
        raise Conflict(
            {
                "client_id": _(
                    "This client id was already used for a visit to someone else; "
                    "send this visit with a new one."
                )
            },
            code="conflict",
        )
    return seen


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
    person = person_for_change(user=user, pk=person_id)  # 404 out of sight, 403 read-only
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    version = selectors.checklist_current(visited_on) if checklist else None
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
    stored = []
    for data in findings:
        finding, changed = _finding_apply(user, visit, person, data, request)
        stored.append(finding)
        status = changed or status
    # The visit's findings are these, in this order (by id): the answer need not read them.
    visit.stored_findings = stored
    _rectifications_create(visit, person)
    if status and status != person.status:
        # The registry's signal re-derives the tier.
        person_update(user=user, person=person, status=status, request=request)
    derive.schedules_due_refresh(person_ids=[person.pk])
    derive.tally_recount(person.pk, visit.month)
    if visit.month < today.replace(day=1):
        derive.stored_coverage_drop(person.region_id, visit.month)
    return visit


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


def _finding_apply(user, visit, person, data: dict, request) -> tuple[Finding, str | None]:
    """Store one finding and do what it says; returns it and a new status, if any."""
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
    finding.full_clean(exclude=["visit"])  # the visit was just saved: no need to read it
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
        _follow_up_create(
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
    return finding, STATUS_OF_FINDING.get(kind)


def _rectifications_create(visit: Visit, person: Person) -> None:
    """Each failed gas-safety (or CO) item becomes a rectification follow-up."""
    if not visit.checklist or visit.checklist_version is None:
        return
    items = {i["code"]: i for i in visit.checklist_version.items}
    for code, answer in visit.checklist.items():
        if answer == "fail" and items[code].get("rectify"):
            _follow_up_create(
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


def _follow_up_create(**fields) -> FollowUp:
    """Store a follow-up and tell whoever acts on it (casework), in this transaction."""
    follow_up = FollowUp.objects.create(**fields)
    signals.follow_up_created.send(sender=FollowUp, follow_up=follow_up)
    return follow_up


def _signed_off(region_id: str, day: dt.date) -> bool:
    if day >= timezone.localdate().replace(day=1):
        return False  # only finished months are signed off
    return CoverageSignoff.objects.filter(
        region_id=region_id[:12], month=day.replace(day=1)
    ).exists()


# --- stored figures ---------------------------------------------------------------


def coverage_months_store(*, region: Region, months: int, today: dt.date) -> int:
    """Count and keep the trend's finished months that are not stored (a late visit drops
    a month, see `derive.stored_coverage_drop`). Returns how many were stored."""
    missing = selectors.coverage_months_missing(region=region, months=months, today=today)
    for month in missing:
        figures = selectors.coverage_compute(region=region, month=month, today=today).total
        CoverageMonth.objects.update_or_create(
            region_code=region.code,
            month=month,
            defaults={
                "in_scope": figures.in_scope,
                "visited": figures.visited,
                "explained": figures.explained,
            },
        )
    return len(missing)


# --- monthly sign-off ----------------------------------------------------------


@transaction.atomic
def coverage_sign(*, user, region_code: str, month: dt.date, request=None) -> CoverageSignoff:
    """The community worker signs the community's figures for a finished month."""
    region = Region.objects.filter(code=region_code, level=Level.COMMUNITY).first()
    if region is None or not access.holds_role(user, access.Role.COMMUNITY_WORKER, region.code):
        raise PermissionDenied(_("Only the community's worker signs its figures."))
    month = month.replace(day=1)
    if rules.month_bounds(month)[1] >= timezone.localdate():
        raise ValidationError({"month": _("A month can be signed off once it has ended.")})
    if CoverageSignoff.objects.filter(region=region, month=month).exists():
        raise ValidationError({"month": _("This month is already signed off.")})
    figures = selectors.coverage_compute(region=region, month=month).total.as_dict()
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
    if not access.holds_role(user, access.Role.STREET_OFFICER, signoff.region_id):
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


def tier_label(tier: str) -> str:
    return Tier(tier).label if tier else ""
