"""Forms of the visits pages: thin shells over the services' arguments."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nuanxin.core.params import (
    BadParameters,
    DayField,
    MonthField,
    Params,
    RegionCodeField,
)
from nuanxin.core.tiers import Tier
from nuanxin.regions.models import Level, Region

from . import signals
from .models import FindingKind, FollowUpKind, Method, Outcome, WithWhom

ANSWERS = [("", _("not checked")), ("ok", _("OK")), ("fail", _("failed")), ("na", _("n/a"))]
# Checklist versions are data; their section codes get a readable heading here.
SECTION_LABELS = {
    "gas": _("Gas safety"),
    "heating": _("Heating and carbon monoxide"),
    "living": _("Food, water and living conditions"),
    "health": _("Health and mood"),
    "family": _("Family and emergency contact"),
}


class VisitForm(forms.Form):
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    visited_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, initial=Method.HOME)
    with_whom = forms.ChoiceField(label=_("Visited by"), choices=WithWhom.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, initial=Outcome.MET)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, checklist_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_items = list(checklist_items)
        for item in self.checklist_items:
            self.fields[f"check_{item['code']}"] = forms.ChoiceField(
                label=_(item["label"]),
                choices=ANSWERS,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A visit cannot be in the future."))
        return day

    def checklist(self) -> dict:
        return {
            item["code"]: self.cleaned_data.get(f"check_{item['code']}")
            for item in self.checklist_items
            if self.cleaned_data.get(f"check_{item['code']}")
        }

    def checklist_sections(self):
        """[(section, [bound fields])] for the template, in checklist order."""
        sections: dict[str, list] = {}
        for item in self.checklist_items:
            sections.setdefault(item["section"], []).append(self[f"check_{item['code']}"])
        return [(SECTION_LABELS.get(code, code), fields) for code, fields in sections.items()]


class FindingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Finding"), choices=[("", "—"), *FindingKind.choices], required=False
    )
    text = forms.CharField(label=_("What was found"), max_length=300, required=False)
    tier = forms.ChoiceField(
        label=_("Raise to"), choices=[("", "—"), *Tier.choices], required=False
    )
    ends_on = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    follow_up_kind = forms.ChoiceField(
        label=_("Follow-up"), choices=[("", "—"), *FollowUpKind.choices], required=False
    )
    repeat_days = forms.IntegerField(
        label=_("Daily for (days)"), min_value=0, max_value=366, required=False
    )
    # A service-task follow-up: which job, and who does it (staff or a volunteer
    # of the person's area). Casework turns it into a task when the visit is saved.
    task_kind = forms.ChoiceField(label=_("Task"), required=False)
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    # Which fields a finding of each kind needs: the page shows only those once a kind is
    # chosen (static/nuanxin.js, `data-shows-for`); without a script every field shows.
    FIELDS_FOR = {
        "text": "*",
        "tier": str(FindingKind.RAISE_TIER),
        "ends_on": str(FindingKind.RAISE_TIER),
        "follow_up_kind": str(FindingKind.FOLLOW_UP),
        # A task's fields, only for a follow-up that becomes a service task.
        "repeat_days": f"{FindingKind.FOLLOW_UP}:{FollowUpKind.SERVICE_TASK}",
        "task_kind": f"{FindingKind.FOLLOW_UP}:{FollowUpKind.SERVICE_TASK}",
        "assignee": f"{FindingKind.FOLLOW_UP}:{FollowUpKind.SERVICE_TASK}",
    }

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = signals.task_options
        self.fields["task_kind"].choices = [("", "—"), *options.kinds()]
        choices = [("", "—")]
        if person is not None:
            # Once per page, not once per finding row.
            if not hasattr(person, "_assignee_choices"):
                person._assignee_choices = [
                    c for c in options.assignees(person.region_id) if c[0] != ""
                ]
            choices = [("", "—"), *person._assignee_choices]
            # The person's usual worker, preselected: most tasks go to them.
            if not hasattr(person, "_usual_assignee"):
                person._usual_assignee = options.usual_assignee(person.region_id)
            if person._usual_assignee and any(c[0] == person._usual_assignee for c in choices):
                self.fields["assignee"].initial = person._usual_assignee
        self.fields["assignee"].choices = choices

    def clean_assignee(self):
        value = self.cleaned_data.get("assignee")
        return int(value) if value else None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if not data.get("text"):
            self.add_error("text", _("Say what was found."))
        if kind == FindingKind.RAISE_TIER:
            if not data.get("tier"):
                self.add_error("tier", _("Choose the tier."))
            if not data.get("ends_on"):
                self.add_error("ends_on", _("Give an end date."))
        return data


# Six rows: S1 alone needs four (the raised tier and three tasks). The page shows two
# and a button reveals the rest one by one.
FindingFormSet = forms.formset_factory(FindingForm, extra=6, max_num=10)


class TierRaiseForm(forms.Form):
    tier = forms.ChoiceField(label=_("Raise to"), choices=Tier.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_ends_on(self):
        day = self.cleaned_data["ends_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The end date is in the past."))
        return day


class ColdSnapForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=120)
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=Region.objects.filter(level=Level.DISTRICT),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    red_gap_days = forms.IntegerField(label=_("Red: contact every (days)"), min_value=1, initial=1)
    yellow_gap_days = forms.IntegerField(
        label=_("Yellow: contact every (days)"), min_value=1, initial=3
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data


# --- query parameters (core.params) -------------------------------------------------


class AreaParams(Params):
    """A list narrowed to a region, a page at a time."""

    region = RegionCodeField()


class WorklistParams(AreaParams):
    date = DayField()
    list = forms.BooleanField(required=False)  # an officer asks for the rows, not the counts


class MonthParams(AreaParams):
    month = MonthField()
    export = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "xlsx")])

    def clean_month(self):
        return self.cleaned_data["month"] or timezone.localdate().replace(day=1)


def parse_month(text: str | None) -> dt.date:
    """'YYYY-MM' → the first of that month (a posted form's month; 400 if unreadable)."""
    field = MonthField()
    try:
        return field.clean(text) or timezone.localdate().replace(day=1)
    except forms.ValidationError:
        raise BadParameters(_month_form(text)) from None


def _month_form(text):
    form = MonthParams({"month": text})
    form.is_valid()
    return form
