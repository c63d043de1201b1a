"""Reads for casework: referrals, always scoped.

Staff reach referrals by region. A provider's own account (directory
ProviderAccount) reaches only the referrals sent to its provider, and — through
an access link while one is open — the person's restricted page (name, address,
phone). Open referrals past their due date are duties ("referral").
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties
from nuanxin.directory.selectors import account_provider
from nuanxin.regions.models import prefix_q

from ..models import Referral
from ..models import ReferralStatus as S

OPEN = (S.SENT, S.ACCEPTED)


def _reach(user) -> Q:
    q = access.region_q(user, access.Action.VIEW, "region_id")
    provider = account_provider(user)
    if provider is not None:
        q |= Q(provider_id=provider.pk)
    return q


def referral_list(
    *,
    user,
    status: str = "",
    provider_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    person_id: int | None = None,
) -> QuerySet[Referral]:
    qs = Referral.objects.filter(_reach(user))
    if status:
        qs = qs.filter(status=status)
    if provider_id:
        qs = qs.filter(provider_id=provider_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if overdue:
        qs = qs.filter(status__in=OPEN, due_on__lt=today)
    return qs.select_related("person", "provider")


def referral_get(*, user, pk: int) -> Referral:
    referral = (
        Referral.objects.filter(_reach(user))
        .select_related("person", "provider", "help_request", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def is_provider_view(user, referral: Referral) -> bool:
    """True when the user sees this referral only as the provider (restricted fields)."""
    return not access.can(user, access.Action.VIEW, referral.region_id)


def can_record(user, referral: Referral) -> bool:
    if access.can(user, access.Action.CHANGE, referral.region_id):
        return True
    provider = account_provider(user)
    return provider is not None and provider.pk == referral.provider_id


def _linked_people(user):
    """People with an open referral to the provider this user answers for."""
    return Referral.objects.filter(provider__accounts__user_id=user.pk, status__in=OPEN).values(
        "person_id"
    )


class ReferralDuties:
    """Open referrals by their due date: past it, they are blind spots."""

    kind = "referral"

    def _rows(self, user, region: str, until: dt.date, limit: int):
        qs = Referral.objects.filter(_reach(user), status__in=OPEN, due_on__lte=until)
        if region:
            qs = qs.filter(prefix_q(region, "region_id"))
        return qs.select_related("person", "provider").order_by("due_on", "id")[:limit]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        return [self._duty(r, today) for r in self._rows(user, region, until, limit)]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = self._rows(user, region, today - dt.timedelta(days=1), limit)
        return [self._duty(r, today) for r in rows]

    @staticmethod
    def _duty(r: Referral, today: dt.date) -> duties.Duty:
        if r.due_on < today:
            label = _("Referral to %(provider)s overdue") % {"provider": r.provider.name}
        else:
            label = _("Referral to %(provider)s due") % {"provider": r.provider.name}
        return duties.Duty(
            kind="referral",
            person_id=r.person_id,
            person_name=r.person.name,
            region_id=r.region_id,
            due_on=r.due_on,
            tier=r.person.tier,
            label=label,
            link=reverse("casework:referral_detail", args=[r.pk]),
            address=r.person.address,
            phone=r.person.phone,
        )


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
    duties.register(ReferralDuties())
    access.register_link(_linked_people)
