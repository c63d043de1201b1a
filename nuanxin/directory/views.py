"""Directory pages: the providers list and each provider's page.

Every signed-in user reads the directory; district officers and the city admin
add and edit the providers of their area.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from nuanxin.core import params
from nuanxin.core.forms import errors_to_form
from nuanxin.regions.models import Region

from . import selectors, services
from .forms import (
    ContactFormSet,
    FilterForm,
    HotlineParams,
    OrganisationFilterForm,
    ProviderForm,
)


@login_required
def provider_list(request):
    data = params.parse(request, FilterForm)
    filters = FilterForm(request.GET)
    filters.is_valid()
    serves = data.get("serves")
    qs = selectors.provider_list(
        user=request.user,
        q=(data.get("q") or "").strip(),
        kind=data.get("kind") or "",
        serves=serves.code if serves else "",
    )
    page = Paginator(qs, 50).get_page(data["page"])
    query = urlencode(
        {
            k: v
            for k, v in {
                "q": data.get("q") or "",
                "kind": data.get("kind") or "",
                "serves": serves.code if serves else "",
            }.items()
            if v
        }
    )
    return render(
        request,
        "directory/provider_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "areas": selectors.area_choices(),
            "serves": serves,
            "can_edit": selectors.can_edit(request.user),
        },
    )


@login_required
def provider_detail(request, pk: int):
    provider = selectors.provider_get(user=request.user, pk=pk)
    return render(
        request,
        "directory/provider_detail.html",
        {"p": provider, "can_edit": selectors.can_edit_provider(request.user, provider)},
    )


def _contacts(formset) -> list[dict]:
    return [f.cleaned_data for f in formset if f.cleaned_data.get("name")]


@login_required
def provider_new(request):
    if not selectors.can_edit(request.user):
        raise Http404  # the page does not exist for readers
    form = ProviderForm(request.POST or None)
    contacts = ContactFormSet(request.POST or None, prefix="c")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            provider = services.provider_create(
                user=request.user, request=request, **_provider_fields(form, contacts)
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Provider added."))
            return redirect("directory:provider_detail", provider.pk)
    return render(
        request,
        "directory/provider_form.html",
        {"form": form, "contacts": contacts, "provider": None},
    )


def _provider_fields(form, contacts) -> dict:
    """What the provider form and its contact rows say, as the services take it."""
    data = form.cleaned_data
    return {
        "name": data["name"],
        "kind": data["kind"],
        "services": data["services"],
        "phone": data["phone"],
        "address": data["address"],
        "active": data["active"],
        "service_area": [r.code for r in data["service_area"]],
        "contacts": _contacts(contacts),
    }


@login_required
def provider_edit(request, pk: int):
    provider = selectors.provider_get(user=request.user, pk=pk)
    if not selectors.can_edit_provider(request.user, provider):
        raise PermissionDenied(_("Only district officers and the city admin edit providers."))
    initial = {
        "name": provider.name,
        "kind": provider.kind,
        "services": provider.services,
        "phone": provider.phone,
        "address": provider.address,
        "active": provider.active,
        "service_area": list(provider.service_area.all()),
    }
    form = ProviderForm(request.POST or None, initial=initial)
    contacts = ContactFormSet(
        request.POST or None,
        prefix="c",
        initial=[
            {"name": c.name, "role": c.role, "phone": c.phone} for c in provider.contacts.all()
        ],
    )
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            services.provider_update(
                user=request.user,
                provider=provider,
                request=request,
                **_provider_fields(form, contacts),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Provider saved."))
            return redirect("directory:provider_detail", provider.pk)
    return render(
        request,
        "directory/provider_form.html",
        {"form": form, "contacts": contacts, "provider": provider},
    )


# --- organisations and hotlines (read by every signed-in user) ----------------------------


@login_required
def organisation_list(request):
    """Departments, social organisations, companies and volunteer groups, by kind."""
    data = params.parse(request, OrganisationFilterForm)
    qs = selectors.organisation_list(
        user=request.user,
        q=(data.get("q") or "").strip(),
        kind=data.get("kind") or "",
        region=data.get("region") or "",
    ).prefetch_related("contacts")
    page = Paginator(qs, 50).get_page(data["page"])
    return render(
        request,
        "directory/organisation_list.html",
        {"page": page, "filters": OrganisationFilterForm(request.GET)},
    )


@login_required
def hotline_sheet(request):
    """The printable hotline sheet for a region: the city's numbers and those above it."""
    data = params.parse(request, HotlineParams)
    region = data.get("region") or ""
    area = Region.objects.filter(code=region).first() if region else None
    return render(
        request,
        "directory/hotline_sheet.html",
        {"hotlines": selectors.hotlines_for(region_code=region), "area": area},
    )
