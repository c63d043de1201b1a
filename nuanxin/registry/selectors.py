"""Reads of the registry, always scoped through `Person.objects.visible_to`."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import prefix_q

from .models import Enrollment, Person


def person_search_q(text: str) -> Q:
    """Name, pinyin, initials (`cay` → 蔡阿姨), or the tail of an ID number or phone."""
    text = text.strip()
    if not text:
        return Q()
    lowered = text.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        return Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    if lowered.rstrip("x").isdigit() and len(lowered) >= 4:
        # Masked IDs show the last four; phones too. Match the tail.
        tail = lowered.upper()
        return (
            Q(id_number__endswith=tail)
            | Q(phone__endswith=tail)
            | Q(phone2__endswith=tail)
            | Q(id_number=tail)
        )
    return Q(name__contains=text)


def person_list(
    *,
    user,
    region: str = "",
    category: str = "",
    tier: str = "",
    status: str = "",
    q: str = "",
    action: str = access.Action.VIEW,
) -> QuerySet[Person]:
    """People the user may see, filtered. Categories are prefetched (no query per row)."""
    qs = Person.objects.visible_to(user, action).select_related("region")
    if region:
        qs = qs.filter(prefix_q(region))
    if category:
        qs = qs.filter(
            pk__in=Enrollment.objects.active_on().filter(category=category).values("person_id")
        )
    if tier:
        qs = qs.filter(tier=tier)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(person_search_q(q))
    return qs.prefetch_related(
        Prefetch(
            "enrollments", queryset=Enrollment.objects.active_on(), to_attr="active_enrollments"
        )
    )


def person_get(*, user, pk: int, action: str = access.Action.VIEW) -> Person:
    """One person, or 404 — the same answer for "not yours" and "not there"."""
    person = (
        Person.objects.visible_to(user, action)
        .select_related("region", "region__parent", "region__parent__parent", "household")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def person_for_change(*, user, pk: int) -> Person:
    """The person's row, locked for a write inside the caller's transaction, or 404."""
    person = (
        Person.objects.visible_to(user, access.Action.CHANGE)
        .select_for_update()
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def person_profile(*, user, pk: int) -> Person:
    person = person_get(user=user, pk=pk)
    return (
        Person.objects.prefetch_related(
            "enrollments",
            "disabilities",
            "contacts",
            "consents",
            "consents__given_by_guardian",
            "devices",
            "household__members",
        )
        .select_related("region", "household")
        .get(pk=person.pk)
    )


def person_for_timeline(*, user, pk: int) -> Person:
    """A person whose whole history `user` may read: VIEW by region, never by a link.

    Volunteers and provider accounts reach someone only for a task; the history
    of visits, consents and casework is not theirs to read (404, as if missing).
    """
    person = person_get(user=user, pk=pk)
    if access.is_link_only(user, person.region_id):
        raise Http404
    return person
