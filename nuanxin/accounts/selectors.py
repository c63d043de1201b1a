"""Reads about users: who works where."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from nuanxin.regions.models import ancestor_codes

from .models import User


def users_over(region_code: str, roles: Iterable[str]) -> QuerySet[User]:
    """Active users holding one of `roles` in this region or a region above it (one query)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__active=True,
            memberships__role__in=list(roles),
            memberships__region_id__in=ancestor_codes(region_code),
        )
        .distinct()
        .order_by("username")
    )
