"""Forms for casework: referrals and their steps."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.directory.models import ProviderKind, ServiceProvider
from nuanxin.directory.selectors import providers_for_person


class ProviderField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class ReferralForm(forms.Form):
    provider = ProviderField(label=_("Provider"), queryset=ServiceProvider.objects.none())
    asked = forms.CharField(
        label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    sent_on = forms.DateField(
        label=_("Sent on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_on = forms.DateField(
        label=_("To be done by"),
        initial=lambda: timezone.localdate() + dt.timedelta(days=3),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, region_code: str, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_for_person(region_code=region_code, kind=kind)


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all kinds")), *ProviderKind.choices], required=False
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=1000)


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)
