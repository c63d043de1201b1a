"""Devices to take out of a home (nuanxin.core.duties): their consent was withdrawn.

A camera whose consent is withdrawn must stop watching at once, so the duty
falls due on the day of the withdrawal: it shows on the worklist that day and
on the blind-spot report from the next, until `device_remove` records it gone.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from nuanxin.core import access
from nuanxin.core.duties import Duty

from .models import Device


def devices_to_remove(*, user, until: dt.date, region: str = ""):
    """Devices flagged for removal the user may see, due on or before `until` (one query)."""
    qs = (
        Device.objects.restrict(user, access.Action.VIEW)
        .within(region)
        .filter(needs_removal=True, removed_on__isnull=True)
        .annotate(due_on=Coalesce("consent__withdrawn_on", F("installed_on")))
        .filter(due_on__lte=until)
    )
    return qs.select_related("person").order_by("due_on", "person_id", "id")


class DeviceRemovalDuties:
    kind = "device_removal"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every device flagged and not yet removed (see core.duties: any due date)."""
        return [
            Device.objects.restrict(user, access.Action.VIEW)
            .within(region)
            .filter(needs_removal=True, removed_on__isnull=True)
        ]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        rows = devices_to_remove(user=user, until=until, region=region)[:limit]
        return [self._duty(d) for d in rows]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        rows = devices_to_remove(user=user, until=today - dt.timedelta(days=1), region=region)
        return [self._duty(d) for d in rows[:limit]]

    @staticmethod
    def _duty(device: Device) -> Duty:
        person = device.person
        return Duty(
            kind="device_removal",
            person_id=person.pk,
            person_name=person.name,
            region_id=person.region_id,
            due_on=device.due_on,
            tier=person.tier,
            label=gettext("Remove the %(device)s: consent withdrawn")
            % {"device": device.get_kind_display()},
            link=f"{person.get_absolute_url()}#section-device",
            address=person.address,
        )
