from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nuanxin.core.access import Role
from nuanxin.core.params import Params, RegionCodeField


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        help_text=_(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("The 6 digits the app shows for Nuanxin after you add it."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("What the token is for, e.g. “visit app on my phone”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DAYS,
    )


class LockLiftForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    address = forms.GenericIPAddressField(required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if bool(data.get("username")) == bool(data.get("address")):
            raise forms.ValidationError(_("Choose one lock to lift."))
        return data


class RosterForm(forms.Form):
    file = forms.FileField(
        label=_("Staff roster"),
        help_text=_(
            "xlsx, xls, ods or csv with the columns name, phone, role, region code and,"
            " optionally, username (姓名, 手机, 角色, 区划代码, 用户名)."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only: change nothing"), required=False, initial=False
    )


class StaffFilterForm(Params):
    region = RegionCodeField(label=_("Region code"))
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    text = forms.CharField(label=_("Name or username"), required=False, max_length=60)


class GridForm(forms.Form):
    community = forms.ChoiceField(label=_("Community / village"))
    number = forms.CharField(
        label=_("Grid number"),
        min_length=3,
        max_length=3,
        help_text=_(
            "3 digits, 001 to 999: the grid's code is the community's 12 digits and these."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{3}"}),
    )
    name = forms.CharField(label=_("Grid name"), max_length=60)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.code, f"{c.code} {c.name}") for c in communities]
