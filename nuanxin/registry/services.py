"""Every write to the registry: validated, in a transaction, scope re-checked, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record, model_changes
from nuanxin.core import access
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.core.pinyin import name_initials, name_pinyin
from nuanxin.core.validators import ID_WARNINGS, clean_id_number, clean_phone
from nuanxin.regions.models import ChangeMove, Level, Region
from nuanxin.regions.selectors import known_area_codes, retired_region

from . import signals
from .models import (
    DEVICE_CONSENT,
    PERSON_FIELDS,
    Consent,
    Contact,
    Device,
    Disability,
    Enrollment,
    Household,
    Person,
    PersonMove,
    Status,
)

REVEALABLE = {"id_number": mask_id_number, "phone": mask_phone, "phone2": mask_phone}


class IDWarning(str):
    """A warning attached to a saved person (e.g. an unknown area code)."""


def _normalise(person: Person) -> list[str]:
    """Derive what the ID number and name say; return warnings."""
    warnings: list[str] = []
    person.name = person.name.strip()
    person.name_pinyin = name_pinyin(person.name)
    person.name_initials = name_initials(person.name)
    if person.id_number:
        try:
            parsed = clean_id_number(person.id_number, known_areas=known_area_codes())
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        person.id_number = parsed.number
        person.birth_date = parsed.birth_date
        person.sex = parsed.sex
        if "area_code" in parsed.warnings:
            warnings.append(
                _(
                    "Area code %(code)s is not a current or known historical code of this city; kept as given."
                )
                % {"code": parsed.area_code}
            )
        # A 15-digit number stored as its 18 digits; an unknown nationality code.
        warnings.extend(str(ID_WARNINGS[w]) for w in parsed.warnings if w != "area_code")
    else:
        person.id_number = None
    errors = {}
    for field in ("phone", "phone2"):
        value = getattr(person, field)
        if value:
            try:
                setattr(person, field, clean_phone(value))
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return warnings


def _require_current_region(code: str, *, field: str = "region") -> None:
    """Nobody is filed under a region an administrative change retired."""
    retired = retired_region(code)
    if retired is not None:
        raise ValidationError(
            {
                field: _("%(name)s was retired on %(day)s; it is now %(successor)s.")
                % {
                    "name": retired.name,
                    "day": retired.retired_on,
                    "successor": retired.successor.name if retired.successor else "—",
                }
            }
        )


@transaction.atomic
def person_create(*, user, request=None, **fields) -> tuple[Person, list[str]]:
    """Create a person; returns (person, warnings)."""
    unknown = (
        set(fields)
        - set(PERSON_FIELDS)
        - {
            "region_id",
            "registered_region_id",
            "household_id",
            "sex",
            "birth_date",
        }
    )
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    person = Person(**fields)
    if person.registered_region_id is None:
        # 户籍地 defaults to where the person lives.
        person.registered_region_id = person.region_id
    warnings = _normalise(person)
    person.full_clean(exclude=_same_place(person))
    _require_current_region(person.region_id)
    _require_current_region(person.registered_region_id, field="registered_region")
    access.require_region(user, access.Action.CHANGE, person.region_id)
    _require_household_scope(user, person)
    person.save()
    # Re-check the row as stored, inside the transaction (a trigger or race could move it).
    access.recheck(user, access.Action.CHANGE, person)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=person,
        request=request,
        changes=model_changes({}, _snapshot(person)),
    )
    return person, warnings


@transaction.atomic
def person_update(*, user, person: Person, request=None, **fields) -> tuple[Person, list[str]]:
    unknown = (
        set(fields)
        - set(PERSON_FIELDS)
        - {
            "region_id",
            "registered_region_id",
            "household_id",
        }
    )
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    access.require(user, access.Action.CHANGE, person)
    before = _snapshot(person)
    region_before = person.region_id
    registered_before = person.registered_region_id
    for key, value in fields.items():
        setattr(person, key, value)
    warnings = _normalise(person)
    person.full_clean(exclude=_same_place(person))
    if person.region_id != region_before:
        _require_current_region(person.region_id)
    if person.registered_region_id != registered_before:
        _require_current_region(person.registered_region_id, field="registered_region")
    access.require_region(user, access.Action.CHANGE, person.region_id)
    _require_household_scope(user, person)
    person.save()
    access.recheck(user, access.Action.CHANGE, person)
    changes = model_changes(before, _snapshot(person))
    if changes:
        audit_record(
            user=user, action=AuditAction.UPDATE, obj=person, request=request, changes=changes
        )
    return person, warnings


@dataclasses.dataclass
class MoveOutcome:
    """What a move did (or, previewed, would do): the move and what followed the person."""

    move: PersonMove
    counts: dict
    dry_run: bool
    labels: dict = dataclasses.field(default_factory=dict)

    def counted(self) -> list[tuple[str, int]]:
        """(label in the reader's language, number) of what moved."""
        return [(str(self.labels.get(k, k)), n) for k, n in self.counts.items()]


class _MovePreviewed(Exception):
    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome


def person_move(
    *,
    user,
    person: Person,
    to_region: Region | None,
    on: dt.date,
    reason: str = "",
    address: str = "",
    request=None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> MoveOutcome:
    """A person moves house: to `to_region` (a community or grid of the city) or, with
    None, out of the city (status "moved away").

    The person keeps their history. What follows the residence goes with them from
    the month of the move (the first month counted in the new area, docs/map-changes.md):
    their visit duty, that month's visits, their open work (apps that own it receive
    `signals.person_moved`). Earlier months count them where they lived then
    (regions.ChangeMove). Whoever may change the person where they live now may move
    them, into an area outside their own scope too: the re-check after the write is
    on the old side, the move itself. ``dry_run`` runs it and rolls it back (the preview).
    """
    try:
        with transaction.atomic():
            outcome = _person_move(
                user=user,
                person=person,
                to_region=to_region,
                on=on,
                reason=(reason or "").strip(),
                address=(address or "").strip(),
                request=request,
                today=today or timezone.localdate(),
            )
            if dry_run:
                outcome.dry_run = True
                raise _MovePreviewed(outcome)
            return outcome
    except _MovePreviewed as done:
        return done.outcome


def _person_move(*, user, person, to_region, on, reason, address, request, today):
    access.require(user, access.Action.CHANGE, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    access.require(user, access.Action.CHANGE, person)
    if person.status in (Status.MOVED, Status.DECEASED):
        raise ValidationError(
            {"to_region": _("%(name)s is recorded as %(status)s.")
             % {"name": person.name, "status": person.get_status_display()}}
        )  # fmt: skip
    if on is None or on > today:
        raise ValidationError({"on": _("A move is recorded on its day or later, not ahead.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("At most 200 characters.")})
    cut = on.replace(day=1)
    latest = (
        ChangeMove.objects.filter(person_id=person.pk)
        .order_by("-cut_month")
        .values_list("cut_month", flat=True)
        .first()
    )
    if latest and latest > cut:
        raise ValidationError(
            {"on": _("An earlier move already counts from %(month)s: this one cannot be dated before it.")
             % {"month": latest.strftime("%Y-%m")}}
        )  # fmt: skip
    old = person.region_id
    if to_region is not None:
        if to_region.level < Level.COMMUNITY or to_region.retired:
            raise ValidationError(
                {"to_region": _("Choose a current community or grid of the city.")}
            )
        if to_region.code == old:
            raise ValidationError({"to_region": _("The person already lives there.")})
    move = PersonMove(
        person=person,
        from_region_id=old,
        to_region=to_region,
        moved_on=on,
        cut_month=cut,
        reason=reason,
        moved_by=user if getattr(user, "is_authenticated", False) else None,
    )
    move.full_clean()
    move.save()
    before = _snapshot(person)
    if to_region is None:
        person.status = Status.MOVED
    else:
        ChangeMove.objects.create(
            change=None,
            person_id=person.pk,
            old_region_id=old,
            new_region_id=to_region.code,
            cut_month=cut,
        )
        person.region = to_region
    if address:
        person.address = address
    person.full_clean()
    person.save()
    counts: Counter = Counter()
    labels: dict = {}
    answers = signals.person_moved.send(
        sender=Person,
        person=person,
        old_region_id=old,
        new_region_id=to_region.code if to_region else None,
        moved_on=on,
        cut_month=cut,
        counts=counts,
    )
    for _receiver, answer in answers:
        labels.update(answer or {})
    # The person may now live outside the mover's scope: the re-check is on the old
    # side, the move as stored (its from_region is where the mover holds `change`).
    if user is not None and not (
        PersonMove.objects.restrict(user, access.Action.CHANGE).filter(pk=move.pk).exists()
    ):
        raise PermissionDenied(_("That region is outside your scope."))
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=person,
        request=request,
        changes={
            **model_changes(before, _snapshot(person)),
            "move": {
                "from": old,
                "to": to_region.code if to_region else None,
                "on": on.isoformat(),
                "counts": {k: v for k, v in sorted(counts.items()) if v},
            },
        },
        reason=reason,
    )
    return MoveOutcome(move, {k: v for k, v in sorted(counts.items()) if v}, False, labels)


def _same_place(person: Person) -> list[str]:
    """Registered where they live: a bad region is the region's error alone."""
    return ["registered_region"] if person.registered_region_id == person.region_id else []


def _require_household_scope(user, person: Person) -> None:
    """A person may only join a household the user could change themselves."""
    if user is None or person.household_id is None:
        return
    reachable = (
        Household.objects.restrict(user, access.Action.CHANGE)
        .filter(pk=person.household_id)
        .exists()
    )
    if not reachable:
        raise ValidationError({"household": _("Choose a household in your area.")})


def _snapshot(person: Person) -> dict:
    data = model_to_dict(person, fields=[*PERSON_FIELDS, "sex", "birth_date"])
    # Audit rows are themselves readable by admins: keep identifiers masked there.
    for field, mask in REVEALABLE.items():
        data[field] = mask(data.get(field))
    return data


def person_reveal(*, user, person: Person, field: str, reason: str, request=None) -> str:
    """Return a masked field in clear, if allowed, and log who asked and why."""
    if field not in REVEALABLE:
        raise ValueError(f"{field} is not a revealable field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need to see this.")})
    access.require(user, access.Action.REVEAL, person)
    audit_record(
        user=user,
        action=AuditAction.REVEAL,
        obj=person,
        request=request,
        changes={"field": field},
        reason=reason,
    )
    return getattr(person, field) or ""


def person_viewed(*, user, person: Person, request=None) -> None:
    audit_record(user=user, action=AuditAction.VIEW, obj=person, request=request)


def person_searched(*, user, text: str, request=None) -> None:
    """A search by the digits of an ID number or phone is audited (names are not).

    The log keeps how many digits were asked and the last four, like a masked
    value: the digits themselves are part of someone's identifier.
    """
    from .selectors import identifier_digits

    digits = identifier_digits(text)
    if not digits:
        return
    audit_record(
        user=user,
        action=AuditAction.SEARCH,
        request=request,
        object_type="registry.person",
        object_repr=_("search by %(n)d digits") % {"n": len(digits)},
        changes={"digits": len(digits), "ends_with": digits[-4:]},
    )


def _child_saved(user, obj, action, request, person: Person, changes: dict | None = None):
    # Checked again after the write, inside the transaction: a refusal undoes it.
    access.require(user, access.Action.CHANGE, person)
    audit_record(
        user=user,
        action=action,
        request=request,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=f"{person} · {obj}"[:200],
        changes=changes or {},
    )


@transaction.atomic
def enrollment_add(
    *,
    user,
    person: Person,
    category: str,
    start_date: dt.date | None = None,
    source: str = "",
    request=None,
) -> Enrollment:
    """Enroll a person in a category; an open enrollment of the same category is kept."""
    access.require(user, access.Action.CHANGE, person)
    existing = person.enrollments.filter(category=category, end_date__isnull=True).first()
    if existing:
        return existing
    enrollment = Enrollment(person=person, category=category, start_date=start_date, source=source)
    enrollment.full_clean()
    enrollment.save()
    _child_saved(
        user, enrollment, AuditAction.CREATE, request, person, {"category": [None, category]}
    )
    return enrollment


@transaction.atomic
def enrollment_end(*, user, enrollment: Enrollment, end_date: dt.date, request=None) -> Enrollment:
    access.require(user, access.Action.CHANGE, enrollment.person)
    if enrollment.start_date and end_date < enrollment.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    enrollment.end_date = end_date
    enrollment.save(update_fields=["end_date"])
    _child_saved(
        user,
        enrollment,
        AuditAction.UPDATE,
        request,
        enrollment.person,
        {"end_date": [None, end_date.isoformat()]},
    )
    return enrollment


@transaction.atomic
def disability_set(
    *, user, person: Person, category: int, grade: int, certificate_number: str = "", request=None
) -> Disability:
    disability, _created = Disability.objects.get_or_create(
        person=person, category=category, defaults={"grade": grade}
    )
    disability.grade = grade
    disability.certificate_number = certificate_number
    disability.full_clean()
    disability.save()
    _child_saved(
        user,
        disability,
        AuditAction.UPDATE,
        request,
        person,
        {"category": category, "grade": grade},
    )
    return disability


@transaction.atomic
def contact_add(
    *,
    user,
    person: Person,
    name: str,
    relation: str,
    phone: str = "",
    is_guardian: bool = False,
    is_emergency: bool = False,
    note: str = "",
    request=None,
) -> Contact:
    access.require(user, access.Action.CHANGE, person)
    contact = Contact(
        person=person,
        name=name.strip(),
        relation=relation.strip(),
        is_guardian=is_guardian,
        is_emergency=is_emergency,
        note=note,
    )
    if phone:
        try:
            contact.phone = clean_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    contact.full_clean()
    contact.save()
    _child_saved(
        user,
        contact,
        AuditAction.CREATE,
        request,
        person,
        {"relation": contact.relation, "guardian": is_guardian},
    )
    return contact


# Other apps' say on whether a guardian may consent for a child (care knows when a
# guardian is missing or unable to care): each check takes the guardian contact and the
# day, and returns why not, or "". Registered from the app's ready(); registry imports
# none of them.
_guardian_checks: list = []


def guardian_check_register(check) -> None:
    if check not in _guardian_checks:
        _guardian_checks.append(check)


@transaction.atomic
def consent_record(
    *,
    user,
    person: Person,
    purpose: str,
    method: str,
    given_on: dt.date,
    given_by_guardian: Contact | None = None,
    document: str = "",
    document_file=None,
    request=None,
) -> Consent:
    """Record consent. For a child under 14 it must come from a guardian.

    `document_file` is an uploaded file (the signed form, a photo of it): PDF,
    JPEG or PNG, at most 10 MB, checked by its first bytes as well as its name.
    """
    access.require(user, access.Action.CHANGE, person)
    if document_file:
        consent_document_check(document_file)
    age = person.age_on(given_on)
    if (
        age is not None
        and age < 14
        and (given_by_guardian is None or not given_by_guardian.is_guardian)
    ):
        raise ValidationError(
            {"given_by_guardian": _("A child under 14 cannot consent alone: name the guardian.")}
        )
    if given_by_guardian is not None and given_by_guardian.person_id != person.pk:
        raise ValidationError({"given_by_guardian": _("That contact belongs to someone else.")})
    if given_by_guardian is not None and age is not None and age < 14:
        for check in _guardian_checks:
            if why := check(given_by_guardian, given_on):
                raise ValidationError({"given_by_guardian": why})
    consent = Consent(
        person=person,
        purpose=purpose,
        method=method,
        given_on=given_on,
        given_by_guardian=given_by_guardian,
        document=document,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if document_file:
        consent.document_file = document_file
    consent.full_clean()
    consent.save()
    changes = {"purpose": purpose}
    if consent.document_file:
        changes["document_file"] = consent.document_file.name
    _child_saved(user, consent, AuditAction.CREATE, request, person, changes)
    return consent


# What an attached consent document may be: its extension and its first bytes.
DOCUMENT_TYPES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def consent_document_check(upload) -> None:
    """Refuse anything but a real PDF, JPEG or PNG of at most 10 MB, with a clear message."""
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in DOCUMENT_TYPES:
        raise ValidationError(
            {
                "document_file": _("Attach a PDF, JPG or PNG file (this one is “%(name)s”).")
                % {"name": name}
            }
        )
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {
                "document_file": _("The file is %(size)s MB; at most 10 MB is accepted.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            }
        )
    magic, _mime = DOCUMENT_TYPES[ext]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            {
                "document_file": _("The file's content is not a %(type)s, whatever its name says.")
                % {"type": ext.upper()}
            }
        )


def consent_document_open(*, user, consent: Consent, request=None):
    """The attached document, opened for reading, with its content type; the read is audited.

    The caller has checked that `user` may view the person (404 otherwise).
    """
    if not consent.document_file:
        raise Http404
    ext = consent.document_file.name.rsplit(".", 1)[-1].lower()
    _magic, mime = DOCUMENT_TYPES.get(ext, (b"", "application/octet-stream"))
    handle = consent.document_file.open("rb")
    audit_record(
        user=user,
        action=AuditAction.VIEW,
        request=request,
        object_type=consent._meta.label_lower,
        object_id=str(consent.pk),
        object_repr=f"{consent.person} · {consent}"[:200],
        changes={"document_file": consent.document_file.name},
    )
    return handle, mime


@transaction.atomic
def consent_withdraw(*, user, consent: Consent, withdrawn_on: dt.date, request=None) -> Consent:
    """Withdraw consent; devices that depended on it are flagged for removal."""
    access.require(user, access.Action.CHANGE, consent.person)
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": _("This consent was already withdrawn.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError(
            {"withdrawn_on": _("The consent cannot be withdrawn before it was given.")}
        )
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    Device.objects.filter(consent=consent, removed_on__isnull=True).update(needs_removal=True)
    _child_saved(
        user,
        consent,
        AuditAction.UPDATE,
        request,
        consent.person,
        {"withdrawn_on": withdrawn_on.isoformat()},
    )
    return consent


@transaction.atomic
def device_record(
    *,
    user,
    person: Person,
    kind: str,
    installed_on: dt.date,
    consent: Consent | None = None,
    campaign: str = "",
    serial: str = "",
    model: str = "",
    installer: str = "",
    from_campaign=None,
    request=None,
) -> Device:
    """Record an installed device; some kinds need an active consent first."""
    access.require(user, access.Action.CHANGE, person)
    purpose = DEVICE_CONSENT.get(kind)
    if purpose is not None:
        consent = (
            consent or person.consents.filter(purpose=purpose, withdrawn_on__isnull=True).first()
        )
        if consent is None or not consent.active or consent.purpose != purpose:
            raise ValidationError(
                {
                    "consent": _(
                        "This device needs the person's (or guardian's) active consent first."
                    )
                }
            )
    device = Device(
        person=person,
        kind=kind,
        installed_on=installed_on,
        consent=consent,
        campaign=campaign,
        serial=serial,
        model=model,
        installer=installer,
        from_campaign=from_campaign,
    )
    device.full_clean()
    device.save()
    _child_saved(user, device, AuditAction.CREATE, request, person, {"kind": kind})
    return device


@transaction.atomic
def device_remove(*, user, device: Device, removed_on: dt.date, request=None) -> Device:
    """Record that a device was taken out of the home; clears the removal flag (and its duty)."""
    access.require(user, access.Action.CHANGE, device.person)
    if device.removed_on is not None:
        raise ValidationError({"removed_on": _("This device was already removed.")})
    if removed_on < device.installed_on:
        raise ValidationError(
            {"removed_on": _("A device cannot be removed before it was installed.")}
        )
    device.removed_on = removed_on
    device.needs_removal = False
    device.full_clean()
    device.save(update_fields=["removed_on", "needs_removal"])
    _child_saved(
        user,
        device,
        AuditAction.UPDATE,
        request,
        device.person,
        {"removed_on": removed_on.isoformat()},
    )
    return device


@transaction.atomic
def household_create(
    *, user, region_id: str, address: str = "", number: str = "", request=None
) -> Household:
    access.require_region(user, access.Action.CHANGE, region_id)
    _require_current_region(region_id)
    household = Household(region_id=region_id, address=address, number=number)
    household.full_clean()
    household.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=household, request=request)
    return household
