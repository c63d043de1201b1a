from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "nuanxin.visits"
    label = "visits"
