"""The demo city's visit history: 12 months of visits with realistic gaps.

Most people are visited about as often as their tier asks, some a little late,
a few drop out for weeks (so the blind-spot report has something to say); some
visits find nobody at home, a refusal or a hospital stay. Written with
executemany (hundreds of thousands of rows), then their monthly tallies are counted
and every schedule is refreshed.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection

from nuanxin.regions.districts import district_of_code
from nuanxin.visits.derive import schedules_due_refresh, schedules_refresh, visit_tallies_rebuild
from nuanxin.visits.models import Visit, VisitSchedule

GAP = {"red": 7, "yellow": 14, "blue": 30}
WHO = ["grid_worker", "grid_worker", "community_worker", "social_worker", "volunteer"]


def visit_history_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    from nuanxin.registry.models import Person

    ids = list(Person.objects.values_list("pk", flat=True))
    schedules_refresh(person_ids=ids, today=today)
    rows = list(
        VisitSchedule.objects.filter(out_on__isnull=True)
        .order_by("person_id")
        .values_list("person_id", "region_id", "tier", "in_scope_since")
    )
    start = today - dt.timedelta(days=365)
    visits = []
    for person_id, region_id, tier, since in rows:
        visits.extend(_history(rng, person_id, region_id, tier, max(since, start), today))
    _insert(visits)
    visit_tallies_rebuild()  # the visits were written around visit_record
    # Tiers are known now; only the last contacts and due dates move.
    done = [r[0] for r in rows]
    for i in range(0, len(done), 2000):
        schedules_due_refresh(person_ids=done[i : i + 2000], today=today)
    if stdout is not None:
        stdout.write(f"  visits: {len(visits):,} over 12 months for {len(rows):,} people")


def _history(rng, person_id, region_id, tier, day, today):
    gap = GAP.get(tier, 30)
    careless = rng.random() < 0.06  # a few people are often missed
    day += dt.timedelta(days=rng.randint(0, gap))
    out = []
    while day <= today:
        outcome, method = _outcome(rng), "home"
        if tier == "blue" and rng.random() < 0.3:
            method = "phone"
        out.append(
            (person_id, region_id, day, day.replace(day=1), method, rng.choice(WHO), outcome)
        )
        # Mostly on time, sometimes late; careless cases drift for weeks.
        factor = rng.uniform(0.6, 1.0) if rng.random() < 0.85 else rng.uniform(1.0, 1.6)
        if careless and rng.random() < 0.3:
            factor += rng.uniform(1, 3)
        day += dt.timedelta(days=max(1, round(gap * factor)))
    return out


def _outcome(rng) -> str:
    roll = rng.random()
    if roll < 0.90:
        return "met"
    if roll < 0.96:
        return "not_at_home"
    if roll < 0.98:
        return "refused"
    return "in_hospital"


def _insert(visits) -> None:
    table = Visit._meta.db_table
    sql = (
        f"INSERT INTO {table} (person_id, region_id, visited_on, month, method, with_whom, outcome, "
        "checklist, notes, recorded_at, late, district)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, '{}', '', %s, %s, %s)"
    )
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        for i in range(0, len(visits), 10000):
            rows = [(*v, now, False, district_of_code(v[1])) for v in visits[i : i + 10000]]
            cursor.executemany(sql, rows)
