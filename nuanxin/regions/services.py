"""Writes to the region tree."""

from django.db import transaction

from . import chengdu
from .models import AreaCodeAlias, Region, level_of


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
