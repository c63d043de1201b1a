from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The account pages in the administration menu: (URL name, label, icon, position, who sees
# it, the URL names that light it up). `None` for who: everyone; "officer": officers.
MENU = (
    ("accounts:security", _("Account security"), "shield-lock", 95, None,
     ("accounts:security", "accounts:otp_enrol", "accounts:otp_recovery", "accounts:otp_remove",
      "accounts:token_list")),
    ("accounts:staff_list", _("Staff"), "people", 80, "officer",
     ("accounts:staff_list", "accounts:roster_import")),
    ("accounts:grid_create", _("Add a grid"), "grid-3x3", 82, "officer", ()),
    ("accounts:lock_list", _("Locked logins"), "unlock", 85, "officer",
     ("accounts:lock_list", "accounts:lock_lift")),
)  # fmt: skip


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

        shown = {None: menu.everyone, "officer": selectors.is_officer}
        menu.register(
            *(
                menu.Entry(
                    name,
                    label,
                    icon,
                    group=menu.ADMIN,
                    position=position,
                    shown=shown[who],
                    active_on=active_on,
                )
                for name, label, icon, position, who, active_on in MENU
            )
        )
