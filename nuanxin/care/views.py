"""Pages for care arrangements: the list, a new agreement, an agreement with its absences."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.registry.selectors import person_get

from . import selectors, services
from .forms import (
    AbsenceForm,
    ActivityForm,
    AgreementForm,
    CheckForm,
    CoverageParams,
    DocumentForm,
    EndForm,
    EvaluationForm,
    GuardianMeasureForm,
    ListParams,
    PairingForm,
    RenewParams,
    ResultForm,
    ScreeningForm,
    ScreeningParams,
    SubstituteForm,
)


@login_required
def agreement_list(request):
    query = params.parse(request, ListParams)
    today = timezone.localdate()
    rows = selectors.agreement_list(
        user=request.user, region=query["region"], active=query["active"], today=today
    )
    page = Paginator(rows, 50).get_page(query["page"])
    missing = list(
        selectors.without_caregiver(user=request.user, today=today, region=query["region"])[:50]
    )
    others = request.GET.copy()
    others.pop("page", None)
    return render(
        request,
        "care/agreement_list.html",
        {
            "page": page,
            "missing": [(e.person, selectors.need_since(e)) for e in missing],
            "f": request.GET,
            "query": others.urlencode(),
            "today": today,
        },
    )


@login_required
def agreement_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE, history=True)
    renews = None
    renews_id = params.parse(request, RenewParams)["renews"]
    if renews_id is not None:
        renews = selectors.agreement_get(user=request.user, pk=renews_id)
        if renews.person_id != person.pk:
            raise Http404
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                agreement = services.care_agreement_create(
                    user=request.user,
                    person_id=person.pk,
                    duties=data["duties"],
                    care_level=data["care_level"],
                    monthly_fee_fen=form.fee_fen(),
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    note=data["note"],
                    renews_id=getattr(renews, "pk", None),
                    request=request,
                    **form.party(),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Agreement signed."))
                return redirect("care:agreement_detail", agreement.pk)
    elif renews is not None:
        # A renewal starts from the agreement it renews: same caregiver, duties and fee.
        form = AgreementForm(
            initial={
                "caregiver_kind": renews.caregiver_kind,
                "caregiver_name": renews.caregiver_name,
                "caregiver_phone": renews.caregiver_phone,
                "organisation": renews.organisation_id,
                "duties": renews.duties,
                "care_level": renews.care_level,
                "monthly_fee": renews.monthly_fee_yuan,
                "starts_on": (renews.ends_on + dt.timedelta(days=1))
                if renews.ends_on
                else timezone.localdate(),
            }
        )
    else:
        form = AgreementForm()
    return render(
        request, "care/agreement_form.html", {"person": person, "form": form, "renews": renews}
    )


def _post(request, agreement):
    """One of the detail page's forms; answers (form name, bound form) or a redirect."""
    action = request.POST.get("action")
    if action == "absence":
        form = AbsenceForm(request.POST, prefix="absence")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.care_absence_report(
                    user=request.user,
                    agreement_id=agreement.pk,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    reported_at=data["reported_at"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Absence recorded: name a substitute within 24 hours."))
                return None
        return "absence_form", form
    if action == "substitute":
        form = SubstituteForm(request.POST, prefix="substitute")
        if form.is_valid():
            try:
                services.care_substitute_name(
                    user=request.user,
                    absence_id=form.cleaned_data["absence"],
                    agreement_id=agreement.pk,
                    request=request,
                    **form.party(),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Substitute named."))
                return None
        return "substitute_form", form
    if action == "document":
        form = DocumentForm(request.POST, request.FILES, prefix="document")
        if form.is_valid():
            try:
                services.care_agreement_document_attach(
                    user=request.user,
                    agreement_id=agreement.pk,
                    document=form.cleaned_data["document"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Document attached."))
                return None
        return "document_form", form
    if action == "end":
        form = EndForm(request.POST, prefix="end")
        if form.is_valid():
            try:
                services.care_agreement_end(
                    user=request.user,
                    agreement_id=agreement.pk,
                    ends_on=form.cleaned_data["ends_on"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Agreement ended."))
                return None
        return "end_form", form
    raise Http404


@login_required
def agreement_detail(request, pk: int):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    can_change = access.allows(request.user, access.Action.CHANGE, agreement)
    forms = {
        "absence_form": AbsenceForm(prefix="absence"),
        "substitute_form": SubstituteForm(prefix="substitute"),
        "end_form": EndForm(prefix="end"),
        "document_form": DocumentForm(prefix="document"),
    }
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, agreement)
        bound = _post(request, agreement)
        if bound is None:
            return redirect("care:agreement_detail", agreement.pk)
        forms[bound[0]] = bound[1]
    now = timezone.now()
    return render(
        request,
        "care/agreement_detail.html",
        {
            "agreement": agreement,
            "absences": selectors.agreement_absences(agreement=agreement),
            "checks": selectors.agreement_checks(agreement=agreement),
            "current": selectors.active_caregiver(
                user=request.user, person=agreement.person, at=now
            ),
            "can_change": can_change,
            "now": now,
            **forms,
        },
    )


@login_required
def agreement_document(request, pk: int):
    """The signed agreement, to whoever may read the agreement; each read is audited."""
    from django.http import FileResponse

    agreement = selectors.agreement_get(user=request.user, pk=pk)
    handle, mime, ext = services.care_agreement_document_open(
        user=request.user, agreement=agreement, request=request
    )
    response = FileResponse(
        handle,
        content_type=mime,
        as_attachment=True,
        filename=f"care-agreement-{agreement.pk}.{ext}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def check_new(request, pk: int):
    """Record a caregiver check in the home (a phone-sized form)."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    access.require(request.user, access.Action.CHANGE, agreement)
    if request.method == "POST":
        form = CheckForm(request.POST, agreement=agreement)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.care_check_record(
                    user=request.user,
                    agreement_id=agreement.pk,
                    checked_on=data["checked_on"],
                    unannounced=data["unannounced"],
                    duties_performed=data["duties_performed"],
                    home_ok=data["home_ok"],
                    satisfaction=data["satisfaction"],
                    findings=data["findings"],
                    rectification_owner=data["rectification_owner"],
                    rectification_due_on=data["rectification_due_on"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Check recorded."))
                return redirect("care:agreement_detail", agreement.pk)
    else:
        form = CheckForm(agreement=agreement, initial={"duties_performed": agreement.duties})
    return render(request, "care/check_form.html", {"agreement": agreement, "form": form})


# --- pairing ------------------------------------------------------------------------------


@login_required
def pairing_list(request):
    query = params.parse(request, ListParams)
    rows = selectors.pairing_list(user=request.user, region=query["region"])
    page = Paginator(rows, 50).get_page(query["page"])
    children = selectors.partner_children(user=request.user)
    return render(
        request,
        "care/pairing_list.html",
        {
            "page": page,
            # A partner contact sees their children through the pairing's own fields.
            "children": sorted(children.values(), key=lambda c: c.name),
            "partner": bool(children) or access.has_link_role(request.user),
            "f": request.GET,
        },
    )


@login_required
def pairing_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE, history=True)
    if request.method == "POST":
        form = PairingForm(request.POST, region_id=person.region_id)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pairing_create(
                    user=request.user,
                    organisation_id=data["organisation"].pk,
                    person_id=person.pk,
                    starts_on=data["starts_on"],
                    school=data["school"],
                    grade=data["grade"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Pairing made."))
                return redirect("care:pairing_list")
    else:
        form = PairingForm(region_id=person.region_id)
    return render(request, "care/pairing_form.html", {"person": person, "form": form})


@login_required
def activity_new(request, pk: int):
    """A partner logs what they did with their child (a phone-sized form)."""
    pairing = selectors.pairing_get(user=request.user, pk=pk)
    access.require(request.user, access.Action.CHANGE, pairing)
    child = selectors.partner_children(user=request.user, person_ids=[pairing.person_id]).get(
        pairing.person_id
    )
    if request.method == "POST":
        form = ActivityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pairing_activity_record(
                    user=request.user,
                    pairing_id=pairing.pk,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    outcome=data["outcome"],
                    note=data["note"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Activity recorded."))
                return redirect("care:activity_new", pairing.pk)
    else:
        form = ActivityForm()
    return render(
        request,
        "care/activity_form.html",
        {
            "pairing": pairing,
            "child": child,
            "form": form,
            "activities": selectors.pairing_activities(user=request.user, pairing=pairing)[:50],
        },
    )


@login_required
def pairing_coverage(request):
    query = params.parse(request, CoverageParams)
    coverage = selectors.pairing_coverage(user=request.user, region_code=query["region"])
    return render(request, "care/pairing_coverage.html", {"c": coverage})


# --- screening ------------------------------------------------------------------------------


@login_required
def screening_list(request):
    query = params.parse(request, ListParams)
    rows = selectors.screening_list(user=request.user, region=query["region"])
    page = Paginator(rows, 50).get_page(query["page"])
    return render(
        request,
        "care/screening_list.html",
        {"page": page, "can_open": access.can(request.user, access.Action.CHANGE)},
    )


@login_required
def screening_new(request):
    access.require_somewhere(request.user, access.Action.CHANGE)
    if request.method == "POST":
        form = ScreeningForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                screening = services.screening_open(
                    user=request.user,
                    region_code=data["region"],
                    categories=data["categories"],
                    deadline=data["deadline"],
                    title=data["title"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Screening opened."))
                return redirect("care:screening_detail", screening.pk)
    else:
        form = ScreeningForm(initial={"region": access.scope(request.user, "change").widest()})
    return render(request, "care/screening_form.html", {"form": form})


@login_required
def screening_detail(request, pk: int):
    screening = selectors.screening_get(user=request.user, pk=pk)
    query = params.parse(request, ScreeningParams)
    if query["export"] == "xlsx":
        return _screening_xlsx(request, screening)
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, screening)
        if request.POST.get("action") != "close":
            raise Http404
        try:
            services.screening_close(user=request.user, screening_id=screening.pk, request=request)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Screening closed."))
        return redirect("care:screening_detail", screening.pk)
    total, children = selectors.screening_progress(user=request.user, screening=screening)
    items = selectors.screening_items(user=request.user, screening=screening, open_only=True)
    page = Paginator(items, 50).get_page(query["page"])
    return render(
        request,
        "care/screening_detail.html",
        {
            "screening": screening,
            "total": total,
            "children": children,
            "page": page,
            "can_change": access.allows(request.user, access.Action.CHANGE, screening),
            "can_export": _may_export(request.user, screening),
            "category_labels": _category_labels(screening.categories),
        },
    )


def _category_labels(codes) -> list[str]:
    from nuanxin.registry.models import Category

    labels = dict(Category.choices)
    return [str(labels.get(c, c)) for c in codes]


def _may_export(user, screening) -> bool:
    """Anyone who exports somewhere in the screening's region: their own rows only."""
    return access.scope(user, access.Action.EXPORT).touches(screening.region_id)


def _screening_xlsx(request, screening):
    """The screening's ledger: every person the user may export, with their result."""
    import io

    from django.http import HttpResponse

    from nuanxin.audit.models import AuditAction
    from nuanxin.audit.services import audit_record
    from nuanxin.core.xlsx import LedgerSheet, write_ledger

    if not _may_export(request.user, screening):
        raise Http404
    rows = list(
        selectors.screening_items(
            user=request.user, screening=screening, action=access.Action.EXPORT
        )
    )
    header = [_("Name"), _("Region code"), _("Address"), _("Result"), _("Reason"), _("Done at")]
    cells = (
        [
            i.person.name,
            i.region_id,
            i.person.address,
            i.get_measure_display() if i.measure else _("open"),
            i.reason,
            f"{timezone.localtime(i.done_at):%Y-%m-%d %H:%M}" if i.done_at else "",
        ]
        for i in rows
    )
    buffer = io.BytesIO()
    write_ledger(buffer, [LedgerSheet(title=screening.title[:31], headers=header, rows=cells)])
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        obj=screening,
        request=request,
        changes={"rows": len(rows)},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}.xlsx"'
    return response


@login_required
def screening_result(request, pk: int, person_id: int):
    screening = selectors.screening_get(user=request.user, pk=pk)
    item = access.get_or_404(
        selectors.screening_items(user=request.user, screening=screening),
        request.user,
        person_id=person_id,
        links=False,
    )
    access.require(request.user, access.Action.CHANGE, item)
    if request.method == "POST":
        form = ResultForm(request.POST)
        if form.is_valid():
            try:
                services.screening_result_record(
                    user=request.user,
                    screening_id=screening.pk,
                    person_id=person_id,
                    measure=form.cleaned_data["measure"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Result recorded."))
                return redirect("care:screening_detail", screening.pk)
    else:
        initial = {"measure": item.measure, "reason": item.reason} if item.measure else None
        form = ResultForm(initial=initial)
    return render(
        request,
        "care/screening_result.html",
        {"screening": screening, "item": item, "form": form},
    )


# --- guardianship ------------------------------------------------------------------------------


@login_required
def guardianship(request, person_id: int):
    """A minor's guardians, how each is placed to care, and the measures taken."""
    person = person_get(user=request.user, pk=person_id, history=True)
    guardians = selectors.guardians_of(user=request.user, person=person)
    can_change = access.allows(request.user, access.Action.CHANGE, person)
    form = EvaluationForm(guardians=guardians, prefix="evaluate")
    measure_form = GuardianMeasureForm(prefix="measure")
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, person)
        action = request.POST.get("action")
        if action == "evaluate":
            form = EvaluationForm(request.POST, guardians=guardians, prefix="evaluate")
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.guardian_evaluate(
                        user=request.user,
                        person_id=person.pk,
                        guardian_id=data["guardian"],
                        situation=data["situation"],
                        unable_reason=data["unable_reason"],
                        lives_with_child=data["lives_with_child"],
                        evaluated_on=data["evaluated_on"],
                        request=request,
                    )
                except ValidationError as exc:
                    errors_to_form(form, exc)
                else:
                    messages.success(request, _("Evaluation recorded."))
                    return redirect("care:guardianship", person.pk)
        elif action == "measure":
            measure_form = GuardianMeasureForm(request.POST, prefix="measure")
            if measure_form.is_valid():
                evaluation = measure_form.cleaned_data["evaluation"]
                if not any(
                    getattr(g, "evaluation", None) and g.evaluation.pk == evaluation
                    for g in guardians
                ):
                    raise Http404
                try:
                    services.guardian_measure_record(
                        user=request.user,
                        evaluation_id=evaluation,
                        measure=measure_form.cleaned_data["measure"],
                        request=request,
                    )
                except ValidationError as exc:
                    errors_to_form(measure_form, exc)
                else:
                    messages.success(request, _("Measure recorded."))
                    return redirect("care:guardianship", person.pk)
        else:
            raise Http404
    return render(
        request,
        "care/guardianship.html",
        {
            "person": person,
            "guardians": [(g, getattr(g, "evaluation", None)) for g in guardians],
            "form": form,
            "measure_form": measure_form,
            "can_change": can_change,
        },
    )
