from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "nuanxin.dashboard"
    label = "dashboard"
