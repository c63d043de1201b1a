"""Pages for care plans: new, detail (schedule, record, close), one session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.registry.selectors import person_get

from ..forms.care_plans import CloseForm, PlanForm, SessionForm
from ..forms.params import LinkedRecords
from ..models import Assessment, HelpRequest, OccurrenceStatus, PlanStatus
from ..selectors import care_plans as selectors
from ..services import care_plans as services


def _linked(model, user, person, pk: int | None):
    if pk is None:
        return None
    rows = model.objects.restrict(user, access.Action.VIEW)
    return rows.filter(pk=pk, person_id=person.pk).first()


@login_required
def plan_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    linked = params.parse(request, LinkedRecords)
    help_request = _linked(HelpRequest, request.user, person, linked["request"])
    assessment = _linked(Assessment, request.user, person, linked["assessment"])
    if request.method == "POST":
        form = PlanForm(request.POST, region_id=person.region_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.care_plan_create(
                    user=request.user,
                    person_id=person.pk,
                    kind=data["kind"],
                    goals=data["goals"],
                    measures=data["measures"],
                    responsible=list(data["responsible"]),
                    starts_on=data["starts_on"],
                    recurrence=data["recurrence"],
                    sessions=data["sessions"],
                    review_on=data["review_on"],
                    assessment=assessment,
                    help_request=help_request,
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Care plan created."))
                return redirect("casework:plan_detail", plan.pk)
    else:
        form = PlanForm(region_id=person.region_id, initial={"responsible": [request.user.pk]})
    return render(
        request,
        "casework/plans/plan_form.html",
        {"person": person, "form": form, "help_request": help_request, "assessment": assessment},
    )


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    can_change = access.allows(request.user, access.Action.CHANGE, plan)
    can_record = selectors.can_record(request.user, plan)
    close_form = CloseForm() if can_change else None
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, plan)
        action = request.POST.get("action")
        if action == "close":
            close_form = CloseForm(request.POST)
            if close_form.is_valid():
                try:
                    services.care_plan_close(
                        user=request.user,
                        plan_id=plan.pk,
                        outcome=close_form.cleaned_data["outcome"],
                        closed_on=close_form.cleaned_data["closed_on"],
                        request=request,
                    )
                except ValidationError as exc:
                    errors_to_form(close_form, exc)
                else:
                    messages.success(request, _("Care plan closed."))
                    return redirect("casework:plan_detail", plan.pk)
        elif action == "cancel_session":
            session_id = request.POST.get("session", "")
            if not session_id.isdigit() or not plan.session_set.filter(pk=session_id).exists():
                raise Http404
            try:
                services.care_session_cancel(
                    user=request.user,
                    session_id=int(session_id),
                    reason=request.POST.get("reason", ""),
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, _("Session cancelled."))
            return redirect("casework:plan_detail", plan.pk)
        else:
            raise Http404
    sessions = list(selectors.plan_sessions(plan=plan))
    return render(
        request,
        "casework/plans/plan_detail.html",
        {
            "plan": plan,
            "sessions": sessions,
            "next_due": next((s for s in sessions if s.status == OccurrenceStatus.DUE), None),
            "session_form": SessionForm(),
            "close_form": close_form,
            "can_change": can_change and plan.status == PlanStatus.ACTIVE,
            "can_record": can_record and plan.status == PlanStatus.ACTIVE,
            "today": timezone.localdate(),
        },
    )


@login_required
def session_record(request, pk: int):
    session = selectors.session_get(user=request.user, pk=pk)
    plan = session.plan
    if not selectors.can_record(request.user, plan):
        if request.method == "POST":
            access.require(request.user, access.Action.CHANGE, session)
        can_record = False
    else:
        can_record = plan.status == PlanStatus.ACTIVE and session.status in (
            OccurrenceStatus.DUE,
            OccurrenceStatus.DONE,
        )
    if request.method == "POST" and can_record:
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                services.care_session_record(
                    user=request.user,
                    session_id=session.pk,
                    held_on=form.cleaned_data["held_on"],
                    mode=form.cleaned_data["mode"],
                    notes=form.cleaned_data["notes"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Session recorded."))
                return redirect("casework:plan_detail", plan.pk)
    elif request.method == "POST":
        form = SessionForm()
        form.add_error(None, _("This session can no longer be recorded."))
    else:
        initial = {}
        if session.status == OccurrenceStatus.DONE:
            initial = {"held_on": session.held_on, "mode": session.mode, "notes": session.notes}
        form = SessionForm(initial=initial or None)
    return render(
        request,
        "casework/plans/session_form.html",
        {"session": session, "plan": plan, "form": form, "can_record": can_record},
    )


urlpatterns = [
    path("care-plans/new/<int:person_id>/", plan_new, name="plan_new"),
    path("care-plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("care-plans/sessions/<int:pk>/", session_record, name="session_record"),
]
