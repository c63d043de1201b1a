"""Forms for casework: assistance applications."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ApplicationStatus, Scheme
from ..services.applications import common_documents


class DocumentsField(forms.MultipleChoiceField):
    """The common documents as checkboxes, plus any the worker types in."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value):
        return True  # documents already recorded stay, even if not offered


class ApplicationForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Applied for"), choices=Scheme.choices)
    details = forms.CharField(label=_("Details"), max_length=300, required=False)
    documents = DocumentsField(label=_("Documents gathered"), required=False)
    other_documents = forms.CharField(
        label=_("Other documents"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, scheme: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [(d, d) for d in common_documents(scheme)]

    def all_documents(self) -> list[str]:
        typed = self.cleaned_data.get("other_documents", "").splitlines()
        return [*self.cleaned_data.get("documents", []), *typed]


class ApplicationUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ApplicationStatus.choices)
    documents = DocumentsField(label=_("Documents gathered"), required=False)
    other_documents = forms.CharField(
        label=_("Other documents"),
        required=False,
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submitted_on = forms.DateField(
        label=_("Submitted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decided_on = forms.DateField(
        label=_("Decided on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decision = forms.CharField(label=_("Decision"), max_length=300, required=False)

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": application.status,
                "documents": application.documents,
                "submitted_on": application.submitted_on,
                "decided_on": application.decided_on,
                "decision": application.decision,
            },
        )
        super().__init__(*args, **kwargs)
        # Offer only the statuses the application may move to from here.
        from ..services.applications import TRANSITIONS

        allowed = {application.status, *TRANSITIONS.get(application.status, ())}
        self.fields["status"].choices = [
            (v, label) for v, label in ApplicationStatus.choices if v in allowed
        ]
        offered = common_documents(application.scheme)
        extra = [d for d in application.documents if d not in offered]
        self.fields["documents"].choices = [(d, d) for d in [*offered, *extra]]

    def all_documents(self) -> list[str]:
        typed = self.cleaned_data.get("other_documents", "").splitlines()
        return [*self.cleaned_data.get("documents", []), *typed]
