from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nuanxin.api"
    label = "api"
