"""/api/v1 routes for needs assessments, referrals and the provider directory.

The same selectors and services as the pages. A provider's own account lists
and answers only the referrals sent to its provider, and sees of each person
the name, address and phone — never the ID number, categories or health.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Answer

from nuanxin.casework.models import AdlLevel, Assessment, HelpRequest, Loneliness, Referral
from nuanxin.casework.models import ReferralStatus as RS
from nuanxin.casework.selectors import assessments as assessment_selectors
from nuanxin.casework.selectors import referrals as referral_selectors
from nuanxin.casework.services import assessments as assessment_services
from nuanxin.casework.services import referrals as referral_services
from nuanxin.core import access
from nuanxin.core.masking import mask_phone
from nuanxin.directory import selectors as directory_selectors
from nuanxin.directory.models import ProviderKind, ServiceProvider
from nuanxin.registry.selectors import person_get

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyDay,
    ErrorOut,
    Id,
    IdQuery,
    PageNumber,
    PageOut,
    PageSize,
    RegionCode,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["casework"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**ERRORS, 403: ErrorOut}


def _help_request(person, pk: int | None) -> HelpRequest | None:
    if pk is None:
        return None
    found = HelpRequest.objects.filter(pk=pk).first()
    if found is None or found.person_id != person.pk:
        raise ValidationError({"help_request_id": _("That help request is about another person.")})
    return found


# --- assessments --------------------------------------------------------------


class AssessmentIn(Schema):
    person_id: Id
    assessed_on: BodyDay
    assessor_ids: list[Id]
    adl: dict[str, AdlLevel]
    loneliness: Loneliness | None = None
    living_conditions: str = ""
    health: str = ""
    safety: str = ""
    psychological: str = ""
    social_support: str = ""
    finances: str = ""
    summary: str
    recommendations: str = ""
    help_request_id: Id | None = None


class AssessmentOut(Schema):
    id: int
    person_id: int
    region: str
    version: int
    assessed_on: dt.date
    assessors: list[str]
    adl: dict
    adl_dependent: int
    loneliness: str
    living_conditions: str
    health: str
    safety: str
    psychological: str
    social_support: str
    finances: str
    summary: str
    recommendations: str
    help_request_id: int | None


def _assessment_out(a: Assessment) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "region": a.region_id,
        "version": a.version,
        "assessed_on": a.assessed_on,
        "assessors": [u.get_username() for u in a.assessors.all()],
        "adl": a.adl,
        "adl_dependent": a.adl_dependent,
        "loneliness": a.loneliness,
        "living_conditions": a.living_conditions,
        "health": a.health,
        "safety": a.safety,
        "psychological": a.psychological,
        "social_support": a.social_support,
        "finances": a.finances,
        "summary": a.summary,
        "recommendations": a.recommendations,
        "help_request_id": a.help_request_id,
    }


@router.get(
    "/persons/{int:person_id}/assessments",
    response={200: list[AssessmentOut], **ERRORS},
    url_name="person_assessments",
)
def person_assessments(request, person_id: Id):
    """A person's needs assessments, latest version first."""
    person = person_get(user=request.auth, pk=person_id, history=True)
    rows = assessment_selectors.assessments_of(user=request.auth, person=person)[:200]
    return [_assessment_out(a) for a in rows]


@router.post(
    "/assessments", response={201: AssessmentOut, **WRITE_ERRORS}, url_name="assessment_create"
)
def assessment_create(request, payload: AssessmentIn):
    """Record the next version of a person's needs assessment; the tier is recomputed."""
    person = person_get(user=request.auth, pk=payload.person_id, action=access.Action.CHANGE)
    users = list(get_user_model().objects.filter(pk__in=payload.assessor_ids))
    if len(users) != len(set(payload.assessor_ids)):
        raise ValidationError({"assessor_ids": _("Unknown assessor.")})
    texts = {
        k: getattr(payload, k)
        for k in (
            "living_conditions",
            "health",
            "safety",
            "psychological",
            "social_support",
            "finances",
            "recommendations",
        )
    }
    assessment = assessment_services.assessment_create(
        user=request.auth,
        person=person,
        assessed_on=payload.assessed_on,
        assessors=users,
        adl={k: str(v) for k, v in payload.adl.items()},
        loneliness=payload.loneliness or "",
        summary=payload.summary,
        help_request=_help_request(person, payload.help_request_id),
        request=request,
        **texts,
    )
    return Answer(201, _assessment_out(assessment))


@router.get(
    "/assessments/{int:assessment_id}",
    response={200: AssessmentOut, **ERRORS},
    url_name="assessment_detail",
)
def assessment_detail(request, assessment_id: Id):
    return _assessment_out(assessment_selectors.assessment_get(user=request.auth, pk=assessment_id))


# --- referrals ----------------------------------------------------------------


class ReferralPersonOut(Schema):
    """What a referral says of the person: enough to do the job, never more."""

    id: int
    name: str
    address: str
    phone: str  # in clear for the provider's account, masked for staff


class ReferralOut(Schema):
    id: int
    person: ReferralPersonOut
    region: str
    provider_id: int
    provider_name: str
    asked: str
    sent_on: dt.date
    due_on: dt.date
    overdue: bool
    status: str
    accepted_at: dt.datetime | None
    completed_at: dt.datetime | None
    outcome: str
    help_request_id: int | None


class ReferralPageOut(PageOut):
    items: list[ReferralOut]


