"""Writes for help requests (求助): intake, the state machine, SLA deadlines.

The life of a request is data (`TRANSITIONS`): for each status, the actions
allowed and the status each leads to. Every action goes through `_step`, which
refuses what the table does not allow, writes a `RequestEvent` and an audit
record. Deadlines run from `received_at` by the `SlaRule` of the urgency; they
are set at intake and recomputed whenever triage changes the urgency.
"""

from __future__ import annotations

import datetime as dt
import inspect

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.accounts.selectors import users_over, usual_worker
from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.phones import PhoneError, normalize_phone
from nuanxin.regions.models import Region
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_get
from nuanxin.visits.models import FollowUp

from ..models import (
    OPEN_STATUSES,
    HelpRequest,
    NeedType,
    RequestAction,
    RequestEvent,
    SlaRule,
    Source,
    Urgency,
)
from ..models import RequestStatus as S

# Used when the SlaRule table lacks a row (it is data: an admin could delete one).
SLA_FALLBACK = {Urgency.URGENT: (2, 24), Urgency.NORMAL: (24, 72), Urgency.LOW: (72, 168)}

# The state machine: status -> {action: the status it leads to}.
# Re-triage and re-assignment keep the status (urgency or people change, not the stage).
TRANSITIONS: dict[str, dict[str, str]] = {
    S.NEW: {"triage": S.TRIAGED, "reject": S.REJECTED, "merge": S.MERGED},
    S.TRIAGED: {
        "triage": S.TRIAGED,
        "assign": S.ASSIGNED,
        "reject": S.REJECTED,
        "merge": S.MERGED,
    },
    S.ASSIGNED: {
        "triage": S.ASSIGNED,
        "assign": S.ASSIGNED,
        "contact": S.IN_PROGRESS,
        "start": S.IN_PROGRESS,
        "reject": S.REJECTED,
        "merge": S.MERGED,
    },
    S.IN_PROGRESS: {
        "triage": S.IN_PROGRESS,
        "assign": S.IN_PROGRESS,
        "contact": S.IN_PROGRESS,  # work started before the person was reached
        "resolve": S.RESOLVED,
        "merge": S.MERGED,
    },
    S.RESOLVED: {"close": S.CLOSED},
    S.CLOSED: {},
    S.REJECTED: {},
    S.MERGED: {},
}

# A visit's follow-up is done once its request gets here.
ENDED = (S.RESOLVED, S.CLOSED, S.REJECTED, S.MERGED)

ACTIONS = ("triage", "assign", "contact", "start", "resolve", "close", "reject", "merge")

ACTION_LABELS = dict(RequestAction.choices)

# Who may be assigned: staff who work over an area; never volunteers, partners or inspectors.
STAFF_ROLES = (
    access.Role.DISTRICT_OFFICER,
    access.Role.STREET_OFFICER,
    access.Role.COMMUNITY_WORKER,
    access.Role.GRID_WORKER,
    access.Role.SOCIAL_WORKER,
)


def allowed_actions(status: str) -> list[str]:
    return list(TRANSITIONS.get(status, {}))


# --- SLA -------------------------------------------------------------------------


def sla_hours(urgency: str) -> tuple[int, int]:
    """(first contact, resolved) within hours for an urgency."""
    rule = SlaRule.objects.filter(urgency=urgency).first()
    if rule is None:
        return SLA_FALLBACK.get(urgency, SLA_FALLBACK[Urgency.NORMAL])
    return rule.first_contact_hours, rule.resolve_hours


def sla_deadlines(received_at: dt.datetime, urgency: str) -> tuple[dt.datetime, dt.datetime]:
    """(first contact due, resolution due): hours on the aware instant, so midnight is nothing special."""
    first_contact, resolve = sla_hours(urgency)
    return (
        received_at + dt.timedelta(hours=first_contact),
        received_at + dt.timedelta(hours=resolve),
    )


# --- who can be assigned ---------------------------------------------------------


def eligible_assignees(region_code: str):
    """Active staff whose membership's region covers `region_code` (one query)."""
    return users_over(region_code, STAFF_ROLES)


