"""The load test's pacing (bench/pacing.py): each simulated user keeps the phase its random
start gave it, so the offered load is spread over the period instead of arriving in a herd."""

from __future__ import annotations

import types

import pytest

from bench import pacing


@pytest.fixture
def clock(monkeypatch):
    now = types.SimpleNamespace(t=0.0)
    monkeypatch.setattr(pacing.time, "monotonic", lambda: now.t)
    return now


def _user():
    return types.SimpleNamespace()


def _start(wait, user, pause, monkeypatch):
    """The user's random pause is `pause`; the clock moves past it, as on_start sleeps it."""
    monkeypatch.setattr(pacing.random, "uniform", lambda low, high: pause)
    assert wait.start(user) == pause


def test_it_keeps_each_users_own_phase(clock, monkeypatch):
    wait = pacing.paced(24.0)
    early, late = _user(), _user()
    # Spawned together at 0; random pauses of 3 s and 15 s.
    _start(wait, early, 3.0, monkeypatch)
    _start(wait, late, 15.0, monkeypatch)
    starts = {"early": [3.0], "late": [15.0]}
    for _ in range(5):
        for name, user in (("early", early), ("late", late)):
            clock.t = starts[name][-1] + 0.8  # the task took 0.8 s
            clock.t += wait(user)
            starts[name].append(clock.t)
    # Every 24 s, each at its own phase: 12 s apart throughout (a herd would be 0 s apart).
    assert starts["early"] == [3.0 + 24 * k for k in range(6)]
    assert starts["late"] == [15.0 + 24 * k for k in range(6)]


def test_it_starts_at_once_after_a_task_that_overran_and_keeps_the_new_phase(clock, monkeypatch):
    wait = pacing.paced(2.0)
    user = _user()
    _start(wait, user, 0.0, monkeypatch)  # the first task at 0
    clock.t = 5.5  # the task took 5.5 s, past two slots
    assert wait(user) == 0.0
    clock.t = 6.0  # this one took 0.5 s: the next slot is 2 s after the last start
    assert wait(user) == pytest.approx(1.5)
