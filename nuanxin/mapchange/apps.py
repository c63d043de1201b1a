from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapChangeConfig(AppConfig):
    name = "nuanxin.mapchange"
    label = "mapchange"
    verbose_name = _("Administrative changes")

    def ready(self):
        from nuanxin.core import access, menu
        from nuanxin.regions import cli

        from . import commands, receivers

        receivers.connect()
        cli.register(commands.SUBCOMMANDS)
        menu.register(
            menu.Entry(
                "mapchange:change_list",
                _("Map changes"),
                "diagram-3",
                group=menu.ADMIN,
                position=40,
                active_on=("mapchange:",),
                shown=lambda user: access.Role.CITY_ADMIN in access.roles_of(user),
            )
        )
