from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nuanxin.demo"
    label = "demo"
