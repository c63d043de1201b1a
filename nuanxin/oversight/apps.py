from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "nuanxin.oversight"
    label = "oversight"
    verbose_name = _("oversight")

    def ready(self):
        from nuanxin.core import cards, daily, duties, menu, timeline
        from nuanxin.ledgers import exports

        from . import ledgers
        from .daily import spot_check_draws_daily
        from .selectors import (
            EncounterTimeline,
            RectificationCard,
            RectificationDuties,
            SpotCheckCard,
            SpotCheckDuties,
        )

        daily.register("oversight.spot_check_draws", spot_check_draws_daily)
        duties.register(SpotCheckDuties())
        duties.register(RectificationDuties())
        cards.register(SpotCheckCard())
        cards.register(RectificationCard())
        timeline.register(EncounterTimeline())
        exports.register(
            exports.Ledger(
                kind="spot-checks",
                label=_("Spot-check daily report (yesterday)"),
                write=ledgers.spot_checks_export,
            )
        )
        exports.register(
            exports.Ledger(
                kind="rescue",
                label=_("Street-rescue season report"),
                write=ledgers.rescue_export,
            )
        )
        menu.register(
            menu.Entry(
                "oversight:spot_checks",
                _("Spot-checks"),
                "telephone",
                group=menu.OVERSIGHT,
                position=35,
                active_on=("oversight:spot_check", "oversight:call_"),
            ),
            menu.Entry(
                "oversight:spot_check_report",
                _("Spot-check report"),
                "telephone-outbound",
                group=menu.OVERSIGHT,
                position=60,
            ),
            menu.Entry(
                "oversight:supervision",
                _("Supervision"),
                "clipboard-check",
                group=menu.OVERSIGHT,
                position=61,
                active_on=(
                    "oversight:supervision",
                    "oversight:team_",
                    "oversight:plan_",
                    "oversight:inspection_",
                    "oversight:finding_",
                    "oversight:rectification_",
                ),
            ),
            menu.Entry(
                "oversight:rescue",
                _("Street rescue"),
                "moon-stars",
                group=menu.OVERSIGHT,
                position=62,
                active_on=("oversight:rescue", "oversight:patrol_"),
            ),
            menu.Entry(
                "oversight:monthly_report",
                _("Monthly report"),
                "file-earmark-text",
                group=menu.OVERSIGHT,
                position=63,
            ),
        )
