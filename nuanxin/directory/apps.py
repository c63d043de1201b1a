from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "nuanxin.directory"
    label = "directory"

    def ready(self):
        from nuanxin.core import menu

        from . import selectors

        selectors.ready()
        menu.register(
            menu.Entry(
                "directory:provider_list",
                _("Directory"),
                "building",
                group=menu.ADMIN,
                position=20,
                active_on=("directory:",),
            )
        )
