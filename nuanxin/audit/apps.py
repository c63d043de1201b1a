from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "nuanxin.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from nuanxin.core import access, menu

        from . import receivers  # noqa: F401 - connects the daily-run record

        menu.register(
            menu.Entry(
                "audit:event_list",
                _("Audit log"),
                "journal-text",
                group=menu.ADMIN,
                position=90,
                shown=lambda user: access.can(user, access.Action.AUDIT),
                active_on=("audit:",),
            )
        )
