from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Each area of casework keeps its reads, writes, pages and forms in a module of
# the same name under services/, selectors/, views/ and forms/.
AREAS = (
    "requests",
    "assessments",
    "referrals",
    "applications",
    "service_tasks",
    "care_plans",
)


class CaseworkConfig(AppConfig):
    name = "nuanxin.casework"
    label = "casework"
    verbose_name = "casework"

    def ready(self):
        import importlib

        from . import receivers

        # Each area registers its duty sources, access links and tier facts.
        for area in AREAS:
            importlib.import_module(f"{self.name}.selectors.{area}").ready()
        importlib.import_module(f"{self.name}.timeline").ready()
        receivers.connect()
        _menu()


def _menu() -> None:
    from nuanxin.core import access, menu
    from nuanxin.directory.selectors import account_provider

    def helpers(user) -> bool:
        # Staff, and volunteers given tasks (their days); not providers or partners.
        return menu.viewers(user) or access.Role.VOLUNTEER in access.roles_of(user)

    def referrers(user) -> bool:
        return menu.viewers(user) or account_provider(user) is not None

    menu.register(
        menu.Entry(
            "casework:request_list",
            _("Help requests"),
            "life-preserver",
            position=30,
            active_on=("casework:request_",),
        ),
        menu.Entry(
            "casework:task_list",
            _("Tasks"),
            "check2-square",
            position=40,
            shown=helpers,
            active_on=("casework:task_", "casework:occurrence_"),
        ),
        menu.Entry(
            "casework:referral_list",
            _("Referrals"),
            "send",
            position=50,
            shown=referrers,
            active_on=("casework:referral_",),
        ),
    )
