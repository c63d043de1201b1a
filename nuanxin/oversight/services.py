"""Writes for oversight: the spot-check setting, storing a day's draw, recording calls,
and turning a problem found on a call into a help request."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.casework.models import Source, Urgency
from nuanxin.casework.services.requests import need_from_text, request_create
from nuanxin.core import access
from nuanxin.core.errors import Conflict
from nuanxin.directory.models import Organisation, OrganisationKind
from nuanxin.regions.models import Level, Region, contains
from nuanxin.registry.models import Person

from . import selectors
from .models import (
    CallAttempt,
    CallStatus,
    Encounter,
    Finding,
    Inspection,
    Patrol,
    RectificationStatus,
    SpotCheckCall,
    SpotCheckDraw,
    SpotCheckSetting,
    SupervisionPlan,
    SupervisionTeam,
)

# --- the district's setting -----------------------------------------------------------


@transaction.atomic
def spot_check_setting_save(
    *,
    user,
    district_code: str,
    count: int | None = None,
    share: int | None = None,
    skip_days: int = 30,
    request=None,
) -> SpotCheckSetting:
    """Set how many (or what share) of each street's recipients the district calls daily."""
    district = Region.objects.filter(code=district_code, level=Level.DISTRICT).first()
    if district is None:
        raise ValidationError({"region": _("Choose a district.")})
    access.require_region(user, access.Action.CHANGE, district.code)
    if bool(count) == bool(share):
        raise ValidationError({"count": _("Give either a number of people or a share, not both.")})
    setting = SpotCheckSetting.objects.select_for_update().filter(region=district).first()
    setting = setting or SpotCheckSetting(region=district)
    setting.count, setting.share, setting.skip_days = count or None, share or None, skip_days
    setting.updated_by = user if getattr(user, "is_authenticated", False) else None
    setting.full_clean(exclude=["region", "updated_by"])
    setting.save()
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=setting,
        request=request,
        object_repr=f"{district.name} spot-check",
        changes={"count": setting.count, "share": setting.share, "skip_days": skip_days},
    )
    access.recheck(user, access.Action.CHANGE, setting)
    return setting


# --- the draw ----------------------------------------------------------------------------


def spot_check_draw(*, user, street_code: str, day: dt.date) -> SpotCheckDraw:
    """The street's sample for `day`: the stored one, or drawn now and stored.

    Anyone who sees part of the street may cause the draw (an inspector redrawing
    included): it is a function of the data, so who asks first changes nothing. A
    day to come cannot be drawn — its recipients and rest list are not known yet.
    """
    street = Region.objects.filter(code=street_code, level=Level.STREET).first()
    if street is None or not access.scope(user, access.Action.VIEW).touches(street_code):
        raise Http404
    found = selectors.draw_stored(street.code, day)
    if found is not None:
        return found
    if day > timezone.localdate():
        raise ValidationError({"date": _("A day to come cannot be drawn yet.")})
    try:
        with transaction.atomic():
            return _draw_store(street, day)
    except IntegrityError:  # drawn meanwhile by another request: theirs is the same list
        return SpotCheckDraw.objects.get(region=street, day=day)


def spot_check_draw_scheduled(*, street: Region, day: dt.date) -> bool:
    """The daily job's draw (no user: the sample is a function of the data). True if drawn now,
    False when it was already stored."""
    if selectors.draw_stored(street.code, day) is not None:
        return False
    try:
        with transaction.atomic():
            _draw_store(street, day)
    except IntegrityError:  # drawn meanwhile by a page view: the same list
        return False
    return True