# --- intake ----------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    user,
    source: str,
    need_type: str,
    description: str,
    person_id: int | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    caller_address: str = "",
    region_id: str = "",
    urgency: str = Urgency.NORMAL,
    received_at: dt.datetime | None = None,
    follow_up=None,
    recorded_by=None,
    request=None,
) -> HelpRequest:
    """Receive a request for a registered person, or for an unregistered caller.

    `user=None` is the system acting on a visit finding (the visit itself was
    scope-checked); `recorded_by` then names who recorded that visit.
    """
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)  # local time, as the operator read it
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("A request cannot be received in the future.")})
    person = None
    if person_id:
        person = person_get(user=user, pk=person_id, action=access.Action.CHANGE)
        region_id = person.region_id
        caller_name = caller_name.strip()
        if caller_phone.strip():  # someone calling for the person: a daughter, a neighbour
            try:
                caller_phone = normalize_phone(caller_phone)
            except PhoneError:
                raise ValidationError(
                    {"caller_phone": _("Enter a valid mainland phone number.")}
                ) from None
    else:
        errors = {}
        caller_name = caller_name.strip()
        if not caller_name:
            errors["caller_name"] = _("Enter the caller's name, or choose a registered person.")
        try:
            caller_phone = normalize_phone(caller_phone)
        except PhoneError:
            errors["caller_phone"] = _("Enter a valid mainland phone number.")
        if not region_id:
            errors["region_id"] = _("Choose where the caller lives.")
        elif not Region.objects.filter(code=region_id).exists():
            errors["region_id"] = _("Unknown region code.")
        elif not access.can(user, access.Action.CHANGE, region_id):
            errors["region_id"] = _("That region is outside your scope.")
        if errors:
            raise ValidationError(errors)
    first_due, resolve_due = sla_deadlines(received_at, urgency)
    hr = HelpRequest(
        person=person,
        caller_name=caller_name,
        caller_phone=caller_phone,
        caller_address=caller_address.strip(),
        region_id=region_id,
        source=source,
        need_type=need_type,
        urgency=urgency,
        description=description.strip(),
        received_at=received_at,
        first_contact_due_at=first_due,
        resolve_due_at=resolve_due,
        follow_up=follow_up,
        created_by=user if getattr(user, "is_authenticated", False) else recorded_by,
    )
    hr.full_clean(exclude=["person", "region", "follow_up", "created_by", "assignees"])
    hr.save()
    RequestEvent.objects.create(
        request=hr,
        at=now,
        by=hr.created_by,
        from_status="",
        to_status=hr.status,
        action=RequestAction.CREATE,
    )
    audit_record(
        user=user or recorded_by,
        action=AuditAction.CREATE,
        obj=hr,
        request=request,
        object_repr=f"#{hr.pk} {hr.who} · {hr.get_need_type_display()}",
        changes={"source": source, "need_type": need_type, "urgency": urgency},
    )
    access.recheck(user, access.Action.CHANGE, hr)  # after the write, inside the transaction
    return hr


# --- visit findings ----------------------------------------------------------------

# Words in a finding's text that name the need; the first match wins.
NEED_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (NeedType.SAFETY, ("燃气", "煤气", "漏气", "一氧化碳", "隐患", "gas", "hazard", "fire")),
    (NeedType.HEATING, ("取暖", "暖气", "供暖", "电热毯", "heating", "heater", "cold")),
    (NeedType.WATER, ("停水", "饮水", "水管", "water")),
    (NeedType.REPAIRS, ("维修", "修理", "漏水", "坏了", "repair", "broken")),
    (NeedType.MEDICINE, ("药", "medicine")),
    (NeedType.MEDICAL, ("就医", "看病", "医院", "生病", "doctor", "hospital", "ill")),
    (NeedType.PSYCHOLOGICAL, ("孤独", "情绪", "抑郁", "心理", "lonely", "depress", "mood")),
    (NeedType.LIVING_SUPPLIES, ("米", "油", "食物", "生活用品", "衣", "被", "food", "supplies")),
    (NeedType.POLICY, ("低保", "救助", "补贴", "申请", "政策", "allowance", "subsidy", "apply")),
]


def need_from_text(text: str) -> str:
    lowered = text.lower()
    for need, words in NEED_KEYWORDS:
        if any(word in lowered for word in words):
            return need
    return NeedType.OTHER


def request_from_follow_up(follow_up) -> HelpRequest:
    """A visit's help-request follow-up becomes a request, inside the visit's transaction."""
    hr = request_create(
        user=None,
        source=Source.VISIT,
        need_type=need_from_text(follow_up.text),
        description=follow_up.text,
        person_id=follow_up.person_id,
        follow_up=follow_up,
        recorded_by=follow_up.visit.recorded_by,
    )
    # Until someone is assigned, the person's usual worker answers for it.
    type(follow_up).objects.filter(pk=follow_up.pk).update(
        picked_up_at=hr.created_at,
        picked_up_ref=f"help_request:{hr.pk}",
        owner=usual_worker(follow_up.region_id),
    )
    return hr


# --- the state machine -----------------------------------------------------------


