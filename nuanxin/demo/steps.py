"""Steps other apps add to the synthetic city, run after its people exist.

Each entry is the dotted path of a callable `step(*, rng, today, stdout)`:
`rng` is a `random.Random` seeded from the city's seed (draw only from it, so
the city stays reproducible), `today` the date the city is built for, `stdout`
where to report progress (may be None). A step runs in its own transaction and
should use bulk writes, as the city itself does.

To extend the demo, append a path here and keep the step in a module of this
package named after the app it seeds (e.g. "nuanxin.demo.visits"): the demo
imports the domain apps, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils.module_loading import import_string

SEED_STEPS: list[str] = [
    # Visits: the 12-month visit history.
    "nuanxin.demo.visits.visit_history_seed",
    # Casework: the directory, story S8 played through, then the city's background cases.
    "nuanxin.demo.casework.directory_seed",
    "nuanxin.demo.casework.story_s8_seed",
    "nuanxin.demo.casework.background_seed",
    # Oversight: a week of spot-checks in 成华区, a joint supervision, last winter's rescue.
    "nuanxin.demo.oversight.spot_checks_seed",
    "nuanxin.demo.oversight.supervision_seed",
    "nuanxin.demo.oversight.rescue_seed",
    # Care: agreements (S7's substitute), 新都区's 24 departments paired (S6), a screening.
    "nuanxin.demo.care.care_seed",
    # Campaigns and funds: S4's health kits half delivered, S5's charity fund.
    "nuanxin.demo.campaigns.story_s4_seed",
    "nuanxin.demo.campaigns.story_s5_seed",
    # Registration and residence: a few people registered in 锦江区, one recorded move.
    "nuanxin.demo.registry.residence_seed",
    # The map: a merge in 武侯区 this month and a village become a community.
    "nuanxin.demo.regions.map_change_seed",
]


def seed_steps_run(*, rng: random.Random, today: dt.date, stdout=None, steps=None) -> None:
    for path in SEED_STEPS if steps is None else steps:
        step = import_string(path)
        if stdout is not None:
            stdout.write(f"  step: {path}")
        # Each step gets its own stream, so adding a step never changes another's data.
        step_rng = random.Random(f"{rng.random()}-{path}")
        with transaction.atomic():
            step(rng=step_rng, today=today, stdout=stdout)
