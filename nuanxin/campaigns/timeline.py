"""Campaign allocations on a person's timeline (nuanxin.core.timeline): what they were given."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.core import timeline

from .models import Allocation


class CampaignTimeline:
    kinds = {"campaign": gettext_lazy("Campaigns")}
    position = 70

    def _rows(self, user, person):
        return Allocation.objects.restrict(user, "view", links=False).filter(person=person)

    def entries(self, *, user, person, kinds, limit):
        rows = (
            self._rows(user, person)
            .select_related("campaign", "delivered_by")
            .order_by("-created_at", "-id")[:limit]
        )
        out = []
        for a in rows:
            items = "、".join(f"{i['name']}×{i['quantity']}" for i in a.campaign.items or ())
            out.append(
                timeline.Entry(
                    kind="campaign",
                    at=a.delivered_at or a.created_at,
                    title=_("%(campaign)s: %(method)s")
                    % {"campaign": a.campaign.name, "method": a.get_method_display()},  # fmt: skip
                    detail=items,
                    status=a.get_status_display(),
                    link=reverse("campaigns:allocation_detail", args=[a.pk]),
                    icon="box-seam",
                    actor=(a.delivered_by.get_full_name() or a.delivered_by.get_username())
                    if a.delivered_by_id
                    else "",
                    record_id=a.pk,
                )
            )
        return out

    def count(self, *, user, person, kinds) -> int:
        return self._rows(user, person).count()