def _draw_store(street: Region, day: dt.date) -> SpotCheckDraw:
    seed_hex, candidates, chosen = selectors.draw(street.code, day)
    drawn = SpotCheckDraw.objects.create(
        region=street, day=day, seed=seed_hex, candidates=candidates, size=len(chosen)
    )
    regions = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "region_id"))
    SpotCheckCall.objects.bulk_create(
        SpotCheckCall(draw=drawn, person_id=pk, region_id=regions[pk], day=day, position=position)
        for position, pk in enumerate(chosen, start=1)
    )
    audit_record(
        user=None,
        action=AuditAction.CREATE,
        obj=drawn,
        object_repr=f"{street.name} {day} spot-check sample",
        changes={"seed": seed_hex, "candidates": candidates, "size": len(chosen)},
    )
    return drawn


# --- calls -------------------------------------------------------------------------------


def call_for(*, user, person_id: int, day: dt.date) -> SpotCheckCall:
    """The call of a person's sample on `day` (404 when not drawn, or out of sight)."""
    return access.get_or_404(
        SpotCheckCall.objects.select_related("person"), user, person_id=person_id, day=day
    )


@transaction.atomic
def call_record(
    *,
    user,
    call_id: int,
    reached: bool,
    ok: bool | None = None,
    needs: str = "",
    winter_issue: str = "",
    epidemic_issue: str = "",
    notes: str = "",
    client_id: str | None = None,
    open_request: bool = False,
    need_type: str = "",
    urgency: str = Urgency.NORMAL,
    at: dt.datetime | None = None,
    request=None,
) -> SpotCheckCall:
    """Record one dial. Not reached: call again later that day. Reached: the outcome; with
    `open_request` a problem becomes a help request in the same step.

    A retry with a `client_id` this user already sent changes nothing.
    """
    client_id = (client_id or "").strip() or None
    if client_id:
        seen = CallAttempt.objects.filter(by=user, client_id=client_id).first()
        if seen is not None:
            if seen.call_id != call_id:
                raise Conflict({"client_id": _("This client id was used for another call.")})
            return selectors.call_get(user=user, pk=call_id)
    call = access.get_or_404(
        SpotCheckCall.objects.select_related("person"),
        user,
        access.Action.CHANGE,
        pk=call_id,
        for_update=True,
        links=False,
    )
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("A call cannot be recorded in the future.")})
    if call.status == CallStatus.REACHED:
        raise ValidationError({"reached": _("This person was already reached today.")})
    needs, notes = needs.strip(), notes.strip()
    if reached and ok is None:
        raise ValidationError({"ok": _("Say whether the living situation is OK.")})
    if not reached and (open_request or ok is not None):
        raise ValidationError({"reached": _("Only a reached person can report a problem.")})
    if open_request and ok is not False and not needs:
        raise ValidationError({"needs": _("Describe the problem for the help request.")})
    call.attempts += 1
    call.called_at, call.called_by = at, user
    if reached:
        call.status = CallStatus.REACHED
        call.ok, call.needs = ok, needs
        call.winter_issue, call.epidemic_issue = winter_issue.strip(), epidemic_issue.strip()
    else:
        call.status = CallStatus.UNREACHED
    if notes:
        call.notes = notes
    call.full_clean(exclude=["draw", "person", "called_by", "help_request"])
    attempt = CallAttempt(
        call=call,
        at=at,
        by=user,
        reached=reached,
        ok=ok,
        needs=needs,
        notes=notes,
        client_id=client_id,
    )
    attempt.full_clean(exclude=["call", "by"])
    if open_request:
        description = "; ".join(
            t for t in (needs, call.winter_issue, call.epidemic_issue, notes) if t
        ) or _("Problem found on the phone spot-check")
        call.help_request = request_create(
            user=user,
            source=Source.SPOT_CHECK,
            need_type=need_type or need_from_text(description),
            urgency=urgency,
            description=description,
            person_id=call.person_id,
            request=request,
        )
    call.save()
    attempt.save()
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=call,
        request=request,
        object_repr=f"{call.person} spot-check {call.day}",
        changes={
            "reached": reached,
            "ok": ok,
            "help_request": call.help_request_id,
            "attempts": call.attempts,
        },
    )
    access.recheck(user, access.Action.CHANGE, call)
    return call


# --- joint supervision ----------------------------------------------------------------------


