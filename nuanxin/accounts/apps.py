from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "nuanxin.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from nuanxin.core import menu

        from . import (
            receivers,  # noqa: F401 — connects the login receivers
            selectors,
        )

        menu.register(
            menu.Entry(
                "accounts:security",
                _("Account security"),
                "shield-lock",
                group=menu.ADMIN,
                position=95,
                shown=menu.everyone,
                active_on=(
                    "accounts:security",
                    "accounts:otp_enrol",
                    "accounts:otp_recovery",
                    "accounts:otp_remove",
                    "accounts:token_list",
                ),
            ),
            menu.Entry(
                "accounts:staff_list",
                _("Staff"),
                "people",
                group=menu.ADMIN,
                position=80,
                shown=selectors.is_officer,
                active_on=("accounts:staff_list", "accounts:roster_import"),
            ),
            menu.Entry(
                "accounts:grid_create",
                _("Add a grid"),
                "grid-3x3",
                group=menu.ADMIN,
                position=82,
                shown=selectors.is_officer,
            ),
            menu.Entry(
                "accounts:lock_list",
                _("Locked logins"),
                "unlock",
                group=menu.ADMIN,
                position=85,
                shown=selectors.is_officer,
                active_on=("accounts:lock_list", "accounts:lock_lift"),
            ),
        )
