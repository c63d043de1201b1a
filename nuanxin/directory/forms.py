"""Forms of the directory pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nuanxin.core.params import Params, RegionCodeField
from nuanxin.regions.models import Region

from .models import OrganisationKind, ProviderKind
from .selectors import area_choices


class AreaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region):
        return f"{obj.name} ({obj.code})"


class ProviderForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProviderKind.choices)
    services = forms.CharField(label=_("Services offered"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    service_area = AreaField(
        label=_("Service area"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("Each region covers everything under it. Empty: the whole city."),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_area"].queryset = area_choices()


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=60, required=False)
    role = forms.CharField(label=_("Role"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("phone"):
            self.add_error("phone", _("Give the contact's phone."))
        if data.get("phone") and not data.get("name"):
            self.add_error("name", _("Give the contact's name."))
        return data


ContactFormSet = forms.formset_factory(ContactForm, extra=2)


class FilterForm(Params):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all kinds")), *ProviderKind.choices], required=False
    )
    serves = forms.ModelChoiceField(
        label=_("Serves"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("anywhere"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any region may be asked for (a community, a grid); the menu offers the larger ones.
        self.fields["serves"].queryset = Region.objects.all()


class OrganisationFilterForm(Params):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("all kinds")), *OrganisationKind.choices], required=False
    )
    region = RegionCodeField(label=_("Area"))


class HotlineParams(forms.Form):
    region = RegionCodeField(label=_("Area"))
