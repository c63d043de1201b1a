from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "nuanxin.visits"
    label = "visits"

    def ready(self):
        from nuanxin.core import daily, duties, menu

        from . import receivers, timeline
        from .daily import cold_snaps_daily, tier_raises_daily
        from .duties import VisitDuties

        receivers.connect()
        duties.register(VisitDuties())
        daily.register("visits.cold_snaps", cold_snaps_daily)
        daily.register("visits.tier_raises", tier_raises_daily)
        timeline.ready()
        menu.register(
            menu.Entry(
                "visits:worklist",
                _("Worklist"),
                "list-check",
                position=10,
                active_on=("visits:worklist", "visits:visit_new"),
            ),
            menu.Entry(
                "visits:coverage", _("Coverage"), "bar-chart", group=menu.REPORTS, position=10
            ),
            menu.Entry(
                "visits:blind_spots",
                _("Blind spots"),
                "exclamation-triangle",
                group=menu.REPORTS,
                position=20,
            ),
            menu.Entry(
                "visits:visit_list",
                _("Visits"),
                "house-heart",
                group=menu.REPORTS,
                position=30,
                active_on=("visits:visit_list", "visits:visit_detail", "visits:person_visits"),
            ),
            menu.Entry(
                "visits:follow_up_list",
                _("Follow-ups"),
                "arrow-return-right",
                group=menu.REPORTS,
                position=40,
            ),
            menu.Entry(
                "visits:cold_snap_list",
                _("Cold snaps"),
                "snow",
                group=menu.REPORTS,
                position=50,
            ),
        )
