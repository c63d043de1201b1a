"""Forms for casework: the needs assessment, section by section."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.selectors import users_over

from ..models import AdlItem, AdlLevel, Loneliness
from ..services.assessments import ASSESSOR_ROLES


def assessors_for(region_code: str):
    """Users who may sign an assessment of someone living in this region."""
    return users_over(region_code, ASSESSOR_ROLES)


class AssessorField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _text(label, rows=2, required=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(
        label=_("Assessed on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    assessors = AssessorField(
        label=_("Assessed by"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    living_conditions = _text(
        _("Living conditions"), help_text=_("Housing, heating, water, gas, hygiene.")
    )
    health = _text(_("Health"), help_text=_("Illnesses, medicine, vision and hearing."))
    safety = _text(_("Safety"), help_text=_("Gas, electricity, falls, fire, living alone."))
    psychological = _text(_("Psychological state"))
    loneliness = forms.ChoiceField(
        label=_("Loneliness"),
        choices=Loneliness.choices,
        initial=Loneliness.NONE,
        widget=forms.RadioSelect,
    )
    social_support = _text(_("Social and family support"))
    finances = _text(_("Finances"))
    summary = _text(_("Summary"), rows=3, required=True)
    recommendations = _text(_("Recommended measures"), rows=3)

    SECTIONS = (
        (_("Living conditions"), ("living_conditions",)),
        (_("Health and self-care"), ("health",)),
        (_("Safety"), ("safety",)),
        (_("Psychological state"), ("psychological", "loneliness")),
        (_("Support and finances"), ("social_support", "finances")),
        (_("Conclusion"), ("summary", "recommendations")),
    )

    def __init__(self, *args, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = assessors_for(region_code)
        for item, label in AdlItem.choices:
            self.fields[f"adl_{item}"] = forms.ChoiceField(
                label=label,
                choices=AdlLevel.choices,
                initial=AdlLevel.INDEPENDENT,
                widget=forms.RadioSelect,
            )

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("An assessment cannot be dated in the future."))
        return day

    def adl(self) -> dict:
        return {item: self.cleaned_data[f"adl_{item}"] for item in AdlItem.values}

    def adl_fields(self):
        return [self[f"adl_{item}"] for item in AdlItem.values]

    def sections(self):
        """[(heading, [bound fields])] in the order the page shows them."""
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def texts(self) -> dict:
        names = (
            "living_conditions",
            "health",
            "safety",
            "psychological",
            "social_support",
            "finances",
            "recommendations",
        )
        return {name: self.cleaned_data[name] for name in names}
