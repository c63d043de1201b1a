"""/api/v1/requests: help requests (求助), through the same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Answer

from nuanxin.casework.models import HelpRequest, NeedType, RequestStatus, Source, Urgency
from nuanxin.casework.selectors import requests as selectors
from nuanxin.casework.services import requests as services
from nuanxin.core.masking import mask_phone
from nuanxin.registry.services import person_searched

from .schemas import (
    DEFAULT_PAGE_SIZE,
    BodyMoment,
    ErrorOut,
    Id,
    PageNumber,
    PageOut,
    PageSize,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["casework"])

ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class RequestEventOut(Schema):
    at: dt.datetime
    by: str
    from_status: str
    to_status: str
    action: str  # a code: triage, assign, contact, start, resolve, close, reject, merge …
    note: str  # the worker's own words


class RequestOut(Schema):
    id: int
    person_id: int | None
    who: str
    caller_phone: str  # masked
    region: str
    source: Source
    need_type: NeedType
    urgency: Urgency
    status: RequestStatus
    description: str
    received_at: dt.datetime
    first_contact_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    resolved_at: dt.datetime | None
    first_contact_breached: bool
    resolve_breached: bool
    assignees: list[int]
    merged_into: int | None


class RequestDetailOut(RequestOut):
    caller_address: str
    resolution: str
    reject_reason: str
    allowed_actions: list[str]
    events: list[RequestEventOut]


class RequestPageOut(PageOut):
    items: list[RequestOut]


class RequestIn(Schema):
    """A registered person (`person_id`), or an unregistered caller: name, phone and region."""

    source: Source
    need_type: NeedType
    description: str
    urgency: Urgency = Urgency.NORMAL
    person_id: Id | None = None
    caller_name: str = ""
    caller_phone: str = ""
    caller_address: str = ""
    region: str = ""
    received_at: BodyMoment | None = None


class TransitionIn(Schema):
    """`action` and the fields it needs: triage → urgency (need_type); assign → assignee_ids;
    contact → (at, note); resolve → resolution; reject → reason; merge → into_id;
    link → person_id; start, close → (note)."""

    action: str
    urgency: Urgency | None = None
    need_type: NeedType | None = None
    assignee_ids: list[Id] | None = None
    at: BodyMoment | None = None
    note: str | None = None
    resolution: str | None = None
    reason: str | None = None
    into_id: Id | None = None
    person_id: Id | None = None


def _out(hr: HelpRequest) -> dict:
    return {
        "id": hr.pk,
        "person_id": hr.person_id,
        "who": hr.who,
        "caller_phone": mask_phone(hr.caller_phone),
        "region": hr.region_id,
        "source": hr.source,
        "need_type": hr.need_type,
        "urgency": hr.urgency,
        "status": hr.status,
        "description": hr.description,
        "received_at": hr.received_at,
        "first_contact_due_at": hr.first_contact_due_at,
        "resolve_due_at": hr.resolve_due_at,
        "first_contact_at": hr.first_contact_at,
        "resolved_at": hr.resolved_at,
        "first_contact_breached": bool(getattr(hr, "first_contact_breached", False)),
        "resolve_breached": bool(getattr(hr, "resolve_breached", False)),
        "assignees": [u.pk for u in hr.assignees.all()],
        "merged_into": hr.merged_into_id,
    }


def _detail(user, pk: int) -> dict:
    hr = selectors.request_get(user=user, pk=pk)
    actions = services.allowed_actions(hr.status) if selectors.can_change(user, hr) else []
    return {
        **_out(hr),
        "caller_address": hr.caller_address,
        "resolution": hr.resolution,
        "reject_reason": hr.reject_reason,
        "allowed_actions": actions,
        "events": [
            {
                "at": e.at,
                "by": e.by.get_username() if e.by else "",
                "from_status": e.from_status,
                "to_status": e.to_status,
                "action": e.action,
                "note": e.note,
            }
            for e in hr.events.all()
        ],
    }


@router.get(
    "/requests",
    response={200: RequestPageOut, **ERRORS},
    url_name="request_list",
)
def request_list(
    request,
    status: RequestStatus | None = None,
    urgency: Urgency | None = None,
    need: NeedType | None = None,
    source: Source | None = None,
    breached: Annotated[bool, Query(description="Only requests past a deadline.")] = False,
    mine: Annotated[bool, Query(description="Only requests assigned to you.")] = False,
    q: Annotated[str, Query(description="Name, pinyin, phone tail or request number.")] = "",
    page: PageNumber = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """Help requests in your scope, newest first, with breach flags; a fixed number of queries."""
    rows = selectors.request_list(
        user=request.auth,
        status=status or "",
        urgency=urgency or "",
        need=need or "",
        source=source or "",
        breached=breached,
        mine=mine,
        q=q,
        now=timezone.now(),
    )
    info, items = paginate(request, rows, page=page, page_size=page_size)
    if q:
        person_searched(user=request.auth, text=q, request=request)
    return {**info, "items": [_out(hr) for hr in items]}


@router.post(
    "/requests",
    response={201: RequestDetailOut, 403: ErrorOut, **ERRORS},
    url_name="request_create",
)
def request_create(request, payload: RequestIn):
    """Receive a request. 404 if the person is not yours; 422 names the field that is wrong."""
    data = payload.dict()
    data["region_id"] = data.pop("region")
    hr = services.request_create(user=request.auth, request=request, **data)
    return Answer(201, _detail(request.auth, hr.pk))


@router.get(
    "/requests/{int:request_id}",
    response={200: RequestDetailOut, **ERRORS},
    url_name="request_detail",
)
def request_detail(request, request_id: Id):
    """One request with its history and the actions its status allows you."""
    return _detail(request.auth, request_id)


@router.post(
    "/requests/{int:request_id}/transition",
    response={200: RequestDetailOut, 403: ErrorOut, **ERRORS},
    url_name="request_transition",
)
def request_transition(request, request_id: Id, payload: TransitionIn):
    """Move the request on. 422 when its status does not allow the action; 403 if you may
    only read it."""
    hr = selectors.request_get(user=request.auth, pk=request_id)  # 404 if not yours
    fields = {k: v for k, v in payload.dict().items() if v is not None and k != "action"}
    services.request_transition(
        user=request.auth, help_request=hr, action=payload.action, request=request, **fields
    )
    return _detail(request.auth, hr.pk)