def _authenticated(user):
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def team_create(
    *,
    user,
    district_code: str,
    name: str,
    department_ids: list[int],
    leader: str = "",
    request=None,
) -> SupervisionTeam:
    """A joint team of a district, drawn from departments in the directory."""
    district = Region.objects.filter(code=district_code, level=Level.DISTRICT).first()
    if district is None:
        raise ValidationError({"region": _("Choose a district.")})
    access.require_region(user, access.Action.CHANGE, district.code)
    departments = list(
        Organisation.objects.within(district.code).filter(
            pk__in=department_ids, kind=OrganisationKind.DEPARTMENT, active=True
        )
    )
    if len(departments) != len(set(department_ids)) or len(departments) < 2:
        raise ValidationError(
            {"department_ids": _("Choose at least two departments of the district or the city.")}
        )
    team = SupervisionTeam(
        name=name.strip(), region=district, leader=leader.strip(), created_by=_authenticated(user)
    )
    team.full_clean(exclude=["region", "created_by"])
    team.save()
    team.departments.set(departments)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=team,
        request=request,
        changes={"departments": [d.name for d in departments]},
    )
    access.recheck(user, access.Action.CHANGE, team)
    return team


@transaction.atomic
def plan_create(
    *,
    user,
    team_id: int,
    title: str,
    target_codes: list[str],
    starts_on: dt.date,
    ends_on: dt.date,
    focus: str = "",
    other_targets: str = "",
    request=None,
) -> SupervisionPlan:
    """Which streets or communities a team inspects, when, and what it looks at."""
    team = access.get_or_404(SupervisionTeam, user, access.Action.CHANGE, pk=team_id)
    targets = list(Region.objects.filter(code__in=target_codes, level__gte=Level.STREET))
    errors = {}
    if not targets or len(targets) != len(set(target_codes)):
        errors["target_codes"] = _("Choose the streets or communities to inspect.")
    elif not all(contains(team.region_id, t.code) for t in targets):
        errors["target_codes"] = _("Every place must lie in the team's district.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The plan cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    plan = SupervisionPlan(
        team=team,
        region_id=team.region_id,
        title=title.strip(),
        other_targets=other_targets.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        focus=focus.strip(),
        created_by=_authenticated(user),
    )
    plan.full_clean(exclude=["team", "region", "created_by"])
    plan.save()
    plan.targets.set(targets)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=plan,
        request=request,
        changes={"targets": [t.code for t in targets], "from": str(starts_on), "to": str(ends_on)},
    )
    access.recheck(user, access.Action.CHANGE, plan)
    return plan


@transaction.atomic
def inspection_create(
    *,
    user,
    plan_id: int,
    region_code: str,
    method: str,
    on: dt.date,
    summary: str = "",
    request=None,
) -> Inspection:
    """An inspection of one of the plan's places (or a place within one), by a method."""
    plan = access.get_or_404(SupervisionPlan.objects.prefetch_related("targets"), user, pk=plan_id)
    region = Region.objects.filter(code=region_code).first()
    if region is None or not any(contains(t.code, region_code) for t in plan.targets.all()):
        raise ValidationError({"region": _("Choose one of the plan's places.")})
    access.require_region(user, access.Action.CHANGE, region.code)
    if on > timezone.localdate():
        raise ValidationError({"on": _("An inspection cannot be recorded before it happens.")})
    inspection = Inspection(
        plan=plan,
        region=region,
        method=method,
        on=on,
        summary=summary.strip(),
        created_by=_authenticated(user),
    )
    inspection.full_clean(exclude=["plan", "region", "created_by"])
    inspection.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=inspection,
        request=request,
        object_repr=f"{region.name} {inspection}",
        changes={"method": method, "on": str(on)},
    )
    access.recheck(user, access.Action.CHANGE, inspection)
    return inspection


