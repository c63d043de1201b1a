"""Writes for casework: referrals (转介) to service providers.

A referral moves through the states in TRANSITIONS and nowhere else. Acceptance,
decline and completion are recorded by a worker with CHANGE over the person's
region, or by an account of the provider the referral was sent to.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.directory.models import ServiceProvider
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_for_change

from ..models import HelpRequest, Referral
from ..models import ReferralStatus as S
from .assessments import check_help_request

# status -> the statuses it may move to.
TRANSITIONS: dict[str, set[str]] = {
    S.SENT: {S.ACCEPTED, S.DECLINED, S.CANCELLED},
    S.ACCEPTED: {S.COMPLETED, S.CANCELLED},
    S.COMPLETED: set(),
    S.DECLINED: set(),
    S.CANCELLED: set(),
}
OPEN = (S.SENT, S.ACCEPTED)
# What the provider's own account may record; cancelling is the worker's decision.
PROVIDER_MAY = {S.ACCEPTED, S.DECLINED, S.COMPLETED}


def _who(user) -> object | None:
    return user if getattr(user, "is_authenticated", False) else None


@transaction.atomic
def referral_create(
    *,
    user,
    person: Person,
    provider: ServiceProvider,
    asked: str,
    due_on: dt.date,
    sent_on: dt.date | None = None,
    help_request: HelpRequest | None = None,
    request=None,
) -> Referral:
    """Refer a person to a provider that is active and serves their region."""
    # Read again, locked, through the gate: the caller's copy may be stale.
    person = person_for_change(user=user, pk=person.pk)
    check_help_request(help_request, person)
    if not provider.active:
        raise ValidationError({"provider": _("This provider is no longer active.")})
    if not ServiceProvider.objects.filter(pk=provider.pk).serving(person.region_id).exists():
        raise ValidationError(
            {
                "provider": _("%(provider)s does not serve this person's area.")
                % {"provider": provider}
            }
        )
    sent_on = sent_on or timezone.localdate()
    if due_on is not None and due_on < sent_on:
        raise ValidationError({"due_on": _("The due date cannot be before the date sent.")})
    referral = Referral(
        person=person,
        region_id=person.region_id,
        provider=provider,
        help_request=help_request,
        asked=(asked or "").strip(),
        sent_on=sent_on,
        due_on=due_on,
        created_by=_who(user),
        updated_by=_who(user),
    )
    referral.full_clean()
    referral.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=referral,
        request=request,
        changes={"provider": provider.pk, "due_on": due_on.isoformat()},
    )
    return referral


def _move(*, user, referral: Referral, to: str, note: str = "", request=None) -> Referral:
    """A worker with CHANGE over the region, or the provider's own account (its link)."""
    referral = access.get_or_404(
        Referral, user, access.Action.CHANGE, pk=referral.pk, for_update=True
    )
    if to not in PROVIDER_MAY and not access.can(user, access.Action.CHANGE, referral.region_id):
        raise PermissionDenied(_("Only the referring workers may cancel a referral."))
    if to not in TRANSITIONS[referral.status]:
        raise ValidationError(
            {
                "status": _("A referral that is %(status)s cannot be %(to)s.")
                % {"status": referral.get_status_display(), "to": S(to).label}
            }
        )
    before = referral.status
    referral.status = to
    now = timezone.now()
    if to == S.ACCEPTED:
        referral.accepted_at = now
    if to == S.COMPLETED:
        referral.completed_at = now
    if note:
        referral.outcome = note
    referral.updated_by = _who(user)
    referral.full_clean()
    referral.save()
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=referral,
        request=request,
        changes={"status": [before, to], **({"outcome": note} if note else {})},
    )
    return referral


@transaction.atomic
def referral_accept(*, user, referral: Referral, request=None) -> Referral:
    return _move(user=user, referral=referral, to=S.ACCEPTED, request=request)


@transaction.atomic
def referral_decline(*, user, referral: Referral, reason: str, request=None) -> Referral:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _move(user=user, referral=referral, to=S.DECLINED, note=reason, request=request)


@transaction.atomic
def referral_complete(*, user, referral: Referral, outcome: str, request=None) -> Referral:
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what was done.")})
    return _move(user=user, referral=referral, to=S.COMPLETED, note=outcome, request=request)


@transaction.atomic
def referral_cancel(*, user, referral: Referral, reason: str = "", request=None) -> Referral:
    return _move(
        user=user, referral=referral, to=S.CANCELLED, note=(reason or "").strip(), request=request
    )
