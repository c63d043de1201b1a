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


# --- joint supervision ---------------------------------------------------------------------


class SupervisionParams(params.Params):
    region = params.RegionCodeField(label=_("region"))


class RectificationParams(params.Params):
    region = params.RegionCodeField(label=_("region"))
    overdue = forms.BooleanField(required=False)
    mine = forms.BooleanField(required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    leader = forms.CharField(label=_("Leader"), max_length=60, required=False)
    department_ids = forms.TypedMultipleChoiceField(
        label=_("Departments"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department_ids"].choices = [(d.pk, d.name) for d in departments]


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    target_codes = forms.MultipleChoiceField(
        label=_("Streets and communities"), widget=forms.CheckboxSelectMultiple
    )
    other_targets = forms.CharField(
        label=_("Caregivers or institutions"), max_length=300, required=False
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput({"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput({"type": "date"}))
    focus = forms.CharField(label=_("Focus areas"), max_length=300, required=False)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_codes"].choices = [(r.code, r.name) for r in places]


class InspectionForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Place inspected"))
    method = forms.ChoiceField(label=_("Method"))
    on = forms.DateField(label=_("Date"), widget=forms.DateInput({"type": "date"}))
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, places=(), **kwargs):
        from .models import Method

        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [(r.code, r.name) for r in places]
        self.fields["method"].choices = Method.choices


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea({"rows": 2}))
    severity = forms.ChoiceField(label=_("Severity"))
    responsible_unit_id = forms.TypedChoiceField(
        label=_("Responsible department"), coerce=int, empty_value=None, required=False
    )
    responsible_name = forms.CharField(label=_("Responsible unit"), max_length=120, required=False)
    owner_id = forms.TypedChoiceField(label=_("Rectification owner"), coerce=int)
    deadline = forms.DateField(label=_("Rectify by"), widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, units=(), owners=(), **kwargs):
        from .models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = Severity.choices
        self.fields["responsible_unit_id"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
        self.fields["owner_id"].choices = [
            (u.pk, u.get_full_name() or u.get_username()) for u in owners
        ]


class DoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=300)


# --- street rescue ---------------------------------------------------------------------------


class SeasonParams(forms.Form):
    region = params.RegionCodeField(label=_("region"))
    export = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "xlsx")])


# "from" is a Python keyword: the API's names, added by hand.
SeasonParams.base_fields["from"] = params.DayField(label=_("from"))
SeasonParams.base_fields["to"] = params.DayField(label=_("to"))

LOCAL_MINUTE = forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MINUTE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PatrolForm(forms.Form):
    team = forms.CharField(label=_("Team"), max_length=120)
    route = forms.CharField(label=_("Route"), max_length=300)
    started_at = forms.DateTimeField(
        label=_("Started at"), widget=LOCAL_MINUTE, input_formats=MINUTE_FORMATS
    )


class EncounterForm(forms.Form):
    """Someone met on the street, as a patrol records it on a phone."""

    at = forms.DateTimeField(label=_("Time"), widget=LOCAL_MINUTE, input_formats=MINUTE_FORMATS)
    place = forms.CharField(label=_("Place"), max_length=200)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False,
        min_value=-90, max_value=90,
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False,
        min_value=-180, max_value=180,
    )  # fmt: skip
    person_id = params.IdField(
        label=_("Registry record number"),
        help_text=_("When the person is identified: the number on their profile page."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("When not identified: sex, apparent age, clothing, what they said."),
    )
    condition = forms.CharField(label=_("Condition"), max_length=300)
    outcome = forms.ChoiceField(label=_("What happened"), widget=forms.RadioSelect)
    follow_ups = forms.CharField(label=_("Follow-ups"), max_length=300, required=False)
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from .models import Outcome

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Outcome.choices


class MonthlyParams(forms.Form):
    region = params.RegionCodeField(label=_("region"))
    month = params.MonthField(label=_("month"))
    export = forms.ChoiceField(required=False, choices=[("", ""), ("xlsx", "xlsx")])


class LinkForm(forms.Form):
    person_id = params.IdField(label=_("Registry record number"), required=True)