def may_record_findings(user, region_code: str) -> bool:
    """Staff who may change the place, and inspectors over it: their findings are theirs."""
    return access.can(user, access.Action.CHANGE, region_code) or access.holds_role(
        user, access.Role.INSPECTOR, region_code
    )


@transaction.atomic
def finding_add(
    *,
    user,
    inspection_id: int,
    text: str,
    severity: str,
    responsible_name: str,
    owner_id: int,
    deadline: dt.date,
    responsible_unit_id: int | None = None,
    request=None,
) -> Finding:
    """A finding, and its rectification: the owner must work over the place."""
    inspection = access.get_or_404(Inspection, user, pk=inspection_id)
    if not may_record_findings(user, inspection.region_id):
        raise PermissionDenied(_("You may not record findings here."))
    errors = {}
    owner = selectors.owners_for(inspection.region_id).filter(pk=owner_id).first()
    if owner is None:
        errors["owner_id"] = _("The owner must work in the place inspected.")
    if deadline < inspection.on:
        errors["deadline"] = _("The deadline cannot come before the inspection.")
    unit = None
    if responsible_unit_id:
        unit = Organisation.objects.filter(pk=responsible_unit_id).first()
        if unit is None:
            errors["responsible_unit_id"] = _("Unknown organisation.")
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        inspection=inspection,
        region_id=inspection.region_id,
        text=text.strip(),
        severity=severity,
        responsible_unit=unit,
        responsible_name=(responsible_name or (unit.name if unit else "")).strip(),
        owner=owner,
        deadline=deadline,
        created_by=_authenticated(user),
    )
    finding.full_clean(exclude=["inspection", "responsible_unit", "owner", "created_by"])
    finding.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=finding,
        request=request,
        changes={"severity": severity, "owner": owner.get_username(), "deadline": str(deadline)},
    )
    return finding


def _finding_locked(user, pk: int) -> Finding:
    return access.get_or_404(
        Finding.objects.select_related("inspection", "owner"), user, pk=pk, for_update=True
    )


