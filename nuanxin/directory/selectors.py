"""Reads of the directory: providers, organisations and hotlines.

None of it is personal data: every signed-in user reads the directory.
Writing it is for users who may change a district or more (district officers,
the city admin), and only for records whose whole area they hold.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import Level, Region

from .models import Hotline, Organisation, OrganisationAccount, ProviderAccount, ServiceProvider


def _editors_scope(user):
    """Where the user may change records, held at district level or above."""
    return access.scope(user, access.Action.CHANGE).held_at(Level.DISTRICT)


def can_edit(user, area_codes=None) -> bool:
    """May the user write the directory (no codes), or a provider serving these codes?

    An empty area is the whole city: only a city-level user may write it.
    """
    wide = _editors_scope(user)
    if wide.nowhere:
        return False
    if area_codes is None:
        return True
    codes = list(area_codes)
    if not codes:
        return not wide.held_at(Level.CITY).nowhere
    return all(wide.covers(code) for code in codes)


def can_edit_provider(user, provider: ServiceProvider) -> bool:
    return can_edit(user, [r.code for r in provider.service_area.all()])


def provider_list(*, user, q: str = "", kind: str = "", serves: str = "") -> QuerySet:
    """Providers matching a text (name or services), a kind and a region they serve."""
    if not getattr(user, "is_authenticated", False):
        return ServiceProvider.objects.none()
    qs = ServiceProvider.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(services__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if serves:
        qs = qs.serving(serves)
    return qs.prefetch_related("service_area")


def provider_get(*, user, pk: int) -> ServiceProvider:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    provider = (
        ServiceProvider.objects.prefetch_related("contacts", "service_area").filter(pk=pk).first()
    )
    if provider is None:
        raise Http404
    return provider


def providers_for_person(*, region_code: str, kind: str = "") -> QuerySet:
    """Active providers serving a person's region (to choose one for a referral)."""
    qs = ServiceProvider.objects.filter(active=True).serving(region_code)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def area_choices() -> QuerySet:
    """Regions a service area is made of: districts and streets (each covers all below)."""
    return Region.objects.current().filter(level__in=[Level.CITY, Level.DISTRICT, Level.STREET])


def account_provider(user) -> ServiceProvider | None:
    """The provider this user answers for, if any (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Only partner contacts answer for a provider: staff pages skip the query.
    if access.Role.PARTNER_CONTACT not in access.roles_of(user):
        return None
    if not hasattr(user, "_nuanxin_provider"):
        account = ProviderAccount.objects.select_related("provider").filter(user_id=user.pk).first()
        user._nuanxin_provider = account.provider if account else None
    return user._nuanxin_provider


def ready() -> None:
    """Called from AppConfig.ready: register duty or link sources here."""


# --- organisations and hotlines ---------------------------------------------------------


def organisation_list(*, user, q: str = "", kind: str = "", region: str = "") -> QuerySet:
    """Organisations by name or kind; `region`: those of that region or one above it."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    qs = Organisation.objects.select_related("region")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.within(region)
    return qs


def organisation_get(*, user, pk: int) -> Organisation:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    found = (
        Organisation.objects.select_related("region").prefetch_related("contacts").filter(pk=pk)
    ).first()
    if found is None:
        raise Http404
    return found


def can_edit_organisation(user, organisation: Organisation) -> bool:
    return can_edit(user, [organisation.region_id] if organisation.region_id else [])


def hotlines_for(*, region_code: str = "", active_only: bool = True) -> QuerySet:
    """Hotlines answering for a region (the city's included), in sheet order."""
    qs = Hotline.objects.select_related("region")
    if active_only:
        qs = qs.filter(active=True)
    if region_code:
        qs = qs.serving(region_code)
    return qs


def account_organisation(user) -> Organisation | None:
    """The organisation this user answers for, if any (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if access.Role.PARTNER_CONTACT not in access.roles_of(user):
        return None
    if not hasattr(user, "_nuanxin_organisation"):
        account = (
            OrganisationAccount.objects.select_related("organisation")
            .filter(user_id=user.pk)
            .first()
        )
        user._nuanxin_organisation = account.organisation if account else None
    return user._nuanxin_organisation
