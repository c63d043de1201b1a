from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "nuanxin.campaigns"
    label = "campaigns"
    verbose_name = "campaigns"

    def ready(self):
        from nuanxin.core import cards, duties, menu, timeline

        from .duties import DeliveryDuties
        from .selectors import CampaignsCard
        from .timeline import CampaignTimeline

        duties.register(DeliveryDuties())
        timeline.register(CampaignTimeline())
        cards.register(CampaignsCard())
        menu.register(
            menu.Entry(
                "campaigns:campaign_list",
                _("Campaigns"),
                "box-seam",
                group=menu.CAMPAIGNS,
                position=60,
                active_on=("campaigns:",),
            ),
            menu.Entry(
                "funds:fund_list",
                _("Funds"),
                "cash-coin",
                group=menu.CAMPAIGNS,
                position=60,
                active_on=("funds:",),
            ),  # fmt: skip
        )
