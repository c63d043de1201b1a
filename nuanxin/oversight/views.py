"""Pages of oversight: the spot-check call sheet, the call form, the daily report, the setting."""

from __future__ import annotations

import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.regions.models import Level, Region

from . import ledgers, monthly, selectors, services
from .forms import (
    CallForm,
    DistrictParams,
    DoneForm,
    EncounterForm,
    FindingForm,
    InspectionForm,
    LinkForm,
    MonthlyParams,
    PatrolForm,
    PlanForm,
    RectificationParams,
    SeasonParams,
    SettingForm,
    SpotCheckParams,
    SupervisionParams,
    TeamForm,
)
from .models import Encounter, Outcome, SupervisionPlan, SupervisionTeam


@login_required
def index(request):
    access.require_somewhere(request.user, access.Action.VIEW)
    districts = access.scope(request.user, access.Action.CHANGE).held_at(Level.DISTRICT)
    return render(request, "oversight/index.html", {"can_set": not districts.nowhere})


@login_required
def spot_checks(request):
    """A street's call sheet for a day; above a street, its streets with the day's figures."""
    query = params.parse(request, SpotCheckParams)
    day = query["date"] or timezone.localdate()
    region = selectors.region_for(user=request.user, code=query["region"])
    street = selectors.street_of(region)
    context = {"region": region, "day": day, "today": timezone.localdate()}
    if street is None:
        found = selectors.report(user=request.user, region=region, day=day)
        figures = {row.code: row for row in found.rows}
        context["streets"] = [
            (s, figures.get(s.code))
            for s in selectors.streets_under(user=request.user, region=region)
        ]
        return render(request, "oversight/spot_checks.html", context)
    try:
        drawn = services.spot_check_draw(user=request.user, street_code=street.code, day=day)
    except ValidationError as exc:
        context.update(street=street, error=exc.messages[0])
        return render(request, "oversight/spot_checks.html", context)
    calls = selectors.calls_of(user=request.user, street_code=street.code, day=day)
    if region.level > Level.STREET:
        calls = calls.within(region.code)
    context.update(street=street, drawn=drawn, calls=list(calls))
    return render(request, "oversight/spot_checks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_record(request, pk: int):
    """The call form: mobile-first, one person, reached or not, and what was found."""
    call = selectors.call_get(user=request.user, pk=pk)
    may_change = access.allows(request.user, access.Action.CHANGE, call)
    form = CallForm(request.POST or None, initial={"client_id": uuid.uuid4().hex})
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, call)
        if form.is_valid():
            try:
                services.call_record(
                    user=request.user, call_id=call.pk, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Call recorded."))
                url = reverse("oversight:spot_checks")
                return redirect(f"{url}?region={call.draw.region_id}&date={call.day:%Y-%m-%d}")
    return render(
        request,
        "oversight/call_form.html",
        {"call": call, "form": form, "may_change": may_change, "attempts": call.attempt_set.all()},
    )


@login_required
def spot_check_report(request):
    """The daily report per street: drawn, reached, problems, follow-ups; and its ledger."""
    query = params.parse(request, SpotCheckParams)
    day = query["date"] or timezone.localdate() - timezone.timedelta(days=1)
    region = selectors.region_for(user=request.user, code=query["region"])
    if query["export"] == "xlsx":
        if not access.can(request.user, access.Action.EXPORT, region.code):
            raise Http404
        found = selectors.report(
            user=request.user, region=region, day=day, action=access.Action.EXPORT
        )
        return _report_xlsx(request, found)
    found = selectors.report(user=request.user, region=region, day=day)
    return render(
        request,
        "oversight/spot_check_report.html",
        {
            "report": found,
            "day": day,
            "region": region,
            "can_export": access.can(request.user, access.Action.EXPORT, region.code),
        },
    )


def _report_xlsx(request, found) -> HttpResponse:
    buffer = io.BytesIO()
    ledgers.write(buffer, ledgers.spot_check_sheets(found), user=request.user, request=request,
                  kind="spotcheckreport", region=found.region, label=str(found.day),
                  rows=len(found.rows))  # fmt: skip
    return _xlsx(buffer, f"spot-checks-{found.region.code}-{found.day}.xlsx")


def _xlsx(buffer, filename: str) -> HttpResponse:
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def spot_check_setting(request):
    """A district's daily count (or share) per street and the rest period."""
    query = params.parse(request, DistrictParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    if region.level != Level.DISTRICT:
        districts = [
            r
            for r in Region.objects.filter(level=Level.DISTRICT).order_by("code")
            if access.can(request.user, access.Action.CHANGE, r.code)
        ]
        if region.level > Level.DISTRICT or not districts:
            raise Http404
        return redirect(f"{reverse('oversight:spot_check_setting')}?region={districts[0].code}")
    access.require_region(request.user, access.Action.CHANGE, region.code)
    setting = selectors.setting_get(user=request.user, district_code=region.code)
    rule = selectors.rule_for(region.code)
    initial = {"count": rule.count, "share": rule.share, "skip_days": rule.skip_days}
    form = SettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.spot_check_setting_save(
                user=request.user, district_code=region.code, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('oversight:spot_check_setting')}?region={region.code}")
    return render(
        request,
        "oversight/spot_check_setting.html",
        {"region": region, "form": form, "setting": setting},
    )


# --- joint supervision ---------------------------------------------------------------------


@login_required
def supervision(request):
    """Teams, plans and inspections in reach, with the rectifications' state."""
    query = params.parse(request, SupervisionParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    today = timezone.localdate()
    inspections = selectors.inspection_list(user=request.user, region=region.code)
    page = Paginator(inspections, 30).get_page(query["page"])
    district = region.code[:6].ljust(12, "0")
    return render(
        request,
        "oversight/supervision.html",
        {
            "region": region,
            "teams": selectors.teams(user=request.user)[:50],
            "plans": selectors.plans(user=request.user)[:50],
            "page": page,
            "counts": selectors.rectification_counts(
                user=request.user, region=region.code, today=today
            ),
            "can_create": region.level <= Level.DISTRICT
            and access.can(request.user, access.Action.CHANGE, district),
            "district": district,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    query = params.parse(request, DistrictParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    district = region.code[:6].ljust(12, "0")
    access.require_region(request.user, access.Action.CHANGE, district)
    form = TeamForm(request.POST or None, departments=selectors.departments_for(district))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(
                user=request.user, district_code=district, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Team created."))
            return redirect(f"{reverse('oversight:supervision')}?region={district}")
    return render(
        request,
        "oversight/supervision_form.html",
        {"form": form, "title": _("New supervision team")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request, team_id: int):
    team = access.get_or_404(SupervisionTeam, request.user, access.Action.CHANGE, pk=team_id)
    form = PlanForm(request.POST or None, places=selectors.places_in(team.region_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_create(
                user=request.user, team_id=team.pk, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Plan created."))
            return redirect(f"{reverse('oversight:supervision')}?region={team.region_id}")
    return render(
        request,
        "oversight/supervision_form.html",
        {"form": form, "title": _("New supervision plan"), "subtitle": team.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request, plan_id: int):
    plan = access.get_or_404(
        SupervisionPlan.objects.prefetch_related("targets"), request.user, pk=plan_id
    )
    places = selectors.inspection_places(user=request.user, plan=plan)
    if not places:
        access.require(request.user, access.Action.CHANGE, plan)  # 403 when in sight only
        raise Http404
    form = InspectionForm(request.POST or None, places=places, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_create(
                user=request.user, plan_id=plan.pk, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("oversight:inspection_detail", inspection.pk)
    return render(
        request,
        "oversight/supervision_form.html",
        {"form": form, "title": _("Record an inspection"), "subtitle": plan.title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request, pk: int):
    """The inspection, its findings, a finding form (staff and inspectors of the place), and
    the ledgers of the place to review."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    may_add = services.may_record_findings(request.user, inspection.region_id)
    form = None
    if may_add:
        form = FindingForm(
            request.POST or None,
            units=selectors.departments_for(inspection.region_id[:6].ljust(12, "0")),
            owners=selectors.owners_for(inspection.region_id),
        )
    if request.method == "POST":
        if form is None:
            access.require(request.user, access.Action.CHANGE, inspection)
            raise Http404
        if form.is_valid():
            try:
                services.finding_add(
                    user=request.user,
                    inspection_id=inspection.pk,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Finding recorded."))
                return redirect("oversight:inspection_detail", inspection.pk)
    return render(
        request,
        "oversight/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": selectors.findings_of(user=request.user, inspection=inspection),
            "form": form,
            "today": timezone.localdate(),
            "ledgers": selectors.ledgers_for(
                user=request.user, region=inspection.region, today=timezone.localdate()
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request, pk: int):
    """A finding and its rectification: the owner marks it done, another verifies it."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    form = DoneForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("done", "verify"):
            raise Http404
        if action == "verify" or form.is_valid():
            try:
                if action == "done":
                    services.rectification_done(
                        user=request.user,
                        finding_id=finding.pk,
                        request=request,
                        **form.cleaned_data,
                    )
                else:
                    services.rectification_verify(
                        user=request.user, finding_id=finding.pk, request=request
                    )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("oversight:finding_detail", finding.pk)
    user = request.user
    may_change = access.allows(user, access.Action.CHANGE, finding)
    return render(
        request,
        "oversight/finding_detail.html",
        {
            "finding": finding,
            "form": form,
            "today": timezone.localdate(),
            "may_do": finding.status == "open" and (finding.owner_id == user.pk or may_change),
            "may_verify": finding.status == "done"
            and finding.owner_id != user.pk
            and (finding.created_by_id == user.pk or may_change),
        },
    )


@login_required
def rectification_list(request):
    query = params.parse(request, RectificationParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    rows = selectors.rectifications(
        user=request.user,
        today=timezone.localdate(),
        region=region.code,
        overdue=query["overdue"],
        mine=query["mine"],
    )
    page = Paginator(rows, 50).get_page(query["page"])
    return render(
        request,
        "oversight/rectification_list.html",
        {"region": region, "page": page, "query": query, "today": timezone.localdate()},
    )


# --- street rescue ---------------------------------------------------------------------------


@login_required
def rescue(request):
    """Patrols in reach, newest first."""
    query = params.parse(request, SupervisionParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    page = Paginator(selectors.patrols(user=request.user, region=region.code), 30).get_page(
        query["page"]
    )
    district = region.code[:6].ljust(12, "0")
    return render(
        request,
        "oversight/rescue.html",
        {
            "region": region,
            "page": page,
            "can_start": region.level <= Level.DISTRICT
            and access.can(request.user, access.Action.CHANGE, district),
            "district": district,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def patrol_new(request):
    query = params.parse(request, DistrictParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    district = region.code[:6].ljust(12, "0")
    access.require_region(request.user, access.Action.CHANGE, district)
    form = PatrolForm(request.POST or None, initial={"started_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        try:
            patrol = services.patrol_start(
                user=request.user, district_code=district, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("oversight:patrol_detail", patrol.pk)
    return render(
        request, "oversight/supervision_form.html", {"form": form, "title": _("Start a patrol")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def patrol_detail(request, pk: int):
    """The patrol, its encounters, and the encounter form (mobile-first)."""
    patrol = selectors.patrol_get(user=request.user, pk=pk)
    may_change = access.allows(request.user, access.Action.CHANGE, patrol)
    adding = request.method == "POST" and request.POST.get("action") != "end"
    form = EncounterForm(
        request.POST if adding else None,
        initial={"at": timezone.localtime(), "client_id": uuid.uuid4().hex},
    )
    if request.method == "POST":
        access.require(request.user, access.Action.CHANGE, patrol)
        if request.POST.get("action") == "end":
            services.patrol_end(user=request.user, patrol_id=patrol.pk, request=request)
            messages.success(request, _("Patrol ended."))
            return redirect("oversight:patrol_detail", patrol.pk)
        if form.is_valid():
            try:
                services.encounter_record(
                    user=request.user, patrol_id=patrol.pk, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Encounter recorded."))
                return redirect("oversight:patrol_detail", patrol.pk)
    encounters = list(selectors.encounters_of(user=request.user, patrol=patrol))
    return render(
        request,
        "oversight/patrol_detail.html",
        {
            "patrol": patrol,
            "encounters": encounters,
            # An identified person is named only to those who may see their record.
            "visible": selectors.people_visible(
                user=request.user, ids={e.person_id for e in encounters if e.person_id}
            ),
            "form": form,
            "may_change": may_change,
        },
    )


@login_required
@require_POST
def encounter_link(request, pk: int):
    """Someone described on the street, identified later (found in the registry, or newly
    registered there): link the encounter to their record."""
    encounter = access.get_or_404(Encounter, request.user, access.Action.CHANGE, pk=pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a registry record number."))
    else:
        services.encounter_link(
            user=request.user,
            encounter_id=encounter.pk,
            person_id=form.cleaned_data["person_id"],
            request=request,
        )
        messages.success(request, _("Linked to the registry record."))
    return redirect("oversight:patrol_detail", encounter.patrol_id)


@login_required
def rescue_report(request):
    """The season report: encounters by outcome, by district and by ISO week; its ledger."""
    query = params.parse(request, SeasonParams)
    region = selectors.region_for(user=request.user, code=query["region"])
    start, end = selectors.winter_of(timezone.localdate())
    start, end = query["from"] or start, query["to"] or end
    if end < start:
        start, end = end, start
    if query["export"] == "xlsx":
        if not access.can(request.user, access.Action.EXPORT, region.code):
            raise Http404
        found = selectors.season_report(
            user=request.user, region=region, start=start, end=end, action=access.Action.EXPORT
        )
        return _season_xlsx(request, found)
    found = selectors.season_report(user=request.user, region=region, start=start, end=end)
    outcomes = list(Outcome.choices)
    return render(
        request,
        "oversight/rescue_report.html",
        {
            "report": found,
            "region": region,
            "outcomes": outcomes,
            "outcome_totals": [(label, found.by_outcome[code]) for code, label in outcomes],
            "districts": [
                (d, [d["outcomes"][code] for code, _label in outcomes]) for d in found.by_district
            ],
            "weeks": [
                (w, [w["outcomes"][code] for code, _label in outcomes]) for w in found.by_week
            ],
            "can_export": access.can(request.user, access.Action.EXPORT, region.code),
        },
    )


def _season_xlsx(request, found) -> HttpResponse:
    buffer = io.BytesIO()
    ledgers.write(buffer, ledgers.season_sheets(found), user=request.user, request=request,
                  kind="rescuereport", region=found.region, label=f"{found.start}–{found.end}",
                  rows=found.total)  # fmt: skip
    return _xlsx(buffer, f"rescue-{found.region.code}-{found.start}-{found.end}.xlsx")


# --- the monthly report ------------------------------------------------------------------------


def _last_month(today):
    return (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)


@login_required
def monthly_report(request):
    """The monthly report (月报) of a region: an A4 print view, and its xlsx."""
    query = params.parse(request, MonthlyParams)
    month = query["month"] or _last_month(timezone.localdate())
    found = monthly.monthly(user=request.user, region_code=query["region"], month=month)
    can_export = access.can(request.user, access.Action.EXPORT, found.region.code)
    if query["export"] == "xlsx":
        if not can_export:
            raise Http404
        return _monthly_xlsx(request, found)
    return render(request, "oversight/monthly.html", {"m": found, "can_export": can_export})


def _monthly_xlsx(request, found) -> HttpResponse:
    buffer = io.BytesIO()
    ledgers.write(buffer, ledgers.monthly_sheets(found), user=request.user, request=request,
                  kind="monthlyreport", region=found.region, label=f"{found.month:%Y-%m}",
                  rows=len(found.coverage))  # fmt: skip
    return _xlsx(buffer, f"monthly-{found.region.code}-{found.month:%Y-%m}.xlsx")
