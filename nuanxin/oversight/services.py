"""Writes for oversight: the spot-check setting, storing a day's draw, recording calls,
and turning a problem found on a call into a help request."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
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
from nuanxin.regions.models import Level, Region
from nuanxin.registry.models import Person

from . import selectors
from .models import CallAttempt, CallStatus, SpotCheckCall, SpotCheckDraw, SpotCheckSetting

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
