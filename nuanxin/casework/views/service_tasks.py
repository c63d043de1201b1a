"""Pages for service tasks: the volunteer's day, the area's list, one task, tapping "done"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nuanxin.core import access, fieldviews, params
from nuanxin.core.forms import errors_to_form
from nuanxin.registry.selectors import person_get

from ..forms.params import LinkedRecords, TaskParams
from ..forms.service_tasks import AssignForm, CancelForm, DoneForm, MissedForm, TaskForm
from ..models import OccurrenceStatus, TaskKind, TaskStatus
from ..selectors import service_tasks as selectors
from ..selectors.requests import help_request_for
from ..services import service_tasks as services

DAYS_AHEAD = 6
DAYS_BACK = 6


# --- the list: a volunteer's days, or the area's tasks -------------------------------


@login_required
def task_list(request):
    query = params.parse(request, TaskParams)
    today = query["date"] or timezone.localdate()
    if query["mine"] or access.scope(request.user, access.Action.VIEW).nowhere:
        return _my_days(request, today)
    rows = selectors.task_list(
        user=request.user,
        kind=query["kind"],
        assignee=query["assignee"],
        status=query["status"],
        missed=query["missed"],
        today=today,
    )
    page = Paginator(rows, 50).get_page(query["page"])
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "casework/tasks/task_list.html",
        {
            "page": page,
            "kinds": TaskKind.choices,
            "statuses": TaskStatus.choices,
            "assignees": _assignee_filter_choices(request.user),
            "f": request.GET,
            "query": others.urlencode(),
        },
    )


def _assignee_filter_choices(user) -> list[tuple[str, str]]:
    """People given tasks in the user's area (one query)."""
    from django.contrib.auth import get_user_model

    from ..models import ServiceTask

    ids = ServiceTask.objects.restrict(user, access.Action.VIEW, links=False).values("assignee_id")
    users = get_user_model().objects.filter(pk__in=ids).order_by("username")
    return [(str(u.pk), u.get_full_name() or u.get_username()) for u in users]


def _my_days(request, today: dt.date):
    """A helper's occurrences by day: today first, then the days ahead, then the days behind."""
    rows = selectors.my_occurrences(
        user=request.user,
        start=today - dt.timedelta(days=DAYS_BACK),
        end=today + dt.timedelta(days=DAYS_AHEAD),
    )
    by_day: dict[dt.date, list] = defaultdict(list)
    for occ in rows:
        if occ.due_on < today and occ.status != OccurrenceStatus.DUE:
            continue  # the past: only what is still undone
        by_day[occ.due_on].append(occ)
    days = (
        [today]
        + sorted(d for d in by_day if d > today)
        + sorted((d for d in by_day if d < today), reverse=True)
    )
    return render(
        request,
        "casework/tasks/my_tasks.html",
        {
            "today": today,
            "days": [(d, by_day.get(d, [])) for d in days],
            "next": request.get_full_path(),
        },
    )


# --- create -----------------------------------------------------------------------------


@login_required
def task_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    linked = params.parse(request, LinkedRecords)
    help_request = help_request_for(user=request.user, person=person, pk=linked["request"])
    if request.method == "POST":
        form = TaskForm(request.POST, region_id=person.region_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.service_task_create(
                    user=request.user,
                    person_id=person.pk,
                    kind=data["kind"],
                    details=data["details"],
                    assignee=data["assignee"],
                    recurrence=data["recurrence"],
                    starts_on=data["starts_on"],
                    occurrences=data["occurrences"],
                    until=data["until"],
                    help_request=help_request,
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Task created."))
                return redirect("casework:task_detail", task.pk)
    else:
        initial = {}
        if help_request is not None:
            initial["details"] = help_request.description[:300]
        form = TaskForm(initial=initial, region_id=person.region_id)
    return render(
        request,
        "casework/tasks/task_form.html",
        {"person": person, "form": form, "help_request": help_request},
    )


# --- one task -------------------------------------------------------------------------


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    # Staff read the task by its area; an assignee reaches it only through the link.
    view = fieldviews.view_by_region(request.user, task.region_id)
    staff = not view.task
    can_change = access.allows(request.user, access.Action.CHANGE, task)
    assign_form = (
        AssignForm(initial={"assignee": task.assignee_id}, region_id=task.region_id)
        if can_change
        else None
    )
    cancel_form = CancelForm() if can_change else None
    missed_error = None
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, task)
        action = request.POST.get("action")
        try:
            if action == "assign":
                assign_form = AssignForm(request.POST, region_id=task.region_id)
                if assign_form.is_valid():
                    services.service_task_assign(
                        user=request.user,
                        task_id=task.pk,
                        assignee=assign_form.cleaned_data["assignee"],
                        request=request,
                    )
                    messages.success(request, _("Task re-assigned."))
                    return redirect("casework:task_detail", task.pk)
            elif action == "cancel":
                cancel_form = CancelForm(request.POST)
                if cancel_form.is_valid():
                    services.service_task_cancel(
                        user=request.user,
                        task_id=task.pk,
                        reason=cancel_form.cleaned_data["reason"],
                        request=request,
                    )
                    messages.success(request, _("Task cancelled."))
                    return redirect("casework:task_detail", task.pk)
            elif action == "missed":
                form = MissedForm(request.POST)
                if form.is_valid():
                    if not task.occurrence_set.filter(pk=form.cleaned_data["occurrence"]).exists():
                        raise Http404
                    services.occurrence_missed(
                        user=request.user,
                        occurrence_id=form.cleaned_data["occurrence"],
                        reason=form.cleaned_data["reason"],
                        request=request,
                    )
                    messages.success(request, _("Recorded as missed."))
                    return redirect("casework:task_detail", task.pk)
                missed_error = _("Say why it was missed.")
            else:
                raise Http404
        except ValidationError as exc:
            target = assign_form if action == "assign" else cancel_form
            if action == "missed":
                missed_error = "; ".join(exc.messages)
            else:
                errors_to_form(target, exc)
    occurrences = list(selectors.task_occurrences(user=request.user, task=task))
    return render(
        request,
        "casework/tasks/task_detail.html",
        {
            "task": task,
            "staff": staff,
            "can_change": can_change,
            "occurrences": occurrences,
            "today": timezone.localdate(),
            "assign_form": assign_form,
            "cancel_form": cancel_form,
            "missed_error": missed_error,
            "next": request.get_full_path(),
        },
    )


# --- done --------------------------------------------------------------------------------


@login_required
@require_POST
def occurrence_done(request, pk: int):
    """One tap: this occurrence is done. Answers the card again to htmx, else goes back."""
    form = DoneForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    error = None
    try:
        occ, changed = services.occurrence_done(
            user=request.user,
            occurrence_id=pk,
            note=data.get("note", ""),
            client_id=data.get("client_id") or None,
            request=request,
        )
    except ValidationError as exc:
        occ, changed, error = selectors.occurrence_get(user=request.user, pk=pk), False, exc
    if request.htmx:
        return render(
            request,
            "casework/tasks/_occurrence.html",
            {"occ": occ, "today": timezone.localdate(), "error": error, "just_done": changed},
        )
    if error is not None:
        messages.error(request, "; ".join(error.messages))
    elif changed:
        messages.success(request, _("Done — thank you."))
    else:
        messages.info(request, _("This was already marked done."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("casework:task_list")


urlpatterns = [
    path("tasks/", task_list, name="task_list"),
    path("tasks/new/<int:person_id>/", task_new, name="task_new"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/occurrences/<int:pk>/done/", occurrence_done, name="occurrence_done"),
]
