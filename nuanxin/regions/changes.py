"""The set-based moves behind administrative changes (nuanxin.mapchange decides
what moves; this module only does the code arithmetic, one UPDATE per column)."""

from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Concat, Substr

from . import districts
from .models import Level, Region, level_of, prefix_q


def rewrite_prefix(queryset, column: str, old_prefix: str, new_prefix: str) -> int:
    """Codes under `old_prefix` in `column` get `new_prefix` instead: one UPDATE."""
    new = Concat(Value(new_prefix), Substr(column, len(old_prefix) + 1))
    return queryset.filter(prefix_q(old_prefix, column)).update(
        **districts.moved(queryset.model, column, new)
    )


def subtree(region: Region):
    """The region and every region under it, retired ones included, parents first."""
    return Region.objects.filter(prefix_q(region.prefix, "code")).order_by("level", "code")


def parent_code(code: str) -> str | None:
    """The padded code of the region directly above `code` (None for a city)."""
    level = level_of(code)
    if level == Level.CITY:
        return None
    if level == Level.GRID:
        return code[:12]
    keep = {Level.DISTRICT: 4, Level.STREET: 6, Level.COMMUNITY: 9}[level]
    return code[:keep].ljust(12, "0")


def next_grid_code(community: Region) -> str:
    """A free grid number under a community (retired grids keep theirs)."""
    used = [
        int(code[12:])
        for code in Region.objects.filter(prefix_q(community.code, "code"), level=Level.GRID)
        .values_list("code", flat=True)
        .iterator()
    ]
    return community.code + str(max(used, default=0) + 1).zfill(3)
