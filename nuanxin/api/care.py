"""/api/v1/care-agreements: entrusted-care agreements, absences and substitutes.

The same selectors and services as the pages under /care/.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer
from pydantic import Field

from nuanxin.care import selectors, services
from nuanxin.care.models import (
    ActivityKind,
    CareAbsence,
    CareAgreement,
    CareDuty,
    CaregiverKind,
    CareLevel,
    Measure,
    Satisfaction,
)
from nuanxin.core import access
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.directory.models import OrganisationKind
from nuanxin.registry.models import Category

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    BodyMoment,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    RegionCode,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["care"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

Name = Annotated[str, Field(max_length=60)]
Phone = Annotated[str, Field(max_length=20)]
IdNumber = Annotated[str, Field(max_length=18)]
Reason = Annotated[str, Field(max_length=200)]
RegionCodeBody = Annotated[str | None, Field(pattern=r"^([0-9]{12}|[0-9]{15})?$")]
Fen = Annotated[int, Field(ge=0, le=10_000_000, description="Monthly fee in fen (1/100 yuan).")]


class PartyOut(Schema):
    kind: CaregiverKind
    name: str
    phone: str  # masked
    id_number: str  # masked
    organisation_id: int | None


class SubstituteOut(PartyOut):
    named_at: dt.datetime


class AbsenceOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    reported_at: dt.datetime
    substitute_due_at: dt.datetime
    substitute: SubstituteOut | None


class AgreementOut(Schema):
    id: int
    person_id: int
    person_name: str
    region: str
    street: str
    caregiver: PartyOut
    duties: list[CareDuty]
    care_level: CareLevel
    monthly_fee_fen: int
    starts_on: dt.date
    ends_on: dt.date | None
    renews_id: int | None
    uncovered_absence: bool


class ActiveCaregiverOut(Schema):
    """Who cares now: the caregiver, or her substitute; `uncovered` while none is named."""

    name: str
    phone: str  # masked
    substitute: bool
    uncovered: bool


class AgreementDetailOut(AgreementOut):
    absences: list[AbsenceOut]
    active_caregiver: ActiveCaregiverOut | None


class AgreementPageOut(PageOut):
    items: list[AgreementOut]


class PartyIn(Schema):
    caregiver_kind: CaregiverKind
    caregiver_name: Name
    caregiver_phone: Phone
    caregiver_id_number: IdNumber = ""
    organisation_id: Id | None = None


class AgreementIn(PartyIn):
    person_id: Id
    duties: list[CareDuty] = Field(min_length=1, max_length=len(CareDuty.values))
    care_level: CareLevel
    monthly_fee_fen: Fen
    starts_on: BodyDay
    ends_on: BodyDay | None = None
    renews_id: Id | None = None
    note: Annotated[str, Field(max_length=300)] = ""


class AbsenceIn(Schema):
    starts_at: BodyMoment
    ends_at: BodyMoment
    reason: Reason
    reported_at: BodyMoment | None = None


class SubstituteIn(PartyIn):
    absence_id: Id


def _party(obj) -> dict:
    return {
        "kind": obj.caregiver_kind,
        "name": obj.caregiver_name,
        "phone": mask_phone(obj.caregiver_phone),
        "id_number": mask_id_number(obj.caregiver_id_number),
        "organisation_id": obj.organisation_id,
    }


def _out(a: CareAgreement) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "person_name": a.person.name,
        "region": a.region_id,
        "street": a.street_id,
        "caregiver": _party(a),
        "duties": a.duties,
        "care_level": a.care_level,
        "monthly_fee_fen": a.monthly_fee_fen,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "renews_id": a.renews_id,
        "uncovered_absence": bool(getattr(a, "gap", False)),
    }


def _absence(a: CareAbsence) -> dict:
    substitute = getattr(a, "substitute", None)
    return {
        "id": a.pk,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "reason": a.reason,
        "reported_at": a.reported_at,
        "substitute_due_at": a.substitute_due_at,
        "substitute": {**_party(substitute), "named_at": substitute.named_at}
        if substitute
        else None,
    }


def _detail(user, pk: int) -> dict:
    agreement = selectors.agreement_get(user=user, pk=pk)
    absences = selectors.agreement_absences(agreement=agreement)
    now = timezone.now()
    current = selectors.active_caregiver(user=user, person=agreement.person, at=now)
    gap = any(a.ends_at > now and getattr(a, "substitute", None) is None for a in absences)
    return {
        **_out(agreement),
        "uncovered_absence": gap,
        "absences": [_absence(a) for a in absences],
        "active_caregiver": {
            "name": current.name,
            "phone": mask_phone(current.phone),
            "substitute": current.substitute is not None,
            "uncovered": current.uncovered is not None,
        }
        if current
        else None,
    }


@router.get(
    "/care-agreements", response={200: AgreementPageOut, **ERRORS}, url_name="care_agreement_list"
)
def care_agreement_list(
    request,
    region: RegionCode = "",
    active: Annotated[bool, Query(description="Only agreements active today.")] = False,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Agreements in your scope, newest first; a fixed number of queries."""
    rows = selectors.agreement_list(user=request.auth, region=region, active=active)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_out(a) for a in items]}


