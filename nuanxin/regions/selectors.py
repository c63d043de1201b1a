"""Reads of the region tree."""

from django.db.models import QuerySet

from .models import Level, Region, prefix_q


def region_descendants(region: Region, *, level: Level | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(prefix_q(region.prefix, "code"))
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def regions_within(prefixes: list[str], *, level: Level | None = None) -> QuerySet[Region]:
    """Regions under any of the prefixes (a user's scope)."""
    q = None
    for p in prefixes:
        q = prefix_q(p, "code") if q is None else q | prefix_q(p, "code")
    if q is None:
        return Region.objects.none()
    qs = Region.objects.filter(q)
    return qs.filter(level=level) if level is not None else qs
