"""How often each simulated user of `make load` starts its task (bench/locustfile.py).

Kept apart from the locustfile, which cannot be imported without locust (and its gevent
patching of the whole process), so that the tests can hold it to its word.
"""

from __future__ import annotations

import random
import time


def paced(period: float):
    """Each user starts a task every `period` seconds, at a phase of its own.

    locust's constant_pacing counts a user's first period from the moment it was
    spawned, so a random pause in on_start is taken back by the first wait: every user
    then fires within the few seconds they were spawned in, again each period. At a
    24-second period that herd saturated the server for five seconds out of 24 while it
    idled the rest. Here the pause and the phase are one: `start(user)` draws the pause
    (on_start sleeps it) and the phase is the first task's start, right after it; a task
    that overruns its period starts the next one at once, and the phase moves with it
    (as constant_pacing).
    """

    def wait(user) -> float:
        now = time.monotonic()
        user._paced_slot = max(user._paced_slot + period, now)
        return user._paced_slot - now

    def first(user) -> float:
        """The user's random pause before its first task, which starts when it is over."""
        pause = random.uniform(0, period)
        user._paced_slot = time.monotonic() + pause
        return pause

    wait.start = first
    return wait
