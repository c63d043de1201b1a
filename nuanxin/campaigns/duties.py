"""Campaign deliveries as a duty source (nuanxin.core.duties): open allocations by the end date."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from nuanxin.core.duties import Duty


class DeliveryDuties:
    kind = "campaign_delivery"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every open allocation of an open campaign (see core.duties: any end date)."""
        from .selectors import open_allocations

        return [open_allocations(user=user, region=region)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        from .selectors import overdue_allocations

        rows = overdue_allocations(user=user, today=today, until=until, region=region)[:limit]
        return [self._duty(a) for a in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        from .selectors import overdue_allocations

        rows = overdue_allocations(user=user, today=today, region=region)[:limit]
        return [self._duty(a) for a in rows]

    @staticmethod
    def _duty(a) -> Duty:
        return Duty(
            kind="campaign_delivery",
            person_id=a.person_id,
            person_name=a.person.name,
            region_id=a.region_id,
            due_on=a.campaign.ends_on,
            tier=a.person.tier,
            label=(
                _("Install: %(campaign)s")
                if a.method == "installation"
                else _("Deliver: %(campaign)s")
            )
            % {"campaign": a.campaign.name},  # fmt: skip
            link=reverse("campaigns:allocation_detail", args=[a.pk]),
            address=a.person.address,
            phone=a.person.phone,
        )
