"""Reads of the region tree."""

from django.db.models import QuerySet

from .models import AreaCodeAlias, Level, Region, prefix_q


def region_descendants(region: Region, *, level: Level | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(prefix_q(region.prefix, "code"))
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def known_area_codes() -> frozenset[str]:
    """Every 6-digit area code an ID number of this city may carry without a warning."""
    districts = Region.objects.filter(level=Level.DISTRICT).values_list("code", flat=True)
    aliases = AreaCodeAlias.objects.values_list("code", flat=True)
    return frozenset([c[:6] for c in districts] + list(aliases))


def regions_within(scope, *, level: Level | None = None) -> QuerySet[Region]:
    """Regions inside a user's scope (`access.scope(user, action)`, a RegionScope)."""
    qs = Region.objects.current().filter(scope.q("code"))
    return qs.filter(level=level) if level is not None else qs


def current_region_exists(code: str) -> bool:
    """Is `code` a region of the city that no change has retired (below the city)?"""
    return (
        Region.objects.current().filter(code=code, level__gt=Level.CITY).exists() if code else False
    )


def region_by_code(code: str) -> Region | None:
    """The current region of the city with this code (6 or 9 digits padded), or None."""
    code = (code or "").strip()
    if len(code) in (6, 9):
        code = code.ljust(12, "0")
    if not code:
        return None
    return Region.objects.current().filter(code=code, level__gt=Level.CITY).first()


def retired_region(code: str | None) -> Region | None:
    """The region `code` names if an administrative change retired it (None otherwise):
    nothing new is filed under a retired region."""
    if not code:
        return None
    return (
        Region.objects.filter(code=code, retired_on__isnull=False)
        .select_related("successor")
        .first()
    )
