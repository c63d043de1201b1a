"""Writes to the region tree."""

from django.db import transaction

from . import chengdu, signals
from .models import AreaCodeAlias, Level, Region, level_of


@transaction.atomic
def region_create(*, code: str, name: str, parent: Region | None) -> Region:
    region = Region(code=code, name=name, level=level_of(code), parent=parent)
    region.full_clean()
    region.save()
    return region


@transaction.atomic
def region_get_or_create(*, code: str, name: str, parent: Region | None) -> Region:
    existing = Region.objects.filter(code=code).first()
    return existing or region_create(code=code, name=name, parent=parent)


@transaction.atomic
def chengdu_load() -> Region:
    """Create the city, its 20 districts/counties and the historical aliases (idempotent)."""
    city = region_get_or_create(code=chengdu.CITY[0], name=chengdu.CITY[1], parent=None)
    for code, name in chengdu.DISTRICTS:
        region_get_or_create(code=code + "000000", name=name, parent=city)
    for old, name, current in chengdu.HISTORICAL:
        AreaCodeAlias.objects.get_or_create(
            code=old, defaults={"name": name, "region_id": current + "000000"}
        )
    return city


# --- grids from a page -----------------------------------------------------------------

# Who adds grids under the communities of their area, from a page.
GRID_ROLES = ("city_admin", "district_officer")


def grid_scope(user):
    """Where `user` may add grids: the regions where they are city administrator or
    district officer (the system: everywhere)."""
    from nuanxin.core import access

    if user is None:
        return access.EVERYWHERE
    return access.RegionScope(
        tuple(prefix for role, prefix in access.reach(user).memberships if role in GRID_ROLES)
    )


@transaction.atomic
def grid_create(*, user, community_code: str, number: str, name: str, request=None) -> Region:
    """A grid (网格) under a community of the user's area: its code is the community's
    12 digits and a 3-digit number (001–999). A community out of the user's area is
    refused like a missing one (Http404)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.utils.translation import gettext as _

    scope = grid_scope(user)
    community = Region.objects.filter(code=community_code, level=Level.COMMUNITY).first()
    if community is None or not scope.covers(community.code):
        raise Http404
    if not (len(number) == 3 and number.isdigit() and number != "000"):
        raise ValidationError({"number": _("A grid's number has 3 digits, from 001 to 999.")})
    code = community.code + number
    if Region.objects.filter(code=code).exists():
        raise ValidationError({"number": _("That grid exists already.")})
    region = region_create(code=code, name=name.strip(), parent=community)
    if not scope.covers(region.code):  # the grid as stored lies in the user's area
        raise Http404
    signals.audited.send(
        sender=Region,
        user=user,
        action="create",
        obj=region,
        request=request,
        changes={"code": region.code, "name": region.name, "parent": community.code},
    )
    return region