@transaction.atomic
def rectification_done(*, user, finding_id: int, note: str, request=None) -> Finding:
    """The owner (or staff of the place) says it is rectified, and how."""
    finding = _finding_locked(user, finding_id)
    if finding.owner_id != getattr(user, "pk", None):
        access.require(user, access.Action.CHANGE, finding)
    if finding.status != RectificationStatus.OPEN:
        raise ValidationError({"note": _("This rectification is not open.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    finding.status, finding.done_at, finding.done_note = (
        RectificationStatus.DONE,
        timezone.now(),
        note.strip(),
    )
    finding.save(update_fields=["status", "done_at", "done_note"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=finding,
        request=request,
        changes={"status": "done"},
    )
    return finding


@transaction.atomic
def rectification_verify(*, user, finding_id: int, request=None) -> Finding:
    """The finding's author, or staff who may change the place, confirms the rectification."""
    finding = _finding_locked(user, finding_id)
    author = finding.created_by_id is not None and finding.created_by_id == getattr(
        user, "pk", None
    )
    if not author:
        access.require(user, access.Action.CHANGE, finding)
    if finding.owner_id == getattr(user, "pk", None):
        raise PermissionDenied(_("Someone other than the owner verifies a rectification."))
    if finding.status != RectificationStatus.DONE:
        raise ValidationError({"__all__": _("Only a rectification marked done can be verified.")})
    finding.status = RectificationStatus.VERIFIED
    finding.verified_at, finding.verified_by = timezone.now(), _authenticated(user)
    finding.save(update_fields=["status", "verified_at", "verified_by"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=finding,
        request=request,
        changes={"status": "verified"},
    )
    return finding


# --- street rescue ---------------------------------------------------------------------------


@transaction.atomic
def patrol_start(
    *,
    user,
    district_code: str,
    team: str,
    route: str,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    request=None,
) -> Patrol:
    district = Region.objects.filter(code=district_code, level=Level.DISTRICT).first()
    if district is None:
        raise ValidationError({"region": _("Choose a district.")})
    access.require_region(user, access.Action.CHANGE, district.code)
    started_at = started_at or timezone.now()
    if ended_at is not None and ended_at < started_at:
        raise ValidationError({"ended_at": _("A patrol cannot end before it starts.")})
    patrol = Patrol(
        region=district,
        team=team.strip(),
        route=route.strip(),
        started_at=started_at,
        ended_at=ended_at,
        created_by=_authenticated(user),
    )
    patrol.full_clean(exclude=["region", "created_by"])
    patrol.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=patrol, request=request)
    access.recheck(user, access.Action.CHANGE, patrol)
    return patrol


@transaction.atomic
def patrol_end(
    *, user, patrol_id: int, ended_at: dt.datetime | None = None, request=None
) -> Patrol:
    patrol = access.get_or_404(Patrol, user, access.Action.CHANGE, pk=patrol_id, for_update=True)
    ended_at = ended_at or timezone.now()
    if ended_at < patrol.started_at:
        raise ValidationError({"ended_at": _("A patrol cannot end before it starts.")})
    patrol.ended_at = ended_at
    patrol.save(update_fields=["ended_at"])
    audit_record(user=user, action=AuditAction.UPDATE, obj=patrol, request=request,
                 changes={"ended_at": str(ended_at)})  # fmt: skip
    return patrol


@transaction.atomic
def encounter_record(
    *,
    user,
    patrol_id: int,
    place: str,
    condition: str,
    outcome: str,
    at: dt.datetime | None = None,
    latitude=None,
    longitude=None,
    person_id: int | None = None,
    description: str = "",
    follow_ups: str = "",
    client_id: str | None = None,
    request=None,
) -> Encounter:
    """Someone a patrol met: a registry record the user may see, or a description.

    A retry with a `client_id` this user already sent answers the stored encounter.
    """
    client_id = (client_id or "").strip() or None
    author = _authenticated(user)
    if client_id and author is not None:
        seen = Encounter.objects.filter(created_by=author, client_id=client_id).first()
        if seen is not None:
            if seen.patrol_id != patrol_id:
                raise Conflict({"client_id": _("This client id was used for another encounter.")})
            return seen
    patrol = access.get_or_404(Patrol, user, access.Action.CHANGE, pk=patrol_id)
    person = None
    if person_id:
        person = access.get_or_404(Person, user, pk=person_id, links=False)
    elif not description.strip():
        raise ValidationError(
            {"description": _("Describe the person, or choose their registry record.")}
        )
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("An encounter cannot be recorded in the future.")})
    if at < patrol.started_at - dt.timedelta(hours=1):
        raise ValidationError({"at": _("The encounter is before the patrol started.")})
    encounter = Encounter(
        patrol=patrol,
        region_id=patrol.region_id,
        at=at,
        place=place.strip(),
        latitude=latitude,
        longitude=longitude,
        person=person,
        description=description.strip(),
        condition=condition.strip(),
        outcome=outcome,
        follow_ups=follow_ups.strip(),
        client_id=client_id,
        created_by=author,
    )
    encounter.full_clean(exclude=["patrol", "person", "created_by"])
    encounter.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=encounter,
        request=request,
        object_repr=f"{encounter.who} {patrol}",
        changes={"outcome": outcome, "person": person.pk if person else None},
    )
    access.recheck(user, access.Action.CHANGE, encounter)
    return encounter


@transaction.atomic
def encounter_link(*, user, encounter_id: int, person_id: int, request=None) -> Encounter:
    """A described person identified later (found, or newly registered): link the record."""
    encounter = access.get_or_404(
        Encounter, user, access.Action.CHANGE, pk=encounter_id, for_update=True
    )
    person = access.get_or_404(Person, user, pk=person_id, links=False)
    encounter.person = person
    encounter.save(update_fields=["person"])
    audit_record(user=user, action=AuditAction.UPDATE, obj=encounter, request=request,
                 changes={"person": person.pk})  # fmt: skip
    return encounter