def _locked(user, help_request: HelpRequest | int) -> HelpRequest:
    """The request, row-locked, if the user may change it: 404 unseen, 403 seen but read-only."""
    pk = help_request if isinstance(help_request, int) else help_request.pk
    return access.get_or_404(
        HelpRequest,
        user,
        access.Action.CHANGE,
        pk=pk,
        for_update=True,
    )


def _check(hr: HelpRequest, action: str) -> str:
    """The status `action` leads to from here, or a ValidationError saying why not."""
    target = TRANSITIONS.get(hr.status, {}).get(action)
    if target is None:
        raise ValidationError(
            {
                "__all__": _("A request that is “%(status)s” cannot be “%(action)s”.")
                % {"status": hr.get_status_display(), "action": ACTION_LABELS[action]}
            }
        )
    return target


def _step(
    *,
    user,
    hr: HelpRequest,
    action: str,
    to_status: str,
    note: str = "",
    changes: dict | None = None,
    request=None,
    at: dt.datetime | None = None,
) -> HelpRequest:
    """Save the request in its new status; one event and one audit record."""
    from_status = hr.status
    hr.status = to_status
    hr.full_clean(
        exclude=["person", "region", "follow_up", "created_by", "assignees", "merged_into"]
    )
    hr.save()
    if hr.follow_up_id and to_status in ENDED:
        FollowUp.objects.filter(pk=hr.follow_up_id, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
    RequestEvent.objects.create(
        request=hr,
        at=at or timezone.now(),
        by=user if getattr(user, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=to_status,
        action=action,
        note=(note or "")[:300],
    )
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=hr,
        request=request,
        object_repr=f"#{hr.pk} {hr.who} · {hr.get_need_type_display()}",
        changes={"action": action, "status": [from_status, to_status], **(changes or {})},
    )
    access.recheck(user, access.Action.CHANGE, hr)  # after the write, inside the transaction
    return hr


@transaction.atomic
def request_triage(
    *, user, help_request, urgency: str, need_type: str = "", note: str = "", request=None
) -> HelpRequest:
    """Set the urgency (and, if given, correct the need); the deadlines follow the urgency."""
    hr = _locked(user, help_request)
    to_status = _check(hr, "triage")
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose an urgency.")})
    changes = {"urgency": [hr.urgency, urgency]}
    hr.urgency = urgency
    if need_type:
        changes["need_type"] = [hr.need_type, need_type]
        hr.need_type = need_type
    hr.first_contact_due_at, hr.resolve_due_at = sla_deadlines(hr.received_at, urgency)
    hr.triaged_at = hr.triaged_at or timezone.now()
    return _step(
        user=user,
        hr=hr,
        action="triage",
        to_status=to_status,
        note=note or hr.get_urgency_display(),
        changes=changes,
        request=request,
    )


@transaction.atomic
def request_assign(
    *, user, help_request, assignee_ids: list[int], note: str = "", request=None
) -> HelpRequest:
    """Name the workers who own the request: staff whose region covers it."""
    hr = _locked(user, help_request)
    to_status = _check(hr, "assign")
    ids = {int(i) for i in assignee_ids or []}
    if not ids:
        raise ValidationError({"assignees": _("Choose at least one worker.")})
    people = list(eligible_assignees(hr.region_id).filter(pk__in=ids))
    if len(people) != len(ids):
        raise ValidationError(
            {"assignees": _("Only staff working in the request's area can be assigned.")}
        )
    hr.assignees.set(people)
    names = ", ".join(u.get_full_name() or u.get_username() for u in people)
    return _step(
        user=user,
        hr=hr,
        action="assign",
        to_status=to_status,
        note=note or names,
        changes={"assignees": sorted(ids)},
        request=request,
    )


@transaction.atomic
def request_contact(
    *, user, help_request, at: dt.datetime | None = None, note: str = "", request=None
) -> HelpRequest:
    """The first contact was made: the work is in progress and the first SLA is met (or not)."""
    hr = _locked(user, help_request)
    to_status = _check(hr, "contact")
    if hr.first_contact_at is not None:
        raise ValidationError({"__all__": _("The first contact is already recorded.")})
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("The contact cannot be in the future.")})
    if at < hr.received_at:
        raise ValidationError({"at": _("The contact cannot be before the request was received.")})
    hr.first_contact_at = at
    return _step(
        user=user,
        hr=hr,
        action="contact",
        to_status=to_status,
        note=note,
        changes={"first_contact_at": at.isoformat()},
        request=request,
        at=at,
    )


@transaction.atomic
def request_start(*, user, help_request, note: str = "", request=None) -> HelpRequest:
    """Work begins before the person could be reached (e.g. a repair is ordered)."""
    hr = _locked(user, help_request)
    to_status = _check(hr, "start")
    return _step(user=user, hr=hr, action="start", to_status=to_status, note=note, request=request)


