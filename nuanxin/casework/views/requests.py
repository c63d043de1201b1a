"""Pages for help requests: the list, the hotline intake, the record and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.regions.models import Level, Region
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_get, person_search_q
from nuanxin.registry.services import person_searched

from ..forms import requests as forms
from ..forms.params import IntakeParams
from ..selectors import requests as selectors
from ..services import requests as services


@login_required
def request_list(request):
    query = params.parse(request, forms.RequestFilterForm)
    form = forms.RequestFilterForm(request.GET or None)
    now = timezone.now()
    filters = forms.RequestFilterForm.filters_of(query)
    rows = selectors.request_list(user=request.user, now=now, **filters)
    page = Paginator(rows, 50).get_page(query["page"])
    if filters["q"]:
        person_searched(user=request.user, text=filters["q"], request=request)
    return render(
        request,
        "casework/requests/request_list.html",
        {
            "form": form,
            "page": page,
            "now": now,
            "filtered": any(request.GET.get(k) for k in form.fields if k != "q"),
            "can_create": access.can(request.user, access.Action.CHANGE),
        },
    )


def _intake_regions(user) -> list[tuple[str, str]]:
    """Streets, communities and grids the user may open requests in (for unregistered callers)."""
    regions = (
        Region.objects.current()
        .filter(access.scope(user, access.Action.CHANGE).q("code"), level__gte=Level.STREET)
        .order_by("code")[:1000]
    )
    return [(r.code, f"{r.name} · {r.code}") for r in regions]


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    """The hotline intake: find the caller in the registry, or take their name, phone and region."""
    person = None
    query = params.parse(request, IntakeParams)
    person_id = query["person"]
    if request.method == "POST":
        person_id = params.parse(request, IntakeParams, data={"person": request.POST.get(
            "person_id")})["person"]  # fmt: skip
    if person_id:
        # Named, the person decides: out of sight 404, in sight but read-only 403.
        person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    access.require_somewhere(request.user, access.Action.CHANGE)
    form = forms.RequestIntakeForm(
        request.POST or None,
        regions=[] if person else _intake_regions(request.user),
        initial={"person_id": person.pk if person else None},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["person_id"] = person.pk if person else None
        try:
            hr = services.request_create(user=request.user, request=request, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Help request #%(n)s received.") % {"n": hr.pk})
            return redirect("casework:request_detail", hr.pk)
    q = query["q"].strip()
    found = []
    if q and person is None:
        found = list(
            Person.objects.restrict(request.user, access.Action.CHANGE)
            .filter(person_search_q(q, user=request.user))
            .select_related("region")
            .order_by("name", "pk")[:20]
        )
        person_searched(user=request.user, text=q, request=request)
    return render(
        request,
        "casework/requests/request_new.html",
        {"form": form, "person": person, "q": q, "found": found},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    """The record, its SLA, its history, and a form for each action its status allows."""
    now = timezone.now()
    hr = selectors.request_get(user=request.user, pk=pk, now=now)
    may_change = selectors.can_change(request.user, hr)
    failed = None
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, hr)
        action = request.POST.get("action", "")
        form = _action_form(action, hr, request.user, data=request.POST)
        if form is None:
            raise Http404
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            if action == "assign":
                fields["assignee_ids"] = [int(i) for i in fields.get("assignee_ids", [])]
            try:
                services.request_transition(
                    user=request.user, help_request=hr, action=action, request=request, **fields
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("casework:request_detail", hr.pk)
        failed = (action, form)
    actions = []
    if may_change:
        allowed = services.allowed_actions(hr.status)
        if hr.person_id is None and hr.status in (
            "new",
            "triaged",
            "assigned",
            "in_progress",
            "resolved",
        ):
            allowed.append("link")
        if hr.first_contact_at is not None and "contact" in allowed:
            allowed.remove("contact")
        for action in allowed:
            if failed and failed[0] == action:
                form = failed[1]
            else:
                form = _action_form(action, hr, request.user)
            _cls, label, style = forms.ACTION_FORMS[action]
            actions.append({"name": action, "form": form, "label": label, "style": style})
    if failed and failed[0] not in {a["name"] for a in actions}:
        # The status moved on meanwhile (another tab, a colleague): say why nothing happened.
        for error in failed[1].non_field_errors() or [_("That step is no longer possible.")]:
            messages.error(request, error)
    return render(
        request,
        "casework/requests/request_detail.html",
        {
            "hr": hr,
            "now": now,
            "may_change": may_change,
            "actions": actions,
            "events": list(hr.events.all()),
            "assignees": list(hr.assignees.all()),
        },
    )


def _action_form(action: str, hr, user, data=None):
    if action not in forms.ACTION_FORMS:
        return None
    cls = forms.ACTION_FORMS[action][0]
    prefix = action
    if cls is forms.AssignForm:
        workers = list(services.eligible_assignees(hr.region_id)[:200])
        initial = {"assignee_ids": [u.pk for u in hr.assignees.all()]}
        return cls(data, workers=workers, prefix=prefix, initial=initial)
    if cls is forms.LinkPersonForm:
        return cls(data, people=_link_candidates(hr, user), prefix=prefix)
    if cls is forms.TriageForm:
        return cls(data, prefix=prefix, initial={"urgency": hr.urgency, "need_type": hr.need_type})
    return cls(data, prefix=prefix)


def _link_candidates(hr, user) -> list[Person]:
    """Registry people who may be this caller: the same phone or name, in the user's area."""
    q = Q(pk__in=[])
    if hr.caller_phone:
        q |= Q(phone=hr.caller_phone) | Q(phone2=hr.caller_phone)
    if hr.caller_name:
        q |= Q(name=hr.caller_name)
    return list(
        Person.objects.restrict(user, access.Action.CHANGE)
        .filter(q)
        .select_related("region")
        .order_by("name", "pk")[:20]
    )


urlpatterns = [
    path("requests/", request_list, name="request_list"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
]
