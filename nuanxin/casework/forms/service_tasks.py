"""Forms for service tasks: thin shells over the services' arguments."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Recurrence, TaskKind
from ..services.service_tasks import assignable_users

DATE = forms.DateInput(attrs={"type": "date"})


def assignee_choices(region_id: str, roles=None) -> list[tuple[str, str]]:
    """Everyone who may be given a task over this region, volunteers included (or only
    those holding one of `roles`)."""
    users = assignable_users(region_id, roles) if roles else assignable_users(region_id)
    users = users.prefetch_related("memberships")
    return [("", "—")] + [(str(u.pk), _user_label(u)) for u in users]


def _user_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    roles = sorted({m.get_role_display() for m in user.memberships.all() if m.active})
    return f"{name} ({', '.join(str(r) for r in roles)})" if roles else name


class _AssigneeMixin:
    def _assignee_setup(self, region_id: str):
        self.fields["assignee"].choices = assignee_choices(region_id)

    def clean_assignee(self):
        from django.contrib.auth import get_user_model

        value = self.cleaned_data.get("assignee")
        return get_user_model().objects.filter(pk=int(value)).first() if value else None


class TaskForm(_AssigneeMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Task"), choices=TaskKind.choices)
    details = forms.CharField(
        label=_("Details"),
        max_length=300,
        required=False,
        help_text=_("What exactly, and anything the helper should know (no ID numbers)."),
    )
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    recurrence = forms.ChoiceField(
        label=_("Repeats"), choices=Recurrence.choices, initial=Recurrence.ONCE
    )
    starts_on = forms.DateField(label=_("First on"), widget=DATE, initial=timezone.localdate)
    occurrences = forms.IntegerField(label=_("Number of times"), min_value=1, required=False)
    until = forms.DateField(label=_("Until"), widget=DATE, required=False)

    def __init__(self, *args, region_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._assignee_setup(region_id)


class AssignForm(_AssigneeMixin, forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args, region_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._assignee_setup(region_id)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why cancel"), max_length=300, required=False)


class MissedForm(forms.Form):
    occurrence = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why it was missed"), max_length=300)


class DoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
