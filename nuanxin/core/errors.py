"""Errors a service raises that every face maps the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request clashes with what is stored (409 on the API, a form error on a page).

    A ValidationError, so a page shows it on its field like any other message;
    the API answers 409 instead of 422. Raised, for example, when a phone
    reuses a `client_id` of its own for a different record.
    """
