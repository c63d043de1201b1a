"""Pages for casework: needs assessments (new, detail, a person's versions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.registry.selectors import person_get

from ..forms.assessments import AssessmentForm
from ..forms.params import LinkedRecords
from ..models import AdlItem, AdlLevel
from ..selectors import assessments as selectors
from ..selectors.requests import help_request_for
from ..services import assessments as services


@login_required
def assessment_new(request, person_id: int):
    # Writing needs CHANGE over the person: anyone else answers 404, as if missing.
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    linked = params.parse(request, LinkedRecords, data=request.POST or request.GET)
    help_request = help_request_for(user=request.user, person=person, pk=linked["request"])
    form = AssessmentForm(request.POST or None, region_code=person.region_id)
    if request.method == "GET" and request.user.pk in {
        u.pk for u in form.fields["assessors"].queryset
    }:
        form.initial["assessors"] = [request.user.pk]
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                user=request.user,
                person=person,
                assessed_on=form.cleaned_data["assessed_on"],
                assessors=list(form.cleaned_data["assessors"]),
                adl=form.adl(),
                loneliness=form.cleaned_data["loneliness"],
                summary=form.cleaned_data["summary"],
                help_request=help_request,
                request=request,
                **form.texts(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Assessment version %(v)s recorded.") % {"v": assessment.version}
            )
            return redirect("casework:assessment_detail", assessment.pk)
    latest = selectors.assessments_of(user=request.user, person=person).first()
    return render(
        request,
        "casework/assessments/assessment_form.html",
        {"person": person, "form": form, "help_request": help_request, "latest": latest},
    )


@login_required
def assessment_detail(request, pk: int):
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    previous = selectors.previous_of(assessment)
    changed = selectors.changed_fields(assessment, previous)
    levels = dict(AdlLevel.choices)
    adl_rows = [
        {
            "label": label,
            "level": assessment.adl.get(item, ""),
            "level_label": levels.get(assessment.adl.get(item), "—"),
            "changed": f"adl:{item}" in changed,
            "before": levels.get(previous.adl.get(item), "—") if previous else "",
        }
        for item, label in AdlItem.choices
    ]
    return render(
        request,
        "casework/assessments/assessment_detail.html",
        {
            "a": assessment,
            "previous": previous,
            "changed": changed,
            "adl_rows": adl_rows,
            "can_change": access.allows(request.user, access.Action.CHANGE, assessment),
        },
    )


@login_required
def assessment_list(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, history=True)
    page = Paginator(selectors.assessments_of(user=request.user, person=person), 50).get_page(
        params.parse(request, params.Params)["page"]
    )
    return render(
        request,
        "casework/assessments/assessment_list.html",
        {
            "person": person,
            "page": page,
            "can_change": access.allows(request.user, access.Action.CHANGE, person),
        },
    )


urlpatterns = [
    path("assessments/new/<int:person_id>/", assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/person/<int:person_id>/", assessment_list, name="assessment_list"),
]
