"""Shapes every router shares: errors and page-number pagination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

from django.db.models import QuerySet
from ninja import Query, Schema
from pydantic import Field

from nuanxin.core.params import MAX_ID, MAX_PAGE

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50

# The same checks as the pages' (nuanxin.core.params), as types every route shares.
# A value that breaks them answers 400 (query and path) or 422 (a body), naming the field.
Id = Annotated[int, Field(ge=1, le=MAX_ID, description="A record's id.")]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="A record's id.")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="From 1.")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}.")]
RegionCode = Annotated[
    str,
    Query(
        pattern=r"^([0-9]{12}|[0-9]{15})?$",
        description="A 12- or 15-digit region code: that region and everything under it.",
    ),
]
Month = Annotated[str, Query(pattern=r"^(20[0-9]{2}-(0[1-9]|1[0-2]))?$", description="YYYY-MM.")]
# How many times a recurring job happens: a year of days at most (the services' cap).
Times = Annotated[int, Field(ge=1, le=366)]
# What a phone sends so a retry is stored once.
ClientId = Annotated[str, Field(max_length=64)]
Day = Annotated[dt.date | None, Query(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))]
# Dates and moments in a body: this century only. A year 884 would be stored, then come
# back in a local-mean-time offset (+08:05:43) that no client can read.
BodyDay = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2099, 12, 31))]
BodyMoment = Annotated[
    dt.datetime,
    Field(
        ge=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        le=dt.datetime(2099, 12, 31, tzinfo=dt.UTC),
        description="ISO 8601 with a time zone, in 2000–2099.",
    ),
]


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


def paginate(
    request, queryset: QuerySet | Sequence, *, page: int, page_size: int
) -> tuple[dict, list]:
    """(page info, rows of that page): always two queries, a COUNT and the slice (or a
    list already read, counted with len).

    A page past the end is an empty page rather than an error, so a client
    walking `next` never trips over rows deleted meanwhile.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    # A queryset counts in SQL; a sequence already read (or one that knows its length)
    # by len; anything else that pages lazily (the timeline) answers .count().
    if isinstance(queryset, QuerySet) or not hasattr(queryset, "__len__"):
        count = queryset.count()
    else:
        count = len(queryset)
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
