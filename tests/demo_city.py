"""A small demo city with only the seed steps a test is about (tests/test_demo_*.py)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from nuanxin.demo.city import city_seed
from nuanxin.demo.steps import seed_steps_run


def city_with_steps(steps: list[str], *, persons: int = 400) -> dt.date:
    """Build the city without its steps, then run `steps`; the day it was built for."""
    today = timezone.localdate()
    city_seed(persons=persons, seed=5, today=today, run_steps=False)
    seed_steps_run(rng=random.Random(1), today=today, steps=steps)
    return today
