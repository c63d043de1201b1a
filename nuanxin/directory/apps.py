from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "nuanxin.directory"
    label = "directory"

    def ready(self):
        from . import selectors

        selectors.ready()