@router.post(
    "/care-agreements",
    response={201: AgreementDetailOut, 403: ErrorOut, **ERRORS},
    url_name="care_agreement_create",
)
def care_agreement_create(request, payload: AgreementIn):
    """Sign an agreement for a person you may change (404 if not yours)."""
    agreement = services.care_agreement_create(user=request.auth, request=request, **payload.dict())
    return Answer(201, _detail(request.auth, agreement.pk))


@router.get(
    "/care-agreements/{int:agreement_id}",
    response={200: AgreementDetailOut, **ERRORS},
    url_name="care_agreement_detail",
)
def care_agreement_detail(request, agreement_id: Id):
    """One agreement with its absences, substitutes and who cares right now."""
    return _detail(request.auth, agreement_id)


@router.post(
    "/care-agreements/{int:agreement_id}/absences",
    response={201: AgreementDetailOut, 403: ErrorOut, **ERRORS},
    url_name="care_absence_create",
)
def care_absence_create(request, agreement_id: Id, payload: AbsenceIn):
    """The caregiver cannot serve: a substitute is due 24 hours after `reported_at` (now)."""
    services.care_absence_report(
        user=request.auth, agreement_id=agreement_id, request=request, **payload.dict()
    )
    return Answer(201, _detail(request.auth, agreement_id))


@router.post(
    "/care-agreements/{int:agreement_id}/substitutes",
    response={201: AgreementDetailOut, 403: ErrorOut, **ERRORS},
    url_name="care_substitute_create",
)
def care_substitute_create(request, agreement_id: Id, payload: SubstituteIn):
    """Name another party for the dates of one of this agreement's absences."""
    selectors.agreement_get(user=request.auth, pk=agreement_id)  # 404 if not yours
    services.care_substitute_name(
        user=request.auth, agreement_id=agreement_id, request=request, **payload.dict()
    )
    return Answer(201, _detail(request.auth, agreement_id))


class CheckIn(Schema):
    """Findings need `rectification_owner_id` and `rectification_due_on`: they open a
    rectification task."""

    checked_on: BodyDay
    unannounced: bool = False
    duties_performed: list[CareDuty] = Field(default_factory=list, max_length=len(CareDuty.values))
    home_ok: bool = True
    satisfaction: Satisfaction
    findings: Annotated[str, Field(max_length=2000)] = ""
    rectification_owner_id: Id | None = None
    rectification_due_on: BodyDay | None = None


class CheckOut(Schema):
    id: int
    agreement_id: int
    checked_on: dt.date
    unannounced: bool
    duties_performed: dict[str, bool]
    home_ok: bool
    satisfaction: Satisfaction
    findings: str
    rectification_task_id: int | None


@router.post(
    "/care-agreements/{int:agreement_id}/checks",
    response={201: CheckOut, 403: ErrorOut, **ERRORS},
    url_name="care_check_create",
)
def care_check_create(request, agreement_id: Id, payload: CheckIn):
    """Record a check of the caregiver (announced, or unannounced: 四不两直)."""
    from django.contrib.auth import get_user_model

    data = payload.dict()
    owner_id = data.pop("rectification_owner_id")
    owner = None
    if owner_id is not None:
        owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise ValidationError({"rectification_owner_id": _("No such user.")})
    check = services.care_check_record(
        user=request.auth,
        agreement_id=agreement_id,
        rectification_owner=owner,
        request=request,
        **data,
    )
    return Answer(
        201,
        {
            "id": check.pk,
            "agreement_id": check.agreement_id,
            "checked_on": check.checked_on,
            "unannounced": check.unannounced,
            "duties_performed": check.duties_performed,
            "home_ok": check.home_ok,
            "satisfaction": check.satisfaction,
            "findings": check.findings,
            "rectification_task_id": check.rectification_id,
        },
    )


# --- partners and pairings ------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    region: str | None
    phone: str
    active: bool


