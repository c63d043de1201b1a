"""Fund pages: the list, a new fund, the reconciliation with its entries, and its export."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form

from . import exports, selectors, services
from .forms import EntryForm, FundForm
from .views import XLSX


@login_required
@require_http_methods(["GET", "POST"])
def fund_list(request):
    data = params.parse(request, params.Params)
    form = FundForm(request.POST or None)
    if request.method == "POST":
        access.require_somewhere(request.user, access.Action.CHANGE)
        if form.is_valid():
            try:
                fund = services.fund_create(user=request.user, request=request,
                                            **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                return redirect("funds:fund_detail", fund.pk)
    page = Paginator(selectors.fund_list(user=request.user), 50).get_page(data["page"])
    return render(
        request,
        "campaigns/fund_list.html",
        {"page": page, "form": form, "can_create": access.can(request.user, access.Action.CHANGE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_detail(request, pk: int):
    fund = selectors.fund_get(user=request.user, pk=pk)
    data = params.parse(request, params.Params)
    form = EntryForm(request.POST or None, initial={"region": fund.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_entry_add(user=request.user, fund_id=fund.pk, request=request,
                                    **form.service_kwargs())  # fmt: skip
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("funds:fund_detail", fund.pk)
    entries = Paginator(selectors.fund_entries(user=request.user, fund=fund), 50)
    return render(
        request,
        "campaigns/fund_detail.html",
        {
            "fund": fund,
            "recon": selectors.reconciliation(user=request.user, fund=fund),
            "entries": entries.get_page(data["page"]),
            "form": form,
            "can_change": access.can(request.user, access.Action.CHANGE),
            "can_export": access.can(request.user, access.Action.EXPORT),
        },
    )


@login_required
def fund_export(request, pk: int):
    access.require_somewhere(request.user, access.Action.EXPORT)
    fund = selectors.fund_get(user=request.user, pk=pk)
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.fund_export(user=request.user, fund=fund, target=tmp, request=request)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"fund-{pk}-{stamp}.xlsx",
                        content_type=XLSX)  # fmt: skip
