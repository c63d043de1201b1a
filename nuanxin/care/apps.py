from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "nuanxin.care"
    label = "care"

    def ready(self):
        from nuanxin.core import menu

        from . import selectors, timeline

        selectors.ready()
        timeline.ready()
        menu.register(
            menu.Entry(
                "care:agreement_list",
                _("Care agreements"),
                "people",
                position=40,
                active_on=("care:",),
            )
        )
