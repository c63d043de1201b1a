from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "nuanxin.ledgers"
    label = "ledgers"
