from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "nuanxin.visits"
    label = "visits"

    def ready(self):
        from nuanxin.core import duties

        from . import receivers, timeline
        from .duties import VisitDuties

        receivers.connect()
        duties.register(VisitDuties())
        timeline.ready()
