"""Writes to the directory: providers, organisations and hotlines, their contacts and accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.regions.models import Region

from . import selectors
from .models import (
    Hotline,
    Organisation,
    OrganisationAccount,
    OrganisationContact,
    ProviderAccount,
    ProviderContact,
    ServiceProvider,
)

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


# --- organisations ------------------------------------------------------------------------

ORGANISATION_FIELDS = ("name", "kind", "phone", "address", "note", "active")


def _region_of(code: str | None):
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("Unknown region code.")})
    return region


def _require_region(user, code: str | None, field: str = "region") -> None:
    """Directory records of a region are written by whoever manages it (a district or more)."""
    if not selectors.can_edit(user, [code] if code else []):
        if not selectors.can_edit(user):
            raise PermissionDenied(
                _("Only district officers and the city admin edit the directory.")
            )
        raise ValidationError({field: _("Choose a region within the districts you manage.")})


def _organisation_contacts_set(organisation: Organisation, contacts) -> None:
    organisation.contacts.all().delete()
    rows = []
    for c in contacts or ():
        contact = OrganisationContact(
            organisation=organisation,
            name=(c.get("name") or "").strip(),
            role=(c.get("role") or "").strip(),
            phone=(c.get("phone") or "").strip(),
        )
        contact.full_clean(exclude=["organisation"])
        rows.append(contact)
    OrganisationContact.objects.bulk_create(rows)


@transaction.atomic
def organisation_create(
    *,
    user,
    name: str,
    kind: str,
    region_code: str | None = None,
    phone: str = "",
    address: str = "",
    note: str = "",
    active: bool = True,
    contacts=(),
    request=None,
) -> Organisation:
    """Add a department, company, social organisation or volunteer group."""
    _require_region(user, region_code)
    organisation = Organisation(
        name=(name or "").strip(),
        kind=kind,
        region=_region_of(region_code),
        phone=(phone or "").strip(),
        address=(address or "").strip(),
        note=(note or "").strip(),
        active=active,
    )
    organisation.full_clean()
    organisation.save()
    _organisation_contacts_set(organisation, contacts)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=organisation,
        request=request,
        changes={"kind": kind, "region": region_code or ""},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, user, organisation: Organisation, contacts=None, request=None, **fields
) -> Organisation:
    """Change an organisation; the user must manage its region (old and new)."""
    _require_region(user, organisation.region_id)
    region_code = fields.pop("region_code", organisation.region_id)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    changes = {}
    if region_code != organisation.region_id:
        _require_region(user, region_code)
        changes["region"] = [organisation.region_id, region_code]
        organisation.region = _region_of(region_code)
    for field, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(organisation, field) != value:
            changes[field] = [getattr(organisation, field), value]
            setattr(organisation, field, value)
    organisation.full_clean()
    organisation.save()
    if contacts is not None:
        _organisation_contacts_set(organisation, contacts)
        changes["contacts"] = len(contacts)
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=organisation, request=request, changes=changes
    )
    return organisation


@transaction.atomic
def organisation_account_add(*, user, organisation: Organisation, account, request=None):
    """Let a partner-contact user answer for this organisation (what its pairings name)."""
    _require_region(user, organisation.region_id)
    if access.Role.PARTNER_CONTACT not in access.roles_of(account):
        raise ValidationError(
            {"account": _("An organisation account needs the partner organisation contact role.")}
        )
    row, _created = OrganisationAccount.objects.update_or_create(
        user=account, defaults={"organisation": organisation}
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=row,
        request=request,
        changes={"organisation": organisation.pk, "user": account.get_username()},
    )
    return row


# --- hotlines ------------------------------------------------------------------------------

HOTLINE_FIELDS = ("unit", "number", "hours", "topic", "position", "active")


@transaction.atomic
def hotline_create(
    *,
    user,
    unit: str,
    number: str,
    hours: str = "",
    topic: str = "",
    region_code: str | None = None,
    position: int = 100,
    active: bool = True,
    request=None,
) -> Hotline:
    """Add a hotline to the directory (and to the sheet handed out in its region)."""
    _require_region(user, region_code)
    hotline = Hotline(
        unit=(unit or "").strip(),
        number=(number or "").strip(),
        hours=(hours or "").strip(),
        topic=(topic or "").strip(),
        region=_region_of(region_code),
        position=position,
        active=active,
    )
    hotline.full_clean()
    hotline.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=hotline,
        request=request,
        changes={"region": region_code or ""},
    )
    return hotline


@transaction.atomic
def hotline_update(*, user, hotline: Hotline, request=None, **fields) -> Hotline:
    _require_region(user, hotline.region_id)
    region_code = fields.pop("region_code", hotline.region_id)
    unknown = set(fields) - set(HOTLINE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    changes = {}
    if region_code != hotline.region_id:
        _require_region(user, region_code)
        changes["region"] = [hotline.region_id, region_code]
        hotline.region = _region_of(region_code)
    for field, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(hotline, field) != value:
            changes[field] = [getattr(hotline, field), value]
            setattr(hotline, field, value)
    hotline.full_clean()
    hotline.save()
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=hotline, request=request, changes=changes
    )
    return hotline
