"""Pages for casework: assistance applications (list, new, detail with its update form)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.registry.selectors import person_get

from ..forms.applications import ApplicationForm, ApplicationUpdateForm
from ..forms.params import ApplicationParams, LinkedRecords
from ..models import ApplicationStatus, Scheme
from ..selectors import applications as selectors
from ..selectors.requests import help_request_for
from ..services import applications as services


@login_required
def application_list(request):
    query = params.parse(request, ApplicationParams)
    scheme, status = query["scheme"], query["status"]
    qs = selectors.application_list(user=request.user, scheme=scheme, status=status)
    page = Paginator(qs, 50).get_page(query["page"])
    query = urlencode({k: v for k, v in {"scheme": scheme, "status": status}.items() if v})
    return render(
        request,
        "casework/applications/application_list.html",
        {
            "page": page,
            "scheme": scheme,
            "status": status,
            "schemes": Scheme.choices,
            "statuses": ApplicationStatus.choices,
            "query": query,
        },
    )


@login_required
def application_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    linked = params.parse(request, LinkedRecords, data=request.POST or request.GET)
    help_request = help_request_for(user=request.user, person=person, pk=linked["request"])
    scheme = request.POST.get("scheme") or request.GET.get("scheme", "")
    form = ApplicationForm(request.POST or None, scheme=scheme, initial={"scheme": scheme})
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                user=request.user,
                person=person,
                scheme=form.cleaned_data["scheme"],
                details=form.cleaned_data["details"],
                documents=form.all_documents(),
                help_request=help_request,
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Application recorded."))
            return redirect("casework:application_detail", application.pk)
    return render(
        request,
        "casework/applications/application_form.html",
        {"person": person, "form": form, "help_request": help_request, "schemes": Scheme.choices},
    )


@login_required
def application_detail(request, pk: int):
    application = selectors.application_get(user=request.user, pk=pk)
    can_change = access.allows(request.user, access.Action.CHANGE, application)
    form = None
    if can_change or request.method == "POST":
        form = ApplicationUpdateForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                user=request.user,
                application=application,
                status=form.cleaned_data["status"],
                documents=form.all_documents(),
                submitted_on=form.cleaned_data["submitted_on"],
                decided_on=form.cleaned_data["decided_on"],
                decision=form.cleaned_data["decision"],
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Application updated."))
            return redirect("casework:application_detail", application.pk)
    return render(
        request,
        "casework/applications/application_detail.html",
        {
            "a": application,
            "form": form,
            "next_statuses": services.TRANSITIONS[application.status],
        },
    )


urlpatterns = [
    path("applications/", application_list, name="application_list"),
    path("applications/new/<int:person_id>/", application_new, name="application_new"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
]
