"""The `nuanxin` console script: Django's manage.py under the project's name."""

import importlib
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanxin.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Settings refuse to start on a weak production configuration (a short
        # secret key …): say why in one line, not in a traceback.
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ImproperlyConfigured as exc:
        sys.exit(f"nuanxin: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
