"""Pages of the visits app: thin, over the selectors and services."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access, duties, params
from nuanxin.core.forms import errors_to_form
from nuanxin.core.tiers import Tier
from nuanxin.core.xlsx import LedgerSheet, ledger_filename, write_ledger
from nuanxin.regions.models import Level
from nuanxin.registry.selectors import person_get

from . import selectors, services
from .forms import (
    AreaParams,
    ColdSnapForm,
    FindingFormSet,
    MonthParams,
    TierRaiseForm,
    VisitForm,
    WorklistParams,
    parse_month,
)
from .models import ColdSnap, CoverageSignoff


@login_required
def worklist(request):
    """Field workers: their duties, red first. Officers: counts per sub-region, click through."""
    query = params.parse(request, WorklistParams)
    today = query["date"] or timezone.localdate()
    code = query["region"]
    if not code and access.scope(request.user, access.Action.VIEW).nowhere:
        # Volunteers and partners reach people through their tasks only: no area to show.
        region = None
    else:
        region = selectors.region_for(user=request.user, code=code)
    context = {
        "region": region,
        "today": today,
        "snaps": selectors.cold_snaps_for(user=request.user, today=today),
    }
    if region is not None and region.level <= Level.STREET and not query["list"]:
        context["by_region"] = selectors.schedule_due_by_region(
            user=request.user, region=region, today=today
        )
        # Above the counts, what names this user: requests, care sessions, tasks.
        context["mine"] = duties.mine(
            user=request.user, today=today, until=today + dt.timedelta(days=6), region=region.prefix
        )
    else:
        items = duties.worklist(
            user=request.user,
            today=today,
            until=today + dt.timedelta(days=6),
            region="" if region is None else region.prefix,
        )
        context["overdue"] = [d for d in items if d.due_on < today]
        context["due_today"] = [d for d in items if d.due_on == today]
        context["this_week"] = [d for d in items if d.due_on > today]
    return render(request, "visits/worklist.html", context)


@login_required
def visit_new(request, person_id: int):
    # Recording a visit is a change: 403 for inspectors, 404 for link-only users.
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    version = selectors.checklist_current()
    items = version.items if version else []
    if request.method == "POST":
        form = VisitForm(request.POST, checklist_items=items)
        findings = FindingFormSet(request.POST, prefix="f", form_kwargs={"person": person})
        if form.is_valid() and findings.is_valid():
            try:
                visit, created = services.visit_record(
                    user=request.user,
                    person_id=person.pk,
                    visited_on=form.cleaned_data["visited_on"],
                    method=form.cleaned_data["method"],
                    with_whom=form.cleaned_data["with_whom"],
                    outcome=form.cleaned_data["outcome"],
                    checklist=form.checklist(),
                    notes=form.cleaned_data["notes"],
                    findings=[f for f in findings.cleaned_data if f.get("kind")],
                    client_id=form.cleaned_data["client_id"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if created:
                    messages.success(request, _("Visit recorded."))
                else:
                    messages.info(request, _("This visit was already recorded."))
                return redirect(f"{reverse('visits:visit_detail', args=[visit.pk])}?saved=1")
    else:
        form = VisitForm(initial={"client_id": uuid.uuid4().hex}, checklist_items=items)
        findings = FindingFormSet(prefix="f", form_kwargs={"person": person})
    return render(
        request,
        "visits/visit_form.html",
        {"person": person, "form": form, "findings": findings, "version": version},
    )


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get(user=request.user, pk=pk)
    labels = {
        i["code"]: i["label"]
        for i in (visit.checklist_version.items if visit.checklist_version else [])
    }
    answers = [(labels.get(code, code), value) for code, value in visit.checklist.items()]
    context = {"visit": visit, "answers": answers}
    if request.GET.get("saved"):
        # Just saved on the doorstep: the next door on today's list, one tap away.
        context["next_duty"] = selectors.next_visit_duty(
            user=request.user, today=timezone.localdate(), after_person=visit.person_id
        )
    return render(request, "visits/visit_detail.html", context)


@login_required
def visit_list(request):
    query = params.parse(request, AreaParams)
    visits = selectors.visit_list(user=request.user, region=query["region"])
    page = Paginator(visits, 50).get_page(query["page"])
    return render(request, "visits/visit_list.html", {"page": page})


@login_required
def person_visits(request, person_id: int):
    person, visits = selectors.person_visits(user=request.user, pk=person_id)
    schedule = getattr(person, "visit_schedule", None)
    form = TierRaiseForm()
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, person)
        form = TierRaiseForm(request.POST)
        if form.is_valid():
            try:
                services.tier_raise(
                    user=request.user, person=person, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Tier raised."))
                return redirect("visits:person_visits", person.pk)
    page = Paginator(visits, 30).get_page(params.parse(request, params.Params)["page"])
    return render(
        request,
        "visits/person_visits.html",
        {
            "person": person,
            "can_change": access.allows(request.user, access.Action.CHANGE, person),
            "schedule": schedule,
            "page": page,
            "form": form,
            "raises": person.tier_raises.select_related("created_by")[:10],
        },
    )


@login_required
def coverage(request):
    query = params.parse(request, MonthParams)
    month = query["month"]
    result = selectors.coverage_for(user=request.user, region_code=query["region"], month=month)
    signoffs = []
    if result.region.level == Level.STREET:
        signoffs = selectors.signoffs_in(user=request.user, region=result.region, month=month)
    return render(
        request,
        "visits/coverage.html",
        {
            "c": result,
            "month_str": f"{month:%Y-%m}",
            "prev_month": f"{(month - dt.timedelta(days=1)):%Y-%m}",
            "signoffs": signoffs,
            "can_sign": result.region.level == Level.COMMUNITY and result.signoff is None,
        },
    )


@login_required
@require_POST
def coverage_sign(request):
    month = parse_month(request.POST.get("month"))
    region = selectors.region_for(user=request.user, code=request.POST.get("region", ""))
    try:
        services.coverage_sign(
            user=request.user, region_code=region.code, month=month, request=request
        )
        messages.success(request, _("Figures signed off."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(f"/coverage/?region={region.code}&month={month:%Y-%m}")


@login_required
@require_POST
def coverage_countersign(request, pk: int):
    signoff = access.get_or_404(CoverageSignoff, request.user, pk=pk)
    try:
        services.coverage_countersign(user=request.user, signoff=signoff, request=request)
        messages.success(request, _("Countersigned."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(f"/coverage/?region={signoff.region_id}&month={signoff.month:%Y-%m}")


@login_required
def blind_spots(request):
    query = params.parse(request, MonthParams)
    month = query["month"]
    region, rows = selectors.blind_spots(
        user=request.user, region_code=query["region"], month=month
    )
    if query["export"] == "xlsx":
        if not access.can(request.user, access.Action.EXPORT, region.code):
            raise Http404
        return _blind_spots_xlsx(request, region, month, rows)
    page = Paginator(rows, 100).get_page(query["page"])
    # Other apps' overdue duties (service tasks, care sessions …): the visits are above,
    # so their source is not asked (up to 500 overdue visits read only to be dropped).
    others = duties.blind_spots(
        user=request.user, today=timezone.localdate(), region=region.prefix, skip={"visit"}
    )
    return render(
        request,
        "visits/blind_spots.html",
        {
            "others": others,
            "region": region,
            "month_str": f"{month:%Y-%m}",
            "page": page,
            "count": len(rows),
            "can_export": access.can(request.user, access.Action.EXPORT, region.code),
        },
    )


def _blind_spots_xlsx(request, region, month, rows) -> HttpResponse:
    buffer = io.BytesIO()
    header = [
        _("Name"),
        _("Region code"),
        _("Address"),
        _("Tier"),
        _("Last visit"),
        _("Due"),
        _("Responsible worker"),
    ]
    cells = (
        [
            r.name,
            r.region_id,
            r.address,
            Tier(r.tier).label if r.tier in Tier.values else r.tier,
            str(r.last_contact_on or ""),
            str(r.due_on or ""),
            r.worker or _("Nobody assigned"),
        ]
        for r in rows
    )
    write_ledger(buffer, [LedgerSheet(title=_("Blind spots"), headers=header, rows=cells)])
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        request=request,
        object_type="visits.blindspots",
        object_id=region.code,
        object_repr=f"{region} {month:%Y-%m}",
        changes={"rows": len(rows)},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = ledger_filename(_("Blind spots"), region.name, f"{month:%Y-%m}")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def follow_up_list(request):
    query = params.parse(request, AreaParams)
    rows = selectors.follow_ups_open(user=request.user, region=query["region"])
    page = Paginator(rows, 50).get_page(query["page"])
    return render(request, "visits/follow_up_list.html", {"page": page})


@login_required
def cold_snap_list(request):
    is_admin = access.Role.CITY_ADMIN in access.roles_of(request.user)
    if not access.can(request.user, access.Action.VIEW):
        raise Http404
    form = ColdSnapForm()
    if request.method == "POST":
        if not is_admin:
            raise Http404
        form = ColdSnapForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.cold_snap_declare(
                    user=request.user,
                    name=data["name"],
                    district_codes=[d.code for d in data["districts"]],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    red_gap_days=data["red_gap_days"],
                    yellow_gap_days=data["yellow_gap_days"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Cold-snap alert declared; duties are being updated."))
                return redirect("visits:cold_snap_list")
    today = timezone.localdate()
    snaps = ColdSnap.objects.prefetch_related("districts").select_related("created_by")[:50]
    return render(
        request,
        "visits/cold_snaps.html",
        {"snaps": snaps, "form": form, "is_admin": is_admin, "today": today},
    )


@login_required
@require_POST
def cold_snap_cancel(request, pk: int):
    snap = ColdSnap.objects.filter(pk=pk).first()
    if snap is None or access.Role.CITY_ADMIN not in access.roles_of(request.user):
        raise Http404
    services.cold_snap_cancel(user=request.user, snap=snap, request=request)
    messages.success(request, _("Cold-snap alert cancelled."))
    return redirect("visits:cold_snap_list")
