"""/api/v1/persons: the registry's people, through the same selectors and services as the pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer

from nuanxin.core import access, fieldviews, idnumber, timeline
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.regions.models import code_prefix
from nuanxin.regions.selectors import region_by_code
from nuanxin.registry import selectors, services
from nuanxin.registry.models import (
    ADL_FIELDS,
    Category,
    Living,
    Person,
    Status,
    Tier,
)

from .schemas import (
    DEFAULT_PAGE_SIZE,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    RegionCode,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["persons"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut}


# ---- output -------------------------------------------------------------------------------


class PersonItemOut(Schema):
    """A row of the list, as your field view of the person allows.

    - `birth_date` is null unless you may reveal this person's identifiers (the
      masked ID number's hidden digits are the birth date); `age` is given.
    - For someone you reach only through a task, a referral or a pairing
      (`link_only`), the row holds what the task needs: name, place and phone in
      clear; the other fields are null or empty."""

    id: int
    name: str
    sex: str | None
    age: int | None
    birth_date: dt.date | None
    region: str
    region_name: str
    # 户籍地 (place of registration): visits and duties follow `region` (居住地).
    registered_region: str = ""
    status: str | None
    living: str | None
    tier: str | None
    categories: list[str]
    id_number: str | None
    phone: str
    link_only: bool = False
    # A pairing partner's child: school and grade, and the guardian to call.
    school: str | None = None
    grade: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None


class PersonPageOut(PageOut):
    items: list[PersonItemOut]


class DisabilityOut(Schema):
    category: int
    grade: int


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    phone: str
    is_guardian: bool
    is_emergency: bool


class ConsentOut(Schema):
    id: int
    purpose: str
    method: str
    given_on: dt.date
    given_by_guardian: int | None
    withdrawn_on: dt.date | None
    active: bool


class DeviceOut(Schema):
    id: int
    kind: str
    installed_on: dt.date
    campaign: str
    serial: str
    needs_removal: bool
    removed_on: dt.date | None


class PersonDetailOut(PersonItemOut):
    # "resident", "foreign_permanent" (the 2023 foreigners' permanent-residence
    # number, first digit 9) or "" without a number. A first-generation 15-digit
    # number is stored as its 18 digits: "resident".
    id_kind: str
    phone2: str
    address: str
    household: int | None
    relation_to_head: str
    self_care: str
    adl_eating: bool
    adl_dressing: bool
    adl_toileting: bool
    adl_transfer: bool
    adl_bathing: bool
    adl_walking: bool
    note: str
    disabilities: list[DisabilityOut]
    contacts: list[ContactOut]
    consents: list[ConsentOut]
    devices: list[DeviceOut]


class PersonLinkOut(Schema):
    """What a volunteer or partner sees of someone their task names: enough to reach them."""

    id: int
    name: str
    address: str
    phone: str


class PersonPairedOut(PersonLinkOut):
    """What a pairing partner sees of their child: the task view, with age, school and
    grade, and the guardian to call."""

    age: int | None
    school: str
    grade: str
    guardian_name: str | None
    guardian_phone: str | None


class PersonWriteOut(PersonDetailOut):
    warnings: list[str]


class RevealOut(Schema):
    field: str
    value: str


# ---- input --------------------------------------------------------------------------------


class PersonIn(Schema):
    """A new person. Sex and birth date are read from the ID number."""

    name: str
    region: str
    # 户籍地: blank for the same as `region` (the residence).
    registered_region: str = ""
    id_number: str | None = None
    phone: str = ""
    phone2: str = ""
    address: str = ""
    household: Id | None = None
    relation_to_head: str = ""
    status: str = Status.ACTIVE
    living: str = Living.WITH_FAMILY
    adl_eating: bool = False
    adl_dressing: bool = False
    adl_toileting: bool = False
    adl_transfer: bool = False
    adl_bathing: bool = False
    adl_walking: bool = False
    note: str = ""
    categories: list[str] = []


class PersonPatch(Schema):
    """Only the fields sent change; `id_number: null` clears the ID number."""

    name: str = ""
    region: str = ""
    registered_region: str = ""
    id_number: str | None = None
    phone: str = ""
    phone2: str = ""
    address: str = ""
    household: Id | None = None
    relation_to_head: str = ""
    status: str = ""
    living: str = ""
    adl_eating: bool = False
    adl_dressing: bool = False
    adl_toileting: bool = False
    adl_transfer: bool = False
    adl_bathing: bool = False
    adl_walking: bool = False
    note: str = ""


class RevealIn(Schema):
    field: str
    reason: str


class MoveIn(Schema):
    """A move: `to_region` a community or grid code of the city, or null when the
    person left the city (they are then recorded as moved away)."""

    to_region: str | None
    on: dt.date
    reason: str = ""
    address: str = ""


class MoveOut(Schema):
    person: int
    from_region: str
    to_region: str | None
    moved_on: dt.date
    counted_from: dt.date
    moved: dict[str, int]
    preview: bool


# ---- routes -------------------------------------------------------------------------------


REGION_HELP = "12- or 15-digit region code: that region and everything under it."
SEARCH_HELP = "Name, pinyin or initials (`cay`), or the last digits of an ID number or phone."


@router.get("", response={200: PersonPageOut, 400: ValidationErrorOut, 401: ErrorOut})
def person_list(
    request,
    region: RegionCode = "",
    category: Annotated[Category | None, Query(description="Holds this category today.")] = None,
    tier: Tier | None = None,
    status: Status | None = None,
    q: Annotated[str, Query(description=SEARCH_HELP)] = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """People in your scope, masked, in region and name order; a fixed number of queries.

    A search by digits matches the last four of a masked ID number or phone; a
    longer tail only where you may reveal it. Such searches are logged."""
    people = selectors.person_list(
        user=request.user,
        region=_region_prefix(region) if region else "",
        category=category or "",
        tier=tier or "",
        status=status or "",
        q=q,
    )
    info, rows = paginate(request, people, page=page, page_size=page_size)
    if q:
        services.person_searched(user=request.user, text=q, request=request)
    views = fieldviews.people_views(request.user, rows)
    paired = _paired(request.user, [p.pk for p in rows if "school" in views[p.pk].extra])
    items = [
        _link_item(person, views[person.pk], paired.get(person.pk))
        if views[person.pk].task
        else _item(person, views[person.pk])
        for person in rows
    ]
    return {**info, "items": items}


@router.get(
    "/{int:person_id}",
    response={200: PersonDetailOut | PersonPairedOut | PersonLinkOut, **ERRORS},
)
def person_detail(request, person_id: Id):
    """One person, masked; the viewing is logged.

    A volunteer or partner who reaches the person only through a task or pairing
    gets the `PersonLinkOut` shape: name, address and phone.
    """
    person = selectors.person_get(user=request.user, pk=person_id)
    services.person_viewed(user=request.user, person=person, request=request)
    view = fieldviews.person_view(request.user, person)
    if view.task:
        link = {"id": person.pk, "name": person.name, "address": person.address}
        link["phone"] = person.phone
        paired = _paired(request.user, [person.pk] if "school" in view.extra else [])
        child = paired.get(person.pk)
        if child is not None:
            return PersonPairedOut(**link, **_pairing_fields(person, view, child))
        return PersonLinkOut(**link)
    return PersonDetailOut(**_detail(selectors.profile_of(person), view))


@router.post(
    "",
    response={201: PersonWriteOut, 400: ValidationErrorOut, 401: ErrorOut, 422: ValidationErrorOut},
)
def person_create(request, payload: PersonIn):
    """Create a person, and enroll them in `categories`. Warnings (e.g. an unknown
    area code in the ID number) never block the write; they come back in `warnings`."""
    fields = _model_fields(payload.dict(exclude_unset=True))
    categories = fields.pop("categories", [])
    unknown = [code for code in categories if code not in Category.values]
    if unknown:
        raise ValidationError(
            {"categories": _("Unknown category: %(code)s") % {"code": unknown[0]}}
        )
    try:
        with transaction.atomic():
            person, warnings = services.person_create(user=request.user, request=request, **fields)
            for category in dict.fromkeys(categories):
                services.enrollment_add(
                    user=request.user, person=person, category=category, request=request
                )
    except PermissionDenied as exc:
        # The region exists but is not yours: say so on the field, like a form would.
        raise ValidationError({"region": str(exc)}) from None
    profile = selectors.person_profile(user=request.user, pk=person.pk)
    view = fieldviews.person_view(request.user, profile)
    return Answer(201, {**_detail(profile, view), "warnings": warnings})


@router.patch(
    "/{int:person_id}",
    response={200: PersonWriteOut, **ERRORS, 403: ErrorOut, 422: ValidationErrorOut},
)
def person_update(request, person_id: Id, payload: PersonPatch):
    """Change the fields sent. 403 if you may see this person but not change them."""
    person = selectors.person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    fields = _model_fields(payload.dict(exclude_unset=True))
    try:
        person, warnings = services.person_update(
            user=request.user, person=person, request=request, **fields
        )
    except PermissionDenied as exc:
        # Only a move to a region outside the user's scope gets here (scope was checked above).
        raise ValidationError({"region": str(exc)}) from None
    profile = selectors.person_profile(user=request.user, pk=person.pk)
    view = fieldviews.person_view(request.user, profile)
    return {**_detail(profile, view), "warnings": warnings}


@router.post(
    "/{int:person_id}/reveal",
    response={200: RevealOut, **ERRORS, 403: ErrorOut, 422: ValidationErrorOut},
)
def person_reveal(request, person_id: Id, payload: RevealIn):
    """Show a masked field (`id_number`, `phone`, `phone2`) in clear. Needs a reason; logged.

    403 when you may see this person but not reveal their identifiers."""
    person = selectors.person_get(user=request.user, pk=person_id, action=access.Action.REVEAL)
    if payload.field not in services.REVEALABLE:
        raise ValidationError(
            {"field": _("Choose one of: %(fields)s.") % {"fields": ", ".join(services.REVEALABLE)}}
        )
    value = services.person_reveal(
        user=request.user,
        person=person,
        field=payload.field,
        reason=payload.reason,
        request=request,
    )
    return {"field": payload.field, "value": value}


@router.post(
    "/{int:person_id}/move",
    response={200: MoveOut, 201: MoveOut, **ERRORS, 403: ErrorOut, 422: ValidationErrorOut},
)
def person_move(
    request,
    person_id: Id,
    payload: MoveIn,
    dry_run: Annotated[bool, Query(description="Preview: run the move and roll it back.")] = False,
):
    """The person moves house (residence). 403 if you may see them but not change them
    where they live now; the new area need not be yours. From the month of the move
    their visit duty and open work belong to the new area; earlier months keep counting
    them where they lived then."""
    person = selectors.person_get(user=request.user, pk=person_id, action=access.Action.CHANGE)
    region = None
    if payload.to_region:
        region = region_by_code(payload.to_region)
        if region is None:
            raise ValidationError({"to_region": _("No current region has this code.")})
    outcome = services.person_move(
        user=request.user,
        person=person,
        to_region=region,
        on=payload.on,
        reason=payload.reason,
        address=payload.address,
        request=request,
        dry_run=dry_run,
    )
    move = outcome.move
    body = {
        "person": person.pk,
        "from_region": move.from_region_id,
        "to_region": move.to_region_id,
        "moved_on": move.moved_on,
        "counted_from": move.cut_month,
        "moved": outcome.counts,
        "preview": dry_run,
    }
    return body if dry_run else Answer(201, body)


class TimelineEntryOut(Schema):
    kind: str
    at: dt.datetime
    all_day: bool
    title: str
    detail: str
    status: str
    link: str
    icon: str
    actor: str
    record_id: int


class TimelinePageOut(PageOut):
    items: list[TimelineEntryOut]


KIND_HELP = (
    "Only these kinds (repeat the parameter): visit, help_request, assessment, referral, "
    "service_task, care_plan, care_session, application, consent, device, enrollment."
)


@router.get(
    "/{int:person_id}/timeline",
    response={200: TimelinePageOut, **ERRORS, 422: ValidationErrorOut},
    url_name="person_timeline",
)
def person_timeline(
    request,
    person_id: int,
    kind: Annotated[list[str] | None, Query(description=KIND_HELP)] = None,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """The person's history, newest first: visits, casework, consents, devices, enrollments.

    Date-only records sit at local midnight with `all_day` true. 404 for a person
    out of scope, and for volunteers and provider accounts, who never read a history.
    A fixed number of queries whatever the page.
    """
    person = selectors.person_for_timeline(user=request.user, pk=person_id)
    known = timeline.kinds()
    unknown = [k for k in kind or [] if k not in known]
    if unknown:
        raise ValidationError({"kind": _("Unknown kind: %(kind)s") % {"kind": unknown[0]}})
    rows = _TimelineRows(user=request.user, person=person, kinds=kind or None)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    services.person_viewed(user=request.user, person=person, request=request)
    return {**info, "items": [dataclasses.asdict(e) for e in items]}


class _TimelineRows:
    """The merged timeline as `paginate` wants it: a count, and a slice per page."""

    def __init__(self, *, user, person, kinds):
        self.user, self.person, self.kinds = user, person, kinds

    def count(self) -> int:
        return timeline.count(user=self.user, person=self.person, kinds=self.kinds)

    def __getitem__(self, window: slice) -> list[timeline.Entry]:
        return timeline.timeline(
            user=self.user,
            person=self.person,
            kinds=self.kinds,
            limit=window.stop - window.start,
            offset=window.start,
        )


# ---- helpers ------------------------------------------------------------------------------


def _region_prefix(code: str) -> str:
    """The significant digits of a region code: 510108000000 → 510108 (all of 成华区)."""
    try:
        return code_prefix(code)
    except ValueError:
        raise ValidationError({"region": _("Enter a 12- or 15-digit region code.")}) from None


def _model_fields(data: dict) -> dict:
    """API names → service keyword arguments (`region` is a code, `household` an id)."""
    if "region" in data:
        data["region_id"] = data.pop("region")
    if "registered_region" in data:
        registered = data.pop("registered_region")
        if registered:
            data["registered_region_id"] = registered
    if "household" in data:
        data["household_id"] = data.pop("household")
    return data


def _item(person: Person, view: fieldviews.FieldView) -> dict:
    """The list fields, as `view` shows them. Expects `active_enrollments` prefetched."""
    categories = getattr(person, "active_enrollments", None)
    if categories is None:
        categories = person.enrollments.active_on()
    return {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "age": person.age,
        "birth_date": person.birth_date if view.shows("birth_date") else None,
        "region": person.region_id,
        "region_name": person.region.name,
        "registered_region": person.registered_region_id,
        "status": person.status,
        "living": person.living,
        "tier": person.tier,
        "categories": [e.category for e in categories],
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
    }


def _paired(user, person_ids: list[int]) -> dict:
    """What a partner's pairings show of these children (two queries; none without any)."""
    if not person_ids:
        return {}
    from nuanxin.care.selectors import partner_children

    return partner_children(user=user, person_ids=person_ids)


