"""Forms of the campaign pages: the query parameters, a new campaign, and the field forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanxin.core import params
from nuanxin.core.tiers import Tier
from nuanxin.directory.models import Hotline
from nuanxin.registry.models import Category, DeviceKind

from .models import CallOutcome, CampaignStatus, FundKind, Kind, Method, Signer, Status, Unit


class ListParams(params.Params):
    status = forms.ChoiceField(
        required=False, choices=[("", _("any status")), *CampaignStatus.choices]
    )


class ProgressParams(forms.Form):
    region = params.RegionCodeField()


class AllocationParams(params.Params):
    region = params.RegionCodeField()
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("any status")), ("outstanding", _("outstanding")), *Status.choices],
    )
    method = forms.ChoiceField(required=False, choices=[("", _("any method")), *Method.choices])


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    region_codes = forms.CharField(
        label=_("Regions"),
        help_text=_("12-digit region codes, separated by spaces or commas."),
        max_length=2000,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    items = forms.CharField(
        label=_("Items"),
        help_text=_("One a line: name × quantity, e.g. N95 口罩 × 10"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    budget_yuan = forms.DecimalField(
        label=_("Budget (yuan)"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    starts_on = params.DayField(label=_("Starts on"))
    ends_on = params.DayField(label=_("Ends on"))
    device_kind = forms.ChoiceField(
        label=_("Device to install"),
        choices=[("", _("none")), *DeviceKind.choices],
        required=False,
        help_text=_("Installation campaigns."),
    )
    hotlines = forms.ModelMultipleChoiceField(
        label=_("Hotline sheet"),
        queryset=Hotline.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_region_codes(self):
        codes = self.cleaned_data["region_codes"].replace(",", " ").replace("，", " ").split()
        field = params.RegionCodeField()
        return [field.clean(c) for c in codes]

    def clean_items(self):
        out = []
        for line in (self.cleaned_data.get("items") or "").splitlines():
            if not line.strip():
                continue
            for sep in ("×", "x", "X", "*"):
                if sep in line:
                    name, _sep, qty = line.rpartition(sep)
                    break
            else:
                raise forms.ValidationError(_("Write each item as name × quantity."))
            try:
                out.append({"name": name.strip(), "quantity": int(qty.strip())})
            except ValueError:
                raise forms.ValidationError(_("Write each item as name × quantity.")) from None
        return out

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "kind": d["kind"],
            "region_codes": d["region_codes"],
            "categories": d["categories"],
            "tiers": d["tiers"],
            "unit": d["unit"],
            "items": d["items"],
            "budget_fen": int(d["budget_yuan"] * 100),
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "hotline_ids": [h.pk for h in d["hotlines"]],
            "device_kind": d.get("device_kind") or "",
        }


class NotifyForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Call outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class DeliverForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Handed over as"),
        choices=[
            (Method.PICKUP, _("collected")),
            (Method.DELIVERY, _("delivered home")),
            (Method.INSTALLATION, _("installed")),
        ],  # fmt: skip
    )
    signer = forms.ChoiceField(
        label=_("Signed by"), choices=Signer.choices, widget=forms.RadioSelect
    )
    signer_name = forms.CharField(label=_("Relative's name"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MethodForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Delivery method"),
        choices=[
            (Method.PICKUP, Method.PICKUP.label),
            (Method.DELIVERY, Method.DELIVERY.label),
        ],  # fmt: skip
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=2, max_length=200)


class FundForm(forms.Form):
    name = forms.CharField(label=_("Fund name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=FundKind.choices)
    region_code = params.RegionCodeField(label=_("Region code"), required=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("income", _("income")),
            ("transfer", _("transfer down")),
            ("purchase", _("purchase")),
            ("refund", _("refund")),
            ("correction", _("correction (reversal)")),
        ],
    )
    amount_yuan = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    region = params.RegionCodeField(label=_("Region code"))
    to_region = params.RegionCodeField(label=_("To region code"))
    campaign_id = params.IdField(label=_("Campaign number"))
    reverses_id = params.IdField(label=_("Entry number to reverse"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        yuan = d.get("amount_yuan")
        return {
            "kind": d["kind"],
            "amount_fen": int(yuan * 100) if yuan is not None else 0,
            "region": d.get("region") or "",
            "to_region": d.get("to_region") or "",
            "campaign_id": d.get("campaign_id"),
            "reverses_id": d.get("reverses_id"),
            "note": d.get("note") or "",
        }


class InstallForm(forms.Form):
    installed_on = params.DayField(label=_("Installed on"))
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=60, required=False)
    installer = forms.CharField(label=_("Installed by"), max_length=60, required=False)