def _referral_out(request, r: Referral, today: dt.date) -> dict:
    provider_view = referral_selectors.is_provider_view(request.auth, r)
    return {
        "id": r.pk,
        "person": {
            "id": r.person_id,
            "name": r.person.name,
            "address": r.person.address,
            "phone": r.person.phone if provider_view else mask_phone(r.person.phone),
        },
        "region": r.region_id,
        "provider_id": r.provider_id,
        "provider_name": r.provider.name,
        "asked": r.asked,
        "sent_on": r.sent_on,
        "due_on": r.due_on,
        "overdue": r.status in referral_selectors.OPEN and r.due_on < today,
        "status": r.status,
        "accepted_at": r.accepted_at,
        "completed_at": r.completed_at,
        "outcome": r.outcome,
        "help_request_id": None if provider_view else r.help_request_id,
    }


@router.get(
    "/referrals",
    response={200: ReferralPageOut, 400: ValidationErrorOut, 401: ErrorOut},
    url_name="referral_list",
)
def referral_list(
    request,
    status: RS | None = None,
    provider: IdQuery | None = None,
    overdue: bool = False,
    person: IdQuery | None = None,
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Referrals in your scope (a provider's account: those sent to its provider)."""
    today = timezone.localdate()
    qs = referral_selectors.referral_list(
        user=request.auth,
        status=status or "",
        provider_id=provider,
        overdue=overdue,
        today=today,
        person_id=person,
    )
    info, rows = paginate(request, qs, page=page, page_size=page_size)
    return {**info, "items": [_referral_out(request, r, today) for r in rows]}


class ReferralIn(Schema):
    person_id: Id
    provider_id: Id
    asked: str
    due_on: BodyDay
    sent_on: BodyDay | None = None
    help_request_id: Id | None = None


@router.post("/referrals", response={201: ReferralOut, **WRITE_ERRORS}, url_name="referral_create")
def referral_create(request, payload: ReferralIn):
    """Refer a person to an active provider serving their area."""
    person = person_get(user=request.auth, pk=payload.person_id, action=access.Action.CHANGE)
    provider = ServiceProvider.objects.filter(pk=payload.provider_id).first()
    if provider is None:
        raise ValidationError({"provider_id": _("Unknown provider.")})
    referral = referral_services.referral_create(
        user=request.auth,
        person=person,
        provider=provider,
        asked=payload.asked,
        due_on=payload.due_on,
        sent_on=payload.sent_on,
        help_request=_help_request(person, payload.help_request_id),
        request=request,
    )
    referral = referral_selectors.referral_get(user=request.auth, pk=referral.pk)
    return Answer(201, _referral_out(request, referral, timezone.localdate()))


@router.get(
    "/referrals/{int:referral_id}",
    response={200: ReferralOut, **ERRORS},
    url_name="referral_detail",
)
def referral_detail(request, referral_id: Id):
    referral = referral_selectors.referral_get(user=request.auth, pk=referral_id)
    return _referral_out(request, referral, timezone.localdate())


class DeclineIn(Schema):
    reason: str


class CompleteIn(Schema):
    outcome: str


def _step(request, referral_id: Id, service, **extra) -> dict:
    referral = referral_selectors.referral_get(user=request.auth, pk=referral_id)
    service(user=request.auth, referral=referral, request=request, **extra)
    referral = referral_selectors.referral_get(user=request.auth, pk=referral_id)
    return _referral_out(request, referral, timezone.localdate())


@router.post(
    "/referrals/{int:referral_id}/accept",
    response={200: ReferralOut, **WRITE_ERRORS},
    url_name="referral_accept",
)
def referral_accept(request, referral_id: Id):
    """The provider takes the job (its own account, or a worker recording it)."""
    return _step(request, referral_id, referral_services.referral_accept)


@router.post(
    "/referrals/{int:referral_id}/decline",
    response={200: ReferralOut, **WRITE_ERRORS},
    url_name="referral_decline",
)
def referral_decline(request, referral_id: Id, payload: DeclineIn):
    return _step(request, referral_id, referral_services.referral_decline, reason=payload.reason)


@router.post(
    "/referrals/{int:referral_id}/complete",
    response={200: ReferralOut, **WRITE_ERRORS},
    url_name="referral_complete",
)
def referral_complete(request, referral_id: Id, payload: CompleteIn):
    """The job is done: the referral closes with what was done."""
    return _step(request, referral_id, referral_services.referral_complete, outcome=payload.outcome)


# --- providers ----------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    name: str
    kind: str
    phone: str
    address: str
    services: str
    active: bool
    service_area: list[str]  # region codes; empty = the whole city


class ProviderPageOut(PageOut):
    items: list[ProviderOut]


@router.get(
    "/providers",
    response={200: ProviderPageOut, 400: ValidationErrorOut, 401: ErrorOut},
    url_name="provider_list",
)
def provider_list(
    request,
    q: str = "",
    kind: ProviderKind | None = None,
    serves: RegionCode = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """The provider directory (every signed-in user reads it)."""
    if serves and not (serves.isdigit() and len(serves) in (12, 15)):
        raise ValidationError({"serves": _("Give a 12- or 15-digit region code.")})
    qs = directory_selectors.provider_list(user=request.auth, q=q, kind=kind or "", serves=serves)
    info, rows = paginate(request, qs, page=page, page_size=page_size)
    items = [
        {
            "id": p.pk,
            "name": p.name,
            "kind": p.kind,
            "phone": p.phone,
            "address": p.address,
            "services": p.services,
            "active": p.active,
            "service_area": [r.code for r in p.service_area.all()],
        }
        for p in rows
    ]
    return {**info, "items": items}
