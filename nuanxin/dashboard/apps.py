from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "nuanxin.dashboard"
    label = "dashboard"

    def ready(self):
        from nuanxin.core import menu

        menu.register(
            menu.Entry(
                "dashboard:home", _("Dashboard"), "speedometer2", position=0, shown=menu.everyone
            )
        )
