"""Writes to the directory: providers, their contacts and accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.regions.models import Region

from . import selectors
from .models import ProviderAccount, ProviderContact, ServiceProvider

FIELDS = ("name", "kind", "phone", "address", "services", "active")


def _area(codes) -> list[Region]:
    codes = list(dict.fromkeys(codes or ()))
    regions = list(Region.objects.filter(code__in=codes))
    if len(regions) != len(codes):
        raise ValidationError({"service_area": _("Unknown region in the service area.")})
    return regions


def _require_area(user, codes) -> None:
    if not selectors.can_edit(user, codes):
        if not selectors.can_edit(user):
            raise PermissionDenied(_("Only district officers and the city admin edit providers."))
        raise ValidationError(
            {"service_area": _("The service area must lie within the districts you manage.")}
        )


def _contacts_set(provider: ServiceProvider, contacts) -> None:
    provider.contacts.all().delete()
    rows = []
    for c in contacts or ():
        contact = ProviderContact(
            provider=provider,
            name=(c.get("name") or "").strip(),
            role=(c.get("role") or "").strip(),
            phone=(c.get("phone") or "").strip(),
        )
        contact.full_clean(exclude=["provider"])
        rows.append(contact)
    ProviderContact.objects.bulk_create(rows)


@transaction.atomic
def provider_create(
    *,
    user,
    name: str,
    kind: str,
    phone: str = "",
    address: str = "",
    services: str = "",
    service_area=(),
    active: bool = True,
    contacts=(),
    request=None,
) -> ServiceProvider:
    """Add a provider to the directory, with its service area (codes) and contacts."""
    area = _area(service_area)
    _require_area(user, [r.code for r in area])
    provider = ServiceProvider(
        name=(name or "").strip(),
        kind=kind,
        phone=(phone or "").strip(),
        address=(address or "").strip(),
        services=(services or "").strip(),
        active=active,
    )
    provider.full_clean()
    provider.save()
    provider.service_area.set(area)
    _contacts_set(provider, contacts)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=provider,
        request=request,
        changes={"service_area": [r.code for r in area]},
    )
    return provider


@transaction.atomic
def provider_update(
    *, user, provider: ServiceProvider, service_area=None, contacts=None, request=None, **fields
) -> ServiceProvider:
    """Change a provider's fields, area (codes) or contacts; the user must hold its old and new area."""
    if not selectors.can_edit_provider(user, provider):
        raise PermissionDenied(_("This provider serves an area outside yours."))
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    changes = {}
    for field, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(provider, field) != value:
            changes[field] = [getattr(provider, field), value]
            setattr(provider, field, value)
    provider.full_clean()
    provider.save()
    if service_area is not None:
        area = _area(service_area)
        _require_area(user, [r.code for r in area])
        provider.service_area.set(area)
        changes["service_area"] = [r.code for r in area]
    if contacts is not None:
        _contacts_set(provider, contacts)
        changes["contacts"] = len(contacts)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=provider, request=request, changes=changes
    )
    return provider


@transaction.atomic
def provider_account_add(*, user, provider: ServiceProvider, account, request=None):
    """Let a partner-contact user answer for this provider (their referrals only)."""
    if not selectors.can_edit_provider(user, provider):
        raise PermissionDenied(_("This provider serves an area outside yours."))
    if access.Role.PARTNER_CONTACT not in access.roles_of(account):
        raise ValidationError(
            {"account": _("A provider account needs the partner organisation contact role.")}
        )
    row, _created = ProviderAccount.objects.update_or_create(
        user=account, defaults={"provider": provider}
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=row,
        request=request,
        changes={"provider": provider.pk, "user": account.get_username()},
    )
    return row
