from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nuanxin.core"
    label = "core"
