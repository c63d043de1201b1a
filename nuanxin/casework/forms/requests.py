"""Forms for help requests: the hotline intake, the list filters, one form per action."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanxin.core.params import Params, RegionCodeField

from ..models import NeedType, RequestStatus, Source, Urgency

ALL = _("all")


def _blank(choices):
    return [("", ALL), *choices]


class RequestFilterForm(Params):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, pinyin, phone tail or #number")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(RequestStatus.choices), required=False
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=_blank(Urgency.choices), required=False)
    need = forms.ChoiceField(label=_("Need"), choices=_blank(NeedType.choices), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_blank(Source.choices), required=False)
    breached = forms.BooleanField(label=_("Response time breached"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    open = forms.BooleanField(label=_("Open only"), required=False)
    region = RegionCodeField(widget=forms.HiddenInput)

    def filters(self) -> dict:
        return self.filters_of(self.cleaned_data if self.is_valid() else {})

    @staticmethod
    def filters_of(data: dict) -> dict:
        """The selector's arguments from cleaned parameters."""
        return {
            "q": data.get("q", ""),
            "status": data.get("status", ""),
            "urgency": data.get("urgency", ""),
            "need": data.get("need", ""),
            "source": data.get("source", ""),
            "breached": bool(data.get("breached")),
            "mine": bool(data.get("mine")),
            "open_only": bool(data.get("open")),
            "region": _prefix(data.get("region") or ""),
        }


def _prefix(code: str) -> str:
    from nuanxin.regions.models import code_prefix

    try:
        return code_prefix(code) if code else ""
    except ValueError:
        return ""


class RequestIntakeForm(forms.Form):
    """The hotline operator's form: a registered person, or an unregistered caller and a region."""

    person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    caller_name = forms.CharField(label=_("Caller's name"), max_length=60, required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    caller_address = forms.CharField(label=_("Caller's address"), max_length=200, required=False)
    region_id = forms.ChoiceField(label=_("Where the caller lives"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.HOTLINE)
    need_type = forms.ChoiceField(label=_("Need"), choices=NeedType.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(
        label=_("What is needed"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_id"].choices = [("", "—"), *regions]


class TriageForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    need_type = forms.ChoiceField(label=_("Need"), choices=NeedType.choices, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AssignForm(forms.Form):
    assignee_ids = forms.MultipleChoiceField(
        label=_("Workers"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_ids"].choices = [
            (u.pk, u.get_full_name() or u.get_username()) for u in workers
        ]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How the need was met"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=300)


class MergeForm(forms.Form):
    into_id = forms.IntegerField(label=_("Merge into request number"), min_value=1)


class LinkPersonForm(forms.Form):
    """Choose among likely matches (same phone or name), or type the person's number."""

    person_id = forms.IntegerField(label=_("Registry person"), min_value=1)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        if people:
            self.fields["person_id"].widget = forms.Select(
                choices=[("", "—")] + [(p.pk, f"{p.name} · {p.region.name}") for p in people]
            )
        else:
            self.fields["person_id"].label = _("Registry person number")
            self.fields["person_id"].help_text = _("The number in the person's page address.")


# action -> (form class, button label, button style)
ACTION_FORMS = {
    "triage": (TriageForm, _("Triage"), "primary"),
    "assign": (AssignForm, _("Assign"), "primary"),
    "contact": (NoteForm, _("First contact made"), "success"),
    "start": (NoteForm, _("Start work"), "outline-primary"),
    "resolve": (ResolveForm, _("Resolve"), "success"),
    "close": (NoteForm, _("Close"), "secondary"),
    "reject": (RejectForm, _("Reject"), "outline-danger"),
    "merge": (MergeForm, _("Merge"), "outline-secondary"),
    "link": (LinkPersonForm, _("Link person"), "outline-primary"),
}