def _pairing_fields(person: Person, view: fieldviews.FieldView, child) -> dict:
    """The fields a pairing adds to the task view: age, school and grade, guardian."""
    if child is None:
        return {}
    return {
        "age": person.age if view.shows("age") else None,
        "school": child.school,
        "grade": child.grade,
        "guardian_name": child.guardian_name if view.shows("guardian") else None,
        "guardian_phone": child.guardian_phone if view.shows("guardian") else None,
    }


def _link_item(person: Person, view=fieldviews.TASK_VIEW, child=None) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "sex": None,
        "age": None,
        "birth_date": None,
        "region": person.region_id,
        "region_name": person.region.name,
        "status": None,
        "living": None,
        "tier": None,
        "categories": [],
        "id_number": None,
        "phone": person.phone,
        "link_only": True,
        **_pairing_fields(person, view, child),
    }


def _detail(person: Person, view: fieldviews.FieldView) -> dict:
    """The whole record, masked. Expects selectors.person_profile's prefetches."""
    return {
        **_item(person, view),
        "id_kind": idnumber.kind_of(person.id_number),
        "phone2": mask_phone(person.phone2),
        "address": person.address,
        "household": person.household_id,
        "relation_to_head": person.relation_to_head,
        "self_care": person.self_care,
        **{field: getattr(person, field) for field in ADL_FIELDS},
        "note": person.note,
        "disabilities": [
            {"category": d.category, "grade": d.grade} for d in person.disabilities.all()
        ],
        "contacts": [
            {
                "id": c.pk,
                "name": c.name,
                "relation": c.relation,
                "phone": mask_phone(c.phone),
                "is_guardian": c.is_guardian,
                "is_emergency": c.is_emergency,
            }
            for c in person.contacts.all()
        ],
        "consents": [
            {
                "id": c.pk,
                "purpose": c.purpose,
                "method": c.method,
                "given_on": c.given_on,
                "given_by_guardian": c.given_by_guardian_id,
                "withdrawn_on": c.withdrawn_on,
                "active": c.active,
            }
            for c in person.consents.all()
        ],
        "devices": [
            {
                "id": d.pk,
                "kind": d.kind,
                "installed_on": d.installed_on,
                "campaign": d.campaign,
                "serial": d.serial,
                "needs_removal": d.needs_removal,
                "removed_on": d.removed_on,
            }
            for d in person.devices.all()
        ],
    }
