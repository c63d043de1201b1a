"""The map changing under the demo city (one seed step, see nuanxin/demo/steps.py).

A real city's map changes every year, so the demo shows it happened once: in
武侯区, away from every story, the smallest community of a street merges into
its neighbour from the first of this month (撤并), and a village of another
district becomes a community (村改社区, a rename). Both go through the real
services, so /regions/changes/ lists them with their figures and coverage of
last month still reads under the old map.

Idempotent: once the city has an administrative change, it adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from nuanxin.mapchange import services
from nuanxin.regions.models import AdministrativeChange, Level, Region
from nuanxin.regions.selectors import region_descendants
from nuanxin.registry.models import Person

from .places import STORY_PLACES

WUHOU = "510107000000"  # 武侯区: no demo login works here except its social worker
STORY_CODES = frozenset(code for code, _name in STORY_PLACES)


def _free_communities(district: Region) -> list[Region]:
    """A district's communities that no story touches, with their people counted
    (people live in a community's grids, so they are counted by code prefix)."""
    people = Counter(
        code[:12]
        for code in Person.objects.within(district.code).values_list("region_id", flat=True)
    )
    found = []
    for community in region_descendants(district, level=Level.COMMUNITY).current().order_by("code"):
        if community.code in STORY_CODES or community.code[:9] + "000" in STORY_CODES:
            continue
        community.people = people[community.code]
        found.append(community)
    return found


def _merge_pair(communities: list[Region]) -> tuple[Region, Region] | None:
    """(B, A): in the first street with two free communities, its smallest into the next."""
    by_street: dict[str, list[Region]] = {}
    for community in communities:
        by_street.setdefault(community.code[:9], []).append(community)
    for street in sorted(by_street):
        peers = [c for c in by_street[street] if c.people]
        if len(peers) >= 2:
            peers.sort(key=lambda c: (c.people, c.code))
            return peers[0], peers[1]
    return None


def map_change_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if AdministrativeChange.objects.exists():
        return
    done = []
    districts = Region.objects.filter(level=Level.DISTRICT).order_by("code")
    wuhou = districts.filter(code=WUHOU).first()
    pair = _merge_pair(_free_communities(wuhou)) if wuhou else None
    if pair is not None:
        b, a = pair
        outcome = services.change_merge(
            user=None, code=b.code, into=a.code, effective_on=today.replace(day=1), today=today
        )
        done.append(f"{b.name} merged into {a.name} ({outcome.counts.get('people', 0)} people)")
    villages = [
        c
        for district in districts.exclude(code=WUHOU)
        for c in _free_communities(district)
        if c.name.endswith("村")
    ]
    if villages:
        village = rng.choice(villages)
        services.change_rename(user=None, code=village.code, name=village.name[:-1] + "社区")
        done.append(f"{village.name} renamed {village.name[:-1]}社区")
    if stdout is not None and done:
        stdout.write("  map changes: " + "; ".join(done))
