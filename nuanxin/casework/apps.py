from django.apps import AppConfig

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
