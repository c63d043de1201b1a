from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _viewers_and_partners(user) -> bool:
    """Staff over an area, and the contacts who answer for a partner organisation."""
    from nuanxin.core import access
    from nuanxin.directory.selectors import account_organisation

    return access.can(user, access.Action.VIEW) or account_organisation(user) is not None


class CareConfig(AppConfig):
    name = "nuanxin.care"
    label = "care"

    def ready(self):
        from nuanxin.registry.services import guardian_check_register

        from .selectors import guardian_may_consent

        guardian_check_register(guardian_may_consent)
        from nuanxin.core import menu

        from . import selectors, timeline

        selectors.ready()
        timeline.ready()
        menu.register(
            menu.Entry(
                "care:agreement_list",
                _("Care agreements"),
                "people",
                group=menu.CARE,
                position=40,
                active_on=("care:agreement_", "care:check_"),
            ),
            menu.Entry(
                "care:pairing_list",
                _("Pairings"),
                "people-fill",
                group=menu.CARE,
                position=45,
                shown=_viewers_and_partners,
                active_on=("care:pairing_list", "care:pairing_new", "care:activity_new"),
            ),
            menu.Entry(
                "care:screening_list",
                _("Screenings"),
                "clipboard-data",
                group=menu.CARE,
                position=48,
                active_on=("care:screening_",),
            ),
            menu.Entry(
                "care:pairing_coverage",
                _("Pairing coverage"),
                "diagram-2",
                group=menu.CARE,
                position=60,
            ),
        )
