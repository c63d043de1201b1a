"""Shapes every router shares: errors and page-number pagination."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Schema

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class ErrorOut(Schema):
    """401, 403 and 404 answers. A 404 reads the same for "missing" and "not yours"."""

    detail: str


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    """422: one entry per message, each naming its field (`__all__` for the whole record)."""

    detail: list[FieldErrorOut]


class PageOut(Schema):
    """Page-number pagination; `next`/`previous` are full URLs, or null at either end."""

    count: int
    page: int
    page_size: int
    pages: int
    next: str | None
    previous: str | None


def paginate(request, queryset: QuerySet, *, page: int, page_size: int) -> tuple[dict, list]:
    """(page info, rows of that page): always two queries, a COUNT and the slice.

    A page past the end is an empty page rather than an error, so a client
    walking `next` never trips over rows deleted meanwhile.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    count = queryset.count()
    pages = max(1, -(-count // page_size))
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size]) if start < count else []
    info = {
        "count": count,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "next": _page_url(request, page + 1) if page < pages else None,
        "previous": _page_url(request, min(page - 1, pages)) if page > 1 else None,
    }
    return info, rows


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
