"""The REST API: one NinjaAPI, a router per domain app."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from nuanxin.core.errors import Conflict

from . import (
    campaigns,
    casework_referrals,
    casework_requests,
    casework_tasks,
    funds,
    persons,
    regions,
    visits,
)
from . import care as care_router
from . import oversight as oversight_api
from .auth import BearerToken

DESCRIPTION = """\
The same people, rules and services as the pages, for scripts and field apps.

**Authentication.** Every route needs `Authorization: Bearer nx_…`; a token
acts as its user, within that user's scope. It is made on the user's token
page (`/accounts/tokens/`, behind the second factor where their role needs
one) or by whoever runs the system with `nuanxin token create USERNAME`, and
it ends after `NUANXIN_TOKEN_DAYS` (90 by default). No token, an unknown, expired or
revoked one answers 401.

**Scope.** A route only ever reaches the people its user may reach. Someone
outside that scope answers 404, exactly like someone who does not exist.
Identifiers (ID number, phones) come masked; `POST /persons/{id}/reveal` shows
one in clear, with a reason, and is logged.

**Pagination.** Every list — worklist and blind spots included — takes `page`
(from 1) and `page_size` (default 50, maximum of 200) and answers `count`,
`page`, `page_size`, `pages`, `next`, `previous` (full URLs, null at either end)
and `items`. A page past the end is empty.

**Errors.** A query string or path that cannot be read (a malformed region
code, date or id, a page size over the maximum, a body that is not JSON)
answers 400; a body that can be read but is not valid answers 422. Both carry
`{"detail": [{"field": …, "message": …}]}`, one entry per message; `__all__`
names the record as a whole. 409 (same shape) when a `client_id` you already
used names another record. 401, 403 and 404 answer `{"detail": "…"}`; 404
reads the same for "missing" and "not yours". Messages follow
`Accept-Language` (`zh-hans` by default, `en`).
"""


class UnicodeJSONRenderer(JSONRenderer):
    # Names and addresses are Chinese: send them as UTF-8, not \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Nuanxin API",
    version="1",
    description=DESCRIPTION,
    auth=BearerToken(),
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api",
)
api.add_router("/persons", persons.router)
api.add_router("/", visits.router)
api.add_router("/", casework_requests.router)
api.add_router("/", casework_referrals.router)
api.add_router("/", casework_tasks.router)
api.add_router("/", oversight_api.router)
api.add_router("/", care_router.router)
api.add_router("/", campaigns.router)
api.add_router("/", funds.router)
api.add_router("/", regions.router)


def field_errors(exc: DjangoValidationError) -> list[dict]:
    """A Django ValidationError as [{field, message}], translated for this request."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": NON_FIELD_ERRORS, "message": message} for message in exc.messages]


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc):
    status = 409 if isinstance(exc, Conflict) else 422
    return api.create_response(request, {"detail": field_errors(exc)}, status=status)


@api.exception_handler(NinjaValidationError)
def _input_validation_error(request, exc):
    """Malformed input in the same shape as a service's errors: 400 for the query string and
    the path (the address cannot be read), 422 for a body (it can, but it is not valid)."""
    detail, in_body = [], False
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        in_body = in_body or loc[:1] == ["body"]
        # ("query", "page_size") or ("body", "payload", "name", 0): keep the field name.
        parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
        field = str(parts[0]) if parts else NON_FIELD_ERRORS
        detail.append({"field": field, "message": error.get("msg", "")})
    return api.create_response(request, {"detail": detail}, status=422 if in_body else 400)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """A body that is not JSON, and other requests the framework cannot read: 400 with the
    same shape as a field error, so a client handles every 400 alike."""
    if exc.status_code == 400:
        body = {"detail": [{"field": NON_FIELD_ERRORS, "message": str(exc)}]}
    else:
        body = {"detail": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    # One body for "missing" and "out of scope": never hint which it was.
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def _permission_denied(request, exc):
    message = str(exc) or _("You may not do that.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": _("A valid API token is required.")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