@transaction.atomic
def request_resolve(*, user, help_request, resolution: str, request=None) -> HelpRequest:
    hr = _locked(user, help_request)
    to_status = _check(hr, "resolve")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the need was met.")})
    hr.resolution = resolution
    hr.resolved_at = timezone.now()
    return _step(
        user=user,
        hr=hr,
        action="resolve",
        to_status=to_status,
        note=resolution[:200],
        request=request,
        at=hr.resolved_at,
    )


@transaction.atomic
def request_close(*, user, help_request, note: str = "", request=None) -> HelpRequest:
    hr = _locked(user, help_request)
    to_status = _check(hr, "close")
    hr.closed_at = timezone.now()
    return _step(
        user=user,
        hr=hr,
        action="close",
        to_status=to_status,
        note=note,
        request=request,
        at=hr.closed_at,
    )


@transaction.atomic
def request_reject(*, user, help_request, reason: str, request=None) -> HelpRequest:
    hr = _locked(user, help_request)
    to_status = _check(hr, "reject")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the request.")})
    hr.reject_reason = reason[:300]
    hr.closed_at = timezone.now()
    return _step(
        user=user,
        hr=hr,
        action="reject",
        to_status=to_status,
        note=reason,
        changes={"reason": reason},
        request=request,
        at=hr.closed_at,
    )


@transaction.atomic
def request_merge(*, user, help_request, into_id: int, request=None) -> HelpRequest:
    """A duplicate: it closes into another open request of the user's scope."""
    hr = _locked(user, help_request)
    to_status = _check(hr, "merge")
    try:
        into_id = int(into_id)
    except (TypeError, ValueError):
        raise ValidationError({"merged_into": _("Enter the number of the request.")}) from None
    if into_id == hr.pk:
        raise ValidationError({"merged_into": _("A request cannot be merged into itself.")})
    target = (
        HelpRequest.objects.restrict(user, access.Action.CHANGE)
        .select_for_update()
        .filter(pk=into_id)
        .first()
    )
    if target is None:
        raise ValidationError(
            {"merged_into": _("No request #%(n)s in your area.") % {"n": into_id}}
        )
    if target.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "merged_into": _("Request #%(n)s is %(status)s: merge only into an open one.")
                % {"n": into_id, "status": target.get_status_display()}
            }
        )
    hr.merged_into = target
    hr.closed_at = timezone.now()
    RequestEvent.objects.create(
        request=target,
        at=hr.closed_at,
        by=user,
        from_status=target.status,
        to_status=target.status,
        action=RequestAction.MERGED_IN,
        note=f"#{hr.pk}",
    )
    return _step(
        user=user,
        hr=hr,
        action="merge",
        to_status=to_status,
        note=f"#{target.pk}",
        changes={"merged_into": target.pk},
        request=request,
        at=hr.closed_at,
    )


@transaction.atomic
def request_link_person(*, user, help_request, person_id: int, request=None) -> HelpRequest:
    """An unregistered caller turns out to be (or is now) in the registry: the region follows."""
    hr = _locked(user, help_request)
    if hr.person_id is not None:
        raise ValidationError(
            {"person_id": _("This request is already about a registered person.")}
        )
    if hr.status in (S.CLOSED, S.REJECTED, S.MERGED):
        raise ValidationError({"person_id": _("A finished request cannot be linked.")})
    person = (
        Person.objects.restrict(user, access.Action.CHANGE).filter(pk=person_id).first()
        if person_id
        else None
    )
    if person is None:
        raise ValidationError({"person_id": _("Choose a person in your area.")})
    old_region = hr.region_id
    hr.person = person
    hr.region_id = person.region_id
    return _step(
        user=user,
        hr=hr,
        action="link",
        to_status=hr.status,
        note=person.name,
        changes={"person": person.pk, "region": [old_region, person.region_id]},
        request=request,
    )


def request_transition(*, user, help_request, action: str, request=None, **fields) -> HelpRequest:
    """One entry point by action name, for the API and the detail page's forms."""
    services = {
        "triage": request_triage,
        "assign": request_assign,
        "contact": request_contact,
        "start": request_start,
        "resolve": request_resolve,
        "close": request_close,
        "reject": request_reject,
        "merge": request_merge,
        "link": request_link_person,
    }
    if action not in services:
        raise ValidationError({"action": _("Unknown action: %(a)s") % {"a": action}})
    service = services[action]
    # Fields another action needs are ignored rather than refused.
    accepted = inspect.signature(service).parameters
    fields = {k: v for k, v in fields.items() if k in accepted}
    return service(user=user, help_request=help_request, request=request, **fields)
