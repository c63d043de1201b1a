"""The query strings of the casework pages, parsed (`nuanxin.core.params`)."""

from __future__ import annotations

from django import forms

from nuanxin.core.params import DayField, IdField, Params

from ..models import ApplicationStatus, ReferralStatus, Scheme, TaskKind, TaskStatus


def _choices(choices):
    return [("", ""), *choices]


class ReferralParams(Params):
    status = forms.ChoiceField(required=False, choices=_choices(ReferralStatus.choices))
    provider = IdField()
    overdue = forms.BooleanField(required=False)


class ApplicationParams(Params):
    scheme = forms.ChoiceField(required=False, choices=_choices(Scheme.choices))
    status = forms.ChoiceField(required=False, choices=_choices(ApplicationStatus.choices))


class AssigneeField(forms.CharField):
    """A user's id, or "none" for tasks nobody was given."""

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if value in ("", "none"):
            return value
        return str(IdField().clean(value))


class TaskParams(Params):
    date = DayField()
    mine = forms.BooleanField(required=False)
    kind = forms.ChoiceField(required=False, choices=_choices(TaskKind.choices))
    assignee = AssigneeField(required=False, max_length=20)
    status = forms.ChoiceField(required=False, choices=_choices(TaskStatus.choices))
    missed = forms.BooleanField(required=False)


class LinkedRecords(forms.Form):
    """The records a "new …" page was opened from: ?request=ID, ?assessment=ID."""

    request = IdField()
    assessment = IdField()


class IntakeParams(forms.Form):
    person = IdField()
    q = forms.CharField(required=False, max_length=60)
