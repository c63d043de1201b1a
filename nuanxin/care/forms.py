"""Forms for care arrangements: thin shells over the services' arguments."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core import params
from nuanxin.registry.models import Category

from .models import (
    ActivityKind,
    CareDuty,
    CaregiverKind,
    CareLevel,
    GuardianSituation,
    Measure,
    Satisfaction,
    UnableReason,
)

DATE = forms.DateInput(attrs={"type": "date"})
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class RenewParams(forms.Form):
    renews = params.IdField(label=_("Renews"))


class ListParams(params.Params):
    region = params.RegionCodeField(label=_("Region"))
    active = forms.BooleanField(label=_("Active only"), required=False)


class PartyForm(forms.Form):
    caregiver_kind = forms.ChoiceField(label=_("Caregiver is a"), choices=CaregiverKind.choices)
    caregiver_name = forms.CharField(label=_("Caregiver's name"), max_length=60)
    caregiver_phone = forms.CharField(label=_("Caregiver's phone"), max_length=20)
    caregiver_id_number = forms.CharField(
        label=_("Caregiver's ID number"), max_length=18, required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
        help_text=_("When an organisation cares."),
    )

    def __init__(self, *args, **kwargs):
        from nuanxin.directory.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(active=True)

    def party(self) -> dict:
        data = self.cleaned_data
        return {
            "caregiver_kind": data["caregiver_kind"],
            "caregiver_name": data["caregiver_name"],
            "caregiver_phone": data["caregiver_phone"],
            "caregiver_id_number": data["caregiver_id_number"],
            "organisation_id": data["organisation"].pk if data["organisation"] else None,
        }


class AgreementForm(PartyForm):
    duties = forms.MultipleChoiceField(
        label=_("Duties agreed"), choices=CareDuty.choices, widget=forms.CheckboxSelectMultiple
    )
    care_level = forms.ChoiceField(label=_("Care level"), choices=CareLevel.choices)
    monthly_fee = forms.DecimalField(
        label=_("Monthly fee (yuan)"),
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    ends_on = forms.DateField(label=_("Until"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def fee_fen(self) -> int:
        return int(self.cleaned_data["monthly_fee"] * 100)


class AbsenceForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Cannot serve from"), widget=MOMENT, input_formats=MOMENT_FORMATS
    )
    ends_at = forms.DateTimeField(label=_("Until"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    reported_at = forms.DateTimeField(
        label=_("Reported at"),
        widget=MOMENT,
        input_formats=MOMENT_FORMATS,
        required=False,
        help_text=_("When the caregiver told you. Empty: now."),
    )


class SubstituteForm(PartyForm):
    absence = params.IdField(widget=forms.HiddenInput, required=True)


class EndForm(forms.Form):
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE, initial=timezone.localdate)
    unannounced = forms.BooleanField(
        label=_("Unannounced (四不两直: no notice, no greeting, no escort, straight to the home)"),
        required=False,
        initial=True,
    )
    duties_performed = forms.MultipleChoiceField(
        label=_("Duties found performed"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    home_ok = forms.BooleanField(label=_("The home is in order"), required=False, initial=True)
    satisfaction = forms.ChoiceField(
        label=_("The person's satisfaction"), choices=Satisfaction.choices
    )
    findings = forms.CharField(
        label=_("Findings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Anything to put right becomes a rectification task."),
    )
    rectification_owner = forms.ModelChoiceField(
        label=_("Who puts it right"), queryset=None, required=False
    )
    rectification_due_on = forms.DateField(label=_("Rectify by"), widget=DATE, required=False)

    def __init__(self, *args, agreement, **kwargs):
        from nuanxin.casework.services.service_tasks import assignable_users

        super().__init__(*args, **kwargs)
        labels = dict(CareDuty.choices)
        self.fields["duties_performed"].choices = [(d, labels.get(d, d)) for d in agreement.duties]
        self.fields["rectification_owner"].queryset = assignable_users(agreement.region_id)
        self.fields["rectification_owner"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )


class CoverageParams(forms.Form):
    region = params.RegionCodeField(label=_("Region"))


class PairingForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Partner organisation"), queryset=None)
    starts_on = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    school = forms.CharField(label=_("School"), max_length=100, required=False)
    grade = forms.CharField(label=_("Grade"), max_length=30, required=False)

    def __init__(self, *args, region_id: str, **kwargs):
        from nuanxin.directory.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(active=True).within(
            region_id
        )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity"), choices=ActivityKind.choices)
    held_on = forms.DateField(label=_("On"), widget=DATE, initial=timezone.localdate)
    outcome = forms.ChoiceField(
        label=_("Visit outcome"),
        choices=[("met", _("met")), ("not_at_home", _("not at home"))],
        initial="met",
        help_text=_("For a visit."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=300, required=False
    )


class ScreeningForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    region = params.RegionCodeField(
        label=_("District or street code"), required=True, help_text=_("e.g. 510114000000")
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)


class ResultForm(forms.Form):
    measure = forms.ChoiceField(label=_("Result"), choices=Measure.choices)
    reason = forms.CharField(
        label=_("Reason or details"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=300,
        required=False,
        help_text=_("Required when no measure is needed."),
    )


class ScreeningParams(params.Params):
    export = forms.ChoiceField(choices=[("", ""), ("xlsx", "xlsx")], required=False)


class EvaluationForm(forms.Form):
    guardian = forms.TypedChoiceField(label=_("Guardian"), coerce=int, choices=())
    situation = forms.ChoiceField(label=_("Situation"), choices=GuardianSituation.choices)
    unable_reason = forms.ChoiceField(
        label=_("Why unable"), choices=UnableReason.choices, required=False
    )
    lives_with_child = forms.BooleanField(
        label=_("Lives with the child"), required=False, initial=True
    )
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].choices = [(g.pk, f"{g.name} ({g.relation})") for g in guardians]


class GuardianMeasureForm(forms.Form):
    evaluation = params.IdField(widget=forms.HiddenInput, required=True)
    measure = forms.CharField(label=_("Measure taken"), max_length=300)


class DocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Signed agreement"), help_text=_("PDF, JPG or PNG, at most 10 MB.")
    )
