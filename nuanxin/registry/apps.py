from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "nuanxin.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self):
        from nuanxin.core import duties, menu

        from . import timeline
        from .duties import DeviceRemovalDuties

        duties.register(DeviceRemovalDuties())
        timeline.ready()
        menu.register(
            menu.Entry(
                "registry:person_list", _("People"), "people", position=20, active_on=("registry:",)
            )
        )
