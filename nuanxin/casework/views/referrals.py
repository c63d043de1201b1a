"""Pages for casework: referrals to providers (list, new, detail with its steps).

A provider's own account sees the same pages, limited to its referrals and,
of each person, the name, address and phone the job needs.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from nuanxin.core import access, params
from nuanxin.core.forms import errors_to_form
from nuanxin.directory.models import ServiceProvider
from nuanxin.directory.selectors import account_provider
from nuanxin.registry.selectors import person_get

from ..forms.params import LinkedRecords, ReferralParams
from ..forms.referrals import CancelForm, CompleteForm, DeclineForm, KindFilterForm, ReferralForm
from ..models import ReferralStatus
from ..selectors import referrals as selectors
from ..selectors.requests import help_request_for
from ..services import referrals as services


@login_required
def referral_list(request):
    today = timezone.localdate()
    query = params.parse(request, ReferralParams)
    status, provider_id, overdue = query["status"], query["provider"], query["overdue"]
    qs = selectors.referral_list(
        user=request.user, status=status, provider_id=provider_id, overdue=overdue, today=today
    )
    page = Paginator(qs, 50).get_page(query["page"])
    own = account_provider(request.user)
    query = urlencode(
        {
            k: v
            for k, v in {
                "status": status,
                "provider": provider_id or "",
                "overdue": "1" if overdue else "",
            }.items()
            if v
        }
    )
    return render(
        request,
        "casework/referrals/referral_list.html",
        {
            "page": page,
            "today": today,
            "status": status,
            "provider_id": provider_id,
            "overdue": overdue,
            "statuses": ReferralStatus.choices,
            # A provider account sees its own referrals only: no provider filter.
            "providers": [] if own else ServiceProvider.objects.only("pk", "name"),
            "own_provider": own,
            "query": query,
        },
    )


@login_required
def referral_new(request, person_id: int):
    person = person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    linked = params.parse(request, LinkedRecords, data=request.POST or request.GET)
    help_request = help_request_for(user=request.user, person=person, pk=linked["request"])
    kinds = KindFilterForm(request.GET)
    kind = kinds.cleaned_data["kind"] if kinds.is_valid() else ""
    form = ReferralForm(request.POST or None, region_code=person.region_id, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                user=request.user,
                person=person,
                provider=form.cleaned_data["provider"],
                asked=form.cleaned_data["asked"],
                sent_on=form.cleaned_data["sent_on"],
                due_on=form.cleaned_data["due_on"],
                help_request=help_request,
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Referral sent to %(p)s.") % {"p": referral.provider})
            return redirect("casework:referral_detail", referral.pk)
    return render(
        request,
        "casework/referrals/referral_form.html",
        {"person": person, "form": form, "kinds": kinds, "help_request": help_request},
    )


STEPS = {
    "accept": (None, services.referral_accept, gettext_lazy("Referral accepted.")),
    "decline": (DeclineForm, services.referral_decline, gettext_lazy("Referral declined.")),
    "complete": (CompleteForm, services.referral_complete, gettext_lazy("Referral completed.")),
    "cancel": (CancelForm, services.referral_cancel, gettext_lazy("Referral cancelled.")),
}


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request, pk: int):
    referral = selectors.referral_get(user=request.user, pk=pk)
    forms = {"decline": DeclineForm(), "complete": CompleteForm(), "cancel": CancelForm()}
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in STEPS:
            raise Http404
        form_class, service, done = STEPS[step]
        form = form_class(request.POST) if form_class else None
        if form is None or form.is_valid():
            extra = form.cleaned_data if form else {}
            try:
                service(user=request.user, referral=referral, request=request, **extra)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("casework:referral_detail", referral.pk)
            messages.success(request, str(done))
            return redirect("casework:referral_detail", referral.pk)
        forms[step] = form
    provider_view = selectors.is_provider_view(request.user, referral)
    may_record = selectors.can_record(request.user, referral)
    status = referral.status
    return render(
        request,
        "casework/referrals/referral_detail.html",
        {
            "r": referral,
            "provider_view": provider_view,
            "forms": forms,
            "today": timezone.localdate(),
            "can_accept": may_record and status == ReferralStatus.SENT,
            "can_decline": may_record and status == ReferralStatus.SENT,
            "can_complete": may_record and status == ReferralStatus.ACCEPTED,
            "can_cancel": not provider_view
            and access.can(request.user, access.Action.CHANGE, referral.region_id)
            and status in services.OPEN,
        },
    )


urlpatterns = [
    path("referrals/", referral_list, name="referral_list"),
    path("referrals/new/<int:person_id>/", referral_new, name="referral_new"),
    path("referrals/<int:pk>/", referral_detail, name="referral_detail"),
]
