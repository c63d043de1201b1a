"""The audit-log page: city administrators read who saw, changed or revealed what."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access
from nuanxin.core.params import DayField, Params, parse

from . import presenters
from .models import AuditAction, AuditEvent

PAGE_SIZE = 50


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(Params):
    username = forms.CharField(label=_("User"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    date_from = DayField(label=_("From"), widget=DateInput)
    date_to = DayField(label=_("Until"), widget=DateInput)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Object or reason")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds of object in words (a person, a help request …), never the stored code.
        self.fields["object_type"].choices = [("", _("All kinds")), *presenters.object_kinds()]

    def filter(self, qs):
        """Apply the valid filters; an invalid one is shown on the form and ignored."""
        if not self.is_bound:
            return qs
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("username"):
            qs = qs.filter(username=data["username"].strip())
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"].strip())
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"].strip())
        if data.get("date_from"):
            qs = qs.filter(at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            qs = qs.filter(at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
        if data.get("text"):
            text = data["text"].strip()
            qs = qs.filter(Q(object_repr__icontains=text) | Q(reason__icontains=text))
        return qs

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(k) for k in self.fields)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the local time zone (the day an officer means)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
def event_list(request):
    if not access.can(request.user, access.Action.AUDIT):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.select_related("user"))
    page = Paginator(events, PAGE_SIZE).get_page(parse(request, Params)["page"])
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "events": page.object_list,
            "lines": presenters.lines_for(page.object_list, reader=request.user),
        },
    )