class PartnerPageOut(PageOut):
    items: list[PartnerOut]


class PartnerIn(Schema):
    name: Annotated[str, Field(max_length=120)]
    kind: OrganisationKind
    region: RegionCodeBody = None
    phone: Phone = ""
    address: Annotated[str, Field(max_length=200)] = ""


class PairingOut(Schema):
    id: int
    partner_id: int
    partner_name: str
    person_id: int
    person_name: str
    region: str
    starts_on: dt.date
    ends_on: dt.date | None
    school: str
    grade: str


class PairingPageOut(PageOut):
    items: list[PairingOut]


class PairingIn(Schema):
    partner_id: Id
    person_id: Id
    starts_on: BodyDay | None = None
    school: Annotated[str, Field(max_length=100)] = ""
    grade: Annotated[str, Field(max_length=30)] = ""


class ActivityIn(Schema):
    kind: ActivityKind
    held_on: BodyDay
    note: Annotated[str, Field(max_length=300)] = ""
    outcome: Annotated[str, Field(pattern=r"^(met|not_at_home)$")] = "met"


class ActivityOut(Schema):
    id: int
    pairing_id: int
    kind: ActivityKind
    held_on: dt.date
    note: str
    visit_id: int | None


class UnpairedOut(Schema):
    person_id: int
    name: str


class PairingCoverageOut(Schema):
    region: str
    eligible: int
    paired: int
    unpaired: list[UnpairedOut]


def _partner(o) -> dict:
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "region": o.region_id,
        "phone": o.phone,
        "active": o.active,
    }


def _pairing(p) -> dict:
    return {
        "id": p.pk,
        "partner_id": p.organisation_id,
        "partner_name": p.organisation.name,
        "person_id": p.person_id,
        "person_name": p.person.name,
        "region": p.region_id,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "school": p.school,
        "grade": p.grade,
    }


@router.get("/partners", response={200: PartnerPageOut, **ERRORS}, url_name="partner_list")
def partner_list(
    request,
    region: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Partner organisations (the directory's): those of a region and above it."""
    from nuanxin.directory.selectors import organisation_list

    rows = organisation_list(user=request.auth, region=region)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_partner(o) for o in items]}


@router.post(
    "/partners", response={201: PartnerOut, 403: ErrorOut, **ERRORS}, url_name="partner_create"
)
def partner_create(request, payload: PartnerIn):
    """Add a partner organisation (district officers and the city admin)."""
    from nuanxin.directory.services import organisation_create

    organisation = organisation_create(
        user=request.auth,
        name=payload.name,
        kind=payload.kind,
        region_code=payload.region or None,
        phone=payload.phone,
        address=payload.address,
        request=request,
    )
    return Answer(201, _partner(organisation))


@router.get("/pairings", response={200: PairingPageOut, **ERRORS}, url_name="pairing_list")
def pairing_list(
    request,
    region: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Current pairings you reach (a partner contact: their organisation's)."""
    rows = selectors.pairing_list(user=request.auth, region=region)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_pairing(p) for p in items]}


@router.post(
    "/pairings", response={201: PairingOut, 403: ErrorOut, **ERRORS}, url_name="pairing_create"
)
def pairing_create(request, payload: PairingIn):
    """Pair a partner organisation with a child (404 if the child is not yours)."""
    pairing = services.pairing_create(
        user=request.auth,
        organisation_id=payload.partner_id,
        person_id=payload.person_id,
        starts_on=payload.starts_on or timezone.localdate(),
        school=payload.school,
        grade=payload.grade,
        request=request,
    )
    return Answer(201, _pairing(selectors.pairing_get(user=request.auth, pk=pairing.pk)))


@router.post(
    "/pairings/{int:pairing_id}/activities",
    response={201: ActivityOut, 403: ErrorOut, **ERRORS},
    url_name="pairing_activity_create",
)
def pairing_activity_create(request, pairing_id: Id, payload: ActivityIn):
    """A partner's activity with their child; a visit is also recorded as a visit."""
    activity = services.pairing_activity_record(
        user=request.auth, pairing_id=pairing_id, request=request, **payload.dict()
    )
    return Answer(
        201,
        {
            "id": activity.pk,
            "pairing_id": activity.pairing_id,
            "kind": activity.kind,
            "held_on": activity.held_on,
            "note": activity.note,
            "visit_id": activity.visit_id,
        },
    )


