"""Registration and residence in the demo city (one seed step, see nuanxin/demo/steps.py).

- A few people of 成华区 (never 和美社区, whose 40 people the stories count) are
  registered (户籍地) in a community of 锦江区 while they live in 成华区 (人户分离):
  锦江区 sees them and their categories, 成华区 visits them.
- One of them has moved house within 成华区 this month, recorded as a move: the
  months before count them where they lived then.

Idempotent: run again, it adds nothing once the move is recorded.
"""

from __future__ import annotations

import datetime as dt
import random

from nuanxin.regions.models import Level, Region
from nuanxin.regions.selectors import region_descendants
from nuanxin.registry.models import Person, PersonMove, Status
from nuanxin.registry.services import person_move

CHENGHUA, HEMEI, JINJIANG = "510108000000", "510108010001", "510104000000"
REGISTERED_ELSEWHERE = 6


def residence_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if PersonMove.objects.exists():
        return
    district = Region.objects.filter(code__in=[JINJIANG, CHENGHUA])
    if district.count() < 2:
        return
    jinjiang = list(
        region_descendants(district.get(code=JINJIANG), level=Level.COMMUNITY)
        .filter(retired_on__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    chenghua = district.get(code=CHENGHUA)
    candidates = list(
        Person.objects.within(CHENGHUA)
        .filter(status=Status.ACTIVE)
        .exclude(pk__in=Person.objects.within(HEMEI).values("pk"))
        .order_by("id")
        .values_list("pk", flat=True)[:2000]
    )
    if not jinjiang or len(candidates) < REGISTERED_ELSEWHERE:
        return
    chosen = rng.sample(candidates, REGISTERED_ELSEWHERE)
    for pk in chosen:
        Person.objects.filter(pk=pk).update(registered_region_id=rng.choice(jinjiang))
    mover = Person.objects.select_related("region").get(pk=chosen[0])
    targets = list(
        region_descendants(chenghua, level=Level.COMMUNITY)
        .filter(retired_on__isnull=True)
        .exclude(code=mover.region.parent_id if mover.region.level == Level.GRID else "")
        .exclude(code=mover.region_id)
        .exclude(code=HEMEI)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not targets:
        return
    person_move(
        user=None,
        person=mover,
        to_region=Region.objects.get(code=rng.choice(targets)),
        on=today.replace(day=1),
        reason="搬到子女家附近",
        today=today,
    )
    if stdout is not None:
        stdout.write(f"    {REGISTERED_ELSEWHERE} people registered in 锦江区, one move")
