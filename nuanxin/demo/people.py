"""Building blocks shared by the generated people and the story people.

Every row is built the way `registry.services.person_create` would store it
(normalised ID number with its birth date and sex, national-form phone,
pinyin and initials), so bulk-inserted rows are indistinguishable from rows
entered by hand.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from nuanxin.core import idnumber
from nuanxin.core.pinyin import name_initials, name_pinyin
from nuanxin.registry.models import ADL_FIELDS, Person


def _words(text: str) -> list[str]:
    return text.split()


# The order in which old people usually lose the activities of daily living:
# someone who has lost k of them has lost the first k of this list.
ADL_LOSS_ORDER = [
    "adl_bathing",
    "adl_walking",
    "adl_dressing",
    "adl_transfer",
    "adl_toileting",
    "adl_eating",
]
assert sorted(ADL_LOSS_ORDER) == sorted(ADL_FIELDS)

MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
)


def birthday_anniversary(today: dt.date, age: int) -> dt.date:
    """The date `age` years before today (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:
        return today.replace(year=today.year - age, day=28)


def birth_for_age(today: dt.date, age: int, days_past_birthday: int) -> dt.date:
    """A birth date such that the person is exactly `age` today (0 <= days < 365)."""
    return birthday_anniversary(today, age) - dt.timedelta(days=days_past_birthday)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    """A Chengdu landline (028 and 8 digits starting 8 or 6)."""
    return "028" + rng.choice("86") + f"{rng.randrange(10**7):07d}"


class IDNumbers:
    """Unique, valid ID numbers: remembers every number handed out."""

    def __init__(self, rng: random.Random, used: set[str] | None = None):
        self.rng = rng
        self.used = used if used is not None else set()

    def make(self, area: str, birth: dt.date, sex: str) -> str:
        parity = 1 if sex == "M" else 0
        for _ in range(200):
            number = idnumber.make(area, birth, self.rng.randrange(500) * 2 + parity)
            if number not in self.used:
                self.used.add(number)
                return number
        raise RuntimeError(f"no free ID number for {area} {birth}")  # pragma: no cover

    def claim(self, number: str) -> None:
        self.used.add(number)


_pinyin_cache: dict[str, tuple[str, str]] = {}


def person_row(
    *,
    name: str,
    id_number: str,
    region_id: str,
    living: str,
    adl_lost: int = 0,
    **fields,
) -> Person:
    """A Person ready for bulk_create, normalised as person_create would."""
    parsed = idnumber.parse(id_number)
    if name not in _pinyin_cache:
        _pinyin_cache[name] = (name_pinyin(name), name_initials(name))
    pinyin, initials = _pinyin_cache[name]
    person = Person(
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        id_number=parsed.number,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        region_id=region_id,
        living=living,
        **fields,
    )
    for adl in ADL_LOSS_ORDER[:adl_lost]:
        setattr(person, adl, True)
    return person


@dataclass
class PersonPlan:
    """A person to insert and the rows that hang off them."""

    person: Person
    categories: list[tuple[str, dt.date, dt.date | None]] = field(default_factory=list)
    disabilities: list[tuple[int, int]] = field(default_factory=list)
    # (name, relation, phone, is_guardian, is_emergency, note)
    contacts: list[tuple[str, str, str, bool, bool, str]] = field(default_factory=list)