@router.get(
    "/pairing-coverage", response={200: PairingCoverageOut, **ERRORS}, url_name="pairing_coverage"
)
def pairing_coverage(request, region: RegionCode = ""):
    """Every registered orphan and de-facto unsupported child of the region: paired, or
    listed as unpaired. A fixed number of queries whatever the region's size."""
    found = selectors.pairing_coverage(user=request.auth, region_code=region)
    return {
        "region": found.region.code,
        "eligible": found.eligible,
        "paired": found.paired,
        "unpaired": [{"person_id": pid, "name": name} for pid, name, _code in found.unpaired],
    }


# --- screenings (摸排) ----------------------------------------------------------------------


class ScreeningOut(Schema):
    id: int
    title: str
    region: str
    categories: list[str]
    deadline: dt.date
    status: str
    in_scope: int
    done: int
    open: int


class ScreeningPageOut(PageOut):
    items: list[ScreeningOut]


class RegionProgressOut(Schema):
    region: str
    name: str
    in_scope: int
    done: int
    open: int


class ScreeningDetailOut(ScreeningOut):
    by_region: list[RegionProgressOut]


class ScreeningIn(Schema):
    region: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    categories: list[Category] = Field(min_length=1, max_length=len(Category.values))
    deadline: BodyDay
    title: Annotated[str, Field(max_length=120)] = ""


class ResultIn(Schema):
    person_id: Id
    measure: Measure
    reason: Annotated[str, Field(max_length=300)] = ""


class ResultOut(Schema):
    screening_id: int
    person_id: int
    measure: Measure
    reason: str
    done_at: dt.datetime | None


def _screening(s, in_scope: int, done: int) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "region": s.region_id,
        "categories": s.categories,
        "deadline": s.deadline,
        "status": s.status,
        "in_scope": in_scope,
        "done": done,
        "open": in_scope - done,
    }


def _screening_detail(user, pk: int) -> dict:
    screening = selectors.screening_get(user=user, pk=pk)
    total, children = selectors.screening_progress(user=user, screening=screening)
    return {
        **_screening(screening, total.in_scope, total.done),
        "by_region": [
            {
                "region": c.code,
                "name": c.name,
                "in_scope": c.in_scope,
                "done": c.done,
                "open": c.open,
            }
            for c in children
        ],
    }


@router.get("/screenings", response={200: ScreeningPageOut, **ERRORS}, url_name="screening_list")
def screening_list(
    request,
    region: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Screenings of regions you reach, newest first, with their counts."""
    rows = selectors.screening_list(user=request.auth, region=region)
    info, items = paginate(request, rows, page=page, page_size=page_size)
    return {**info, "items": [_screening(s, s.n_scope, s.n_done) for s in items]}


@router.post(
    "/screenings",
    response={201: ScreeningDetailOut, 403: ErrorOut, **ERRORS},
    url_name="screening_create",
)
def screening_create(request, payload: ScreeningIn):
    """Open a screening of a district or street: every person in scope gets a duty."""
    access.require_somewhere(request.auth, access.Action.CHANGE)
    screening = services.screening_open(
        user=request.auth,
        region_code=payload.region,
        categories=payload.categories,
        deadline=payload.deadline,
        title=payload.title,
        request=request,
    )
    return Answer(201, _screening_detail(request.auth, screening.pk))


@router.get(
    "/screenings/{int:screening_id}",
    response={200: ScreeningDetailOut, **ERRORS},
    url_name="screening_detail",
)
def screening_detail(request, screening_id: Id):
    """In scope, done and open, in all and per region one level down (fixed queries)."""
    return _screening_detail(request.auth, screening_id)


@router.post(
    "/screenings/{int:screening_id}/results",
    response={201: ResultOut, 403: ErrorOut, **ERRORS},
    url_name="screening_result_create",
)
def screening_result_create(request, screening_id: Id, payload: ResultIn):
    """A person's result: a measure, or "none" with the reason."""
    item = services.screening_result_record(
        user=request.auth, screening_id=screening_id, request=request, **payload.dict()
    )
    return Answer(
        201,
        {
            "screening_id": item.screening_id,
            "person_id": item.person_id,
            "measure": item.measure,
            "reason": item.reason,
            "done_at": item.done_at,
        },
    )


@router.post(
    "/screenings/{int:screening_id}/close",
    response={200: ScreeningDetailOut, 403: ErrorOut, **ERRORS},
    url_name="screening_close",
)
def screening_close(request, screening_id: Id):
    """Close the screening; 422 while anyone in scope has no result."""
    services.screening_close(user=request.auth, screening_id=screening_id, request=request)
    return _screening_detail(request.auth, screening_id)
