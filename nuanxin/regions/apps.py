from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "nuanxin.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self):
        from nuanxin.core import menu

        from . import services

        menu.register(
            menu.Entry(
                "regions:grid_create",
                _("Add a grid"),
                "grid-3x3",
                group=menu.ADMIN,
                position=82,
                shown=lambda user: not services.grid_scope(user).nowhere,
            )
        )
