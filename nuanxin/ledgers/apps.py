from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "nuanxin.ledgers"
    label = "ledgers"

    def ready(self):
        from nuanxin.core import menu, tables
        from nuanxin.regions import cli

        from . import exports, regions_cli, services
        from .pipeline.read import read_table

        tables.register_reader(read_table)  # the region-tree and roster imports read with it
        cli.register({"import": regions_cli})  # `nuanxin regions import FILE`

        exports.register(
            exports.Ledger(kind="people", label=_("People"), write=services.people_export_to)
        )
        menu.register(
            menu.Entry(
                "ledgers:import_start",
                _("Import ledgers"),
                "upload",
                group=menu.ADMIN,
                position=10,
                shown=menu.changers,
                active_on=("ledgers:",),
            )
        )
