"""Forms for care plans: thin shells over the services' arguments."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import PlanKind, Recurrence, SessionMode
from ..services.care_plans import responsible_candidates

DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices)
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(
        label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    responsible = forms.ModelMultipleChoiceField(
        label=_("Responsible workers"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(
        label=_("First session on"), widget=DATE, initial=timezone.localdate
    )
    recurrence = forms.ChoiceField(
        label=_("Sessions"),
        choices=[(Recurrence.WEEKLY, _("weekly")), (Recurrence.DAILY, _("daily"))],
        initial=Recurrence.WEEKLY,
    )
    sessions = forms.IntegerField(
        label=_("Number of sessions"), min_value=1, max_value=366, initial=12
    )
    review_on = forms.DateField(
        label=_("Review on"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty: a week after the last session."),
    )

    def __init__(self, *args, region_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_candidates(region_id)
        self.fields["responsible"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE, initial=timezone.localdate)
    mode = forms.ChoiceField(
        label=_("How"), choices=SessionMode.choices, initial=SessionMode.IN_PERSON
    )
    notes = forms.CharField(
        label=_("Session notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label=pgettext_lazy("result of work", "Outcome"), widget=forms.Textarea(attrs={"rows": 3})
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE, initial=timezone.localdate)
