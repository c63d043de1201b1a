"""Campaign pages: list, new, the campaign with its progress, allocations, the delivery
screen, the ledger export and the printable hotline sheet and delivery list."""

from __future__ import annotations

import tempfile
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core import access, fieldviews, params
from nuanxin.core.forms import errors_to_form
from nuanxin.regions.models import Region, contains

from . import exports, selectors, services
from .forms import (
    AllocationParams,
    CampaignForm,
    DeliverForm,
    InstallForm,
    ListParams,
    MethodForm,
    NotifyForm,
    ProgressParams,
    RefuseForm,
    RevealForm,
)
from .models import AllocationState, CampaignStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def campaign_list(request):
    data = params.parse(request, ListParams)
    qs = selectors.campaign_list(user=request.user, status=data.get("status") or "")
    page = Paginator(qs, 50).get_page(data["page"])
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page": page, "can_create": access.can(request.user, access.Action.CHANGE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    access.require_somewhere(request.user, access.Action.CHANGE)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                user=request.user, request=request, **form.service_kwargs()
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    data = params.parse(request, ProgressParams)
    region = data.get("region") or ""
    if region and not contains(campaign.region_id, region):
        region = ""
    progress = selectors.progress(user=request.user, campaign=campaign, region=region)
    crumbs = Region.objects.get(code=progress["region"]).ancestors() if region else []
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "c": campaign,
            "progress": progress,
            "crumbs": [r for r in crumbs if contains(campaign.region_id, r.code)],
            "hotlines": campaign.hotlines.all(),
            "spent": selectors.campaign_spent(user=request.user, campaign=campaign),
            "areas": campaign.areas.all(),
            "can_change": selectors.can_change(request.user, campaign),
            "can_export": access.can(request.user, access.Action.EXPORT),
            "can_reveal": access.can(request.user, access.Action.REVEAL),
            "running": campaign.allocation_state
            in (AllocationState.QUEUED, AllocationState.RUNNING),
        },
    )


@login_required
def campaign_progress(request, pk: int):
    """The allocation bar, polled by htmx while the task worker runs."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return render(
        request,
        "campaigns/_allocation_bar.html",
        {
            "c": campaign,
            "running": campaign.allocation_state
            in (AllocationState.QUEUED, AllocationState.RUNNING),
        },
    )


@login_required
@require_POST
def campaign_transition(request, pk: int):
    try:
        services.campaign_transition(
            user=request.user, campaign_id=pk, action=request.POST.get("action", ""),
            request=request,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("campaigns:campaign_detail", pk)


@login_required
@require_POST
def campaign_allocate(request, pk: int):
    try:
        added = services.campaign_allocate(user=request.user, campaign_id=pk, request=request)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        if added is None:
            messages.info(request, _("Allocating in the background."))
        else:
            messages.success(request, _("%(n)s allocated.") % {"n": added})
    return redirect("campaigns:campaign_detail", pk)


@login_required
def allocation_list(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    data = params.parse(request, AllocationParams)
    qs = selectors.allocation_list(
        user=request.user,
        campaign=campaign,
        region=data.get("region") or "",
        status=data.get("status") or "",
        method=data.get("method") or "",
    )
    page = Paginator(qs, 50).get_page(data["page"])
    query = urlencode({k: data[k] for k in ("region", "status", "method") if data.get(k)})
    views = fieldviews.people_views(request.user, [a.person for a in page.object_list])
    return render(
        request,
        "campaigns/allocation_list.html",
        {
            "c": campaign,
            "page": page,
            "rows": [(a, views[a.person_id]) for a in page.object_list],
            "filters": AllocationParams(request.GET),
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allocation_detail(request, pk: int):
    """The delivery screen (mobile-first): notify, choose the method, record receipt or refusal."""
    allocation = selectors.allocation_get(user=request.user, pk=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = {
        "notify": NotifyForm(request.POST if action == "notify" else None, prefix="notify"),
        "deliver": DeliverForm(
            request.POST if action == "deliver" else None,
            prefix="deliver",
            initial={
                "method": allocation.method,
                "signer": "person",
                "client_id": uuid.uuid4().hex,
            },  # fmt: skip
        ),
        "refuse": RefuseForm(request.POST if action == "refuse" else None, prefix="refuse"),
        "install": InstallForm(request.POST if action == "install" else None, prefix="install"),
        "method": MethodForm(
            request.POST if action == "method" else None,
            prefix="method",
            initial={"method": allocation.method},
        ),
    }
    if request.method == "POST":
        form = forms.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "notify":
                    services.allocation_notify(user=request.user, allocation_id=pk,
                                               outcome=d["outcome"], note=d["note"],
                                               request=request)  # fmt: skip
                elif action == "deliver":
                    services.allocation_deliver(user=request.user, allocation_id=pk,
                                                method=d["method"], signer=d["signer"],
                                                signer_name=d["signer_name"], note=d["note"],
                                                client_id=d["client_id"] or None,
                                                request=request)  # fmt: skip
                elif action == "install":
                    services.installation_record(user=request.user, allocation_id=pk,
                                                 request=request, **d)  # fmt: skip
                elif action == "refuse":
                    services.allocation_refuse(user=request.user, allocation_id=pk,
                                               reason=d["reason"], request=request)  # fmt: skip
                else:
                    services.allocation_set_method(user=request.user, allocation_id=pk,
                                                   method=d["method"], request=request)  # fmt: skip
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("campaigns:allocation_detail", pk)
    campaign = allocation.campaign
    return render(
        request,
        "campaigns/allocation_detail.html",
        {
            "a": allocation,
            "c": campaign,
            "view": fieldviews.person_view(request.user, allocation.person),
            "forms": forms,
            "can_change": access.allows(request.user, access.Action.CHANGE, allocation)
            and campaign.status == CampaignStatus.OPEN
            and allocation.is_open,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_export(request, pk: int):
    """GET: the campaign's ledger, identifiers masked. GET ?reveal=1 asks for a reason;
    POSTing it downloads the ledger with identifiers in clear where the user may reveal."""
    access.require_somewhere(request.user, access.Action.EXPORT)
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    region = params.parse(request, ProgressParams).get("region") or ""
    reveal = request.method == "POST"
    form = RevealForm(request.POST or None)
    context = {"c": campaign, "form": form}
    if (request.GET.get("reveal") and not reveal) or (reveal and not form.is_valid()):
        return render(request, "campaigns/export_reveal.html", context)
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        exports.allocations_export(
            user=request.user, campaign=campaign, target=tmp, region=region, reveal=reveal,
            reason=form.cleaned_data["reason"] if reveal else "", request=request,
        )  # fmt: skip
    except ValidationError as exc:
        errors_to_form(form, exc)
        return render(request, "campaigns/export_reveal.html", context)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"campaign-{pk}-{stamp}.xlsx",
                        content_type=XLSX)  # fmt: skip


@login_required
def hotline_sheet(request, pk: int):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return render(
        request,
        "campaigns/hotline_sheet.html",
        {"c": campaign, "hotlines": campaign.hotlines.all()},
    )


@login_required
def delivery_list(request, pk: int):
    """A community's allocations to print (A4): sign here, one line a person."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    region = params.parse(request, ProgressParams).get("region") or ""
    qs = selectors.allocation_list(user=request.user, campaign=campaign, region=region)[:2000]
    rows = list(qs)
    views = fieldviews.people_views(request.user, [a.person for a in rows])
    return render(
        request,
        "campaigns/delivery_list.html",
        {
            "c": campaign,
            "rows": [(a, views[a.person_id]) for a in rows],
            "region": Region.objects.filter(code=region).first() if region else campaign.region,
        },
    )
