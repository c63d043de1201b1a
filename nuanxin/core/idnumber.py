"""Chinese resident identity numbers (GB 11643-1999).

18 characters: a 6-digit address code, the birth date (YYYYMMDD), a 3-digit
sequence whose last digit is odd for men and even for women, and an ISO 7064
MOD 11-2 check character (0-9 or X).

Why our own code and not python-stdnum's `cn.ric`: stdnum rejects numbers whose
address code was created after the holder's birth or has since been retired,
which is the case for many elderly people's real numbers, and it is ~100x slower.
An address code we do not know is a *warning* here, never a rejection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes (first two digits) that have ever been issued.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    ]
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")


class IDNumberError(ValueError):
    """The number cannot be a resident ID number; `code` names the reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IDNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    area_code: str
    warnings: tuple[str, ...] = field(default=())

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years from `birth` to `day` (a birthday counts on the day itself)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def normalize(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x."""
    if type(raw) is str and raw.isascii() and raw.isalnum():
        # The usual case (a ledger import parses a million): nothing to strip or fold.
        return raw.upper()
    return "".join(str(raw).split()).translate(_FULLWIDTH).upper()


# Σ(byte × weight) counts ord("0") = 48 once per weight too much.
_ZERO_BIAS = 48 * sum(WEIGHTS)


def check_char(first17: str) -> str:
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # Fast path for ASCII digits: their bytes are their values plus 48.
        total = sum(map(mul, first17.encode(), WEIGHTS)) - _ZERO_BIAS
    else:  # anything else keeps int()'s and zip(strict)'s own behaviour and errors
        total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(raw: str, *, today: dt.date | None = None, known_areas=None) -> IDNumber:
    """Validate and decode; raise IDNumberError with a reason code.

    `known_areas` is a container of 6-digit codes the caller knows (current and
    historical); a code outside it only adds a warning.
    """
    number = normalize(raw)
    if len(number) != 18:
        raise IDNumberError("length", f"must have 18 characters, has {len(number)}")
    # isascii() too: str.isdigit() accepts other scripts' digits (int("١") == 1).
    if (
        not number.isascii()
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise IDNumberError("characters", "must be 17 digits followed by a digit or X")
    if number[:2] not in PROVINCES:
        raise IDNumberError("province", f"{number[:2]} is not a province code")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IDNumberError("birth_date", f"{number[6:14]} is not a date") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise IDNumberError("birth_date", f"{birth.isoformat()} is not a possible birth date")
    if check_char(number[:17]) != number[17]:
        raise IDNumberError("check_digit", "the check digit does not match")
    warnings = ()
    if known_areas is not None and number[:6] not in known_areas:
        warnings = ("area_code",)
    return IDNumber(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        area_code=number[:6],
        warnings=warnings,
    )


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IDNumberError:
        return False
    return True


def make(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number (for the synthetic city and tests); sequence 0..999."""
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
