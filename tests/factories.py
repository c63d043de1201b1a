"""Test data built through the real services, as a user would create it."""

from __future__ import annotations

import datetime as dt
import itertools

from nuanxin.accounts.services import user_create
from nuanxin.core import idnumber
from nuanxin.registry.services import enrollment_add, person_create

_seq = itertools.count(1)


def make_id_number(
    *, area: str = "510108", birth: dt.date = dt.date(1950, 3, 4), female: bool = True
) -> str:
    """A valid ID number, unique within the test run."""
    n = next(_seq) % 500
    sequence = n * 2 + (0 if female else 1)
    return idnumber.make(area, birth, sequence)


def make_user(username: str, role: str, region: str, password: str = "correct-horse-9"):
    return user_create(
        username=username, role=role, region_code=region, password=password, full_name=username
    )


def make_person(
    *,
    region: str = "510108010001001",
    name: str = "蔡阿姨",
    categories=(),
    birth: dt.date = dt.date(1950, 3, 4),
    female: bool = True,
    user=None,
    **fields,
):
    person, _warnings = person_create(
        user=user,
        name=name,
        region_id=region,
        id_number=fields.pop("id_number", None)
        or make_id_number(area=region[:6], birth=birth, female=female),
        **fields,
    )
    for category in categories:
        enrollment_add(user=user, person=person, category=category, source="test")
    return person


def assign_task(*, person, volunteer, by, days: int = 3):
    """A daily water delivery for `person` assigned to `volunteer`: the real link a task makes."""
    from django.utils import timezone

    from nuanxin.casework.services.service_tasks import service_task_create

    return service_task_create(
        user=by,
        person_id=person.pk,
        kind="water",
        starts_on=timezone.localdate(),
        recurrence="daily",
        occurrences=days,
        assignee=volunteer,
    )
