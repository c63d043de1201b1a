"""Reads for casework: referrals, always scoped.

Staff reach referrals by region. A provider's own account (directory
ProviderAccount) reaches only the referrals sent to its provider, and — through
an access link while one is open — the person's restricted page (name, address,
phone). Open referrals past their due date are duties ("referral").
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core import access, duties, fieldviews
from nuanxin.directory.selectors import account_provider

from ..models import Referral
from ..models import ReferralStatus as S

OPEN = (S.SENT, S.ACCEPTED)


def referral_link(user, action: str) -> Q | None:
    """A provider's own account reaches its provider's referrals: to read and to record."""
    if action not in (access.Action.VIEW, access.Action.CHANGE):
        return None
    provider = account_provider(user)
    return None if provider is None else Q(provider_id=provider.pk)


def person_link(user, action: str) -> Q | None:
    """People with an open referral to the provider this user answers for (task view)."""
    if action != access.Action.VIEW or not access.has_link_role(user):
        return None
    return Q(
        pk__in=Referral.objects.filter(provider__accounts__user_id=user.pk, status__in=OPEN).values(
            "person_id"
        )
    )


def referral_list(
    *,
    user,
    status: str = "",
    provider_id: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
    person_id: int | None = None,
) -> QuerySet[Referral]:
    qs = Referral.objects.restrict(user, access.Action.VIEW)
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
    return access.get_or_404(
        Referral.objects.select_related(
            "person", "provider", "help_request", "created_by", "updated_by"
        ),
        user,
        pk=pk,
    )


def is_provider_view(user, referral: Referral) -> bool:
    """True when the user sees this referral only as the provider (the task view)."""
    return fieldviews.view_by_region(user, referral.region_id).task


def can_record(user, referral: Referral) -> bool:
    return access.allows(user, access.Action.CHANGE, referral)


class ReferralDuties:
    """Open referrals by their due date: past it, they are blind spots."""

    kind = "referral"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every open referral in reach (see core.duties: any due date)."""
        return [
            Referral.objects.restrict(user, access.Action.VIEW)
            .within(region)
            .filter(status__in=OPEN)
        ]

    def _rows(self, user, region: str, until: dt.date, limit: int):
        qs = (
            Referral.objects.restrict(user, access.Action.VIEW)
            .within(region)
            .filter(status__in=OPEN, due_on__lte=until)
        )
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
    access.register_link("casework.Referral", referral_link)
    access.register_link("registry.Person", person_link)
