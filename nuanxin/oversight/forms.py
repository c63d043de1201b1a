"""Forms and query parameters of the oversight pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanxin.casework.models import NeedType, Urgency
from nuanxin.core import params

YES_NO = [("", _("—")), ("yes", _("yes")), ("no", _("no"))]


class SpotCheckParams(params.Params):
    region = params.RegionCodeField(label=_("region"))
    date = params.DayField(label=_("date"))
    export = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "xlsx")])


class DistrictParams(forms.Form):
    region = params.RegionCodeField(label=_("district"))


class CallForm(forms.Form):
    """One dial, as a worker records it on a phone."""

    reached = forms.TypedChoiceField(
        label=_("Reached?"),
        choices=[("yes", _("reached")), ("no", _("not reached, call again later"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    ok = forms.TypedChoiceField(
        label=_("Living situation OK?"),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    needs = forms.CharField(label=_("Needs"), max_length=300, required=False)
    winter_issue = forms.CharField(label=_("Winter issues"), max_length=300, required=False)
    epidemic_issue = forms.CharField(label=_("Epidemic issues"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))
    open_request = forms.BooleanField(label=_("Open a help request for this"), required=False)
    need_type = forms.ChoiceField(
        label=_("Need"),
        choices=[("", _("from the description"))] + list(NeedType.choices),
        required=False,
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="normal")
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class SettingForm(forms.Form):
    count = forms.IntegerField(
        label=_("People per street"), min_value=1, max_value=500, required=False
    )
    share = forms.IntegerField(
        label=_("Or a share per street (%)"), min_value=1, max_value=100, required=False
    )
    skip_days = forms.IntegerField(
        label=_("Skip people reached in the last (days)"), min_value=0, max_value=365, initial=30
    )
