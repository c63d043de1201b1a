"""Chinese resident identity numbers (GB 11643-1999), and the numbers ledgers also hold.

18 characters: a 6-digit address code, the birth date (YYYYMMDD), a 3-digit
sequence whose last digit is odd for men and even for women, and an ISO 7064
MOD 11-2 check character (0-9 or X). Resident numbers begin with 1-8 (the
province codes).

Two more kinds reach us in old and new ledgers, and `IDNumber.kind` says which:

- "resident_15": the first-generation 15-digit number (6-digit area, YYMMDD,
  3-digit sequence; no check character). Every one was issued to someone born
  in the 1900s, so it is upgraded as GB 11643-1999 itself does: insert "19"
  before the year and compute the check character. The result is the person's
  18-digit number (that is what is stored and matched on), with the warning
  `upgraded_15`.
- "foreign_permanent": the 2023 foreigners' permanent-residence ID number
  (外国人永久居留身份证, issued from 1 December 2023): 18 characters, the first
  "9" (marking a foreigner; resident numbers begin 1-8), digits 2-3 the
  province that accepted the application, digits 4-6 the nationality as a
  numeric country code (ISO 3166-1 numeric / GB/T 2659, replacing the 3-letter
  code of the 2017 card), digits 7-14 the birth date, 15-17 a sequence (the
  17th odd for men, even for women) and the same MOD 11-2 check character.
  Sources relied on: the National Immigration Administration's adaptation
  notes for the new card (新版外国人永久居留身份证适配性改造要点, 2023, reproduced
  e.g. at gzwubang.com/service/pro/840.html: "由15位(3位拉丁字母+12位数字)调整为
  18位(17位数字+1位校验位) ... 3位拉丁字母代码转为数字代码 ... 首位设置为'9'"),
  and its worked example 932682198501010017 (province 32, nationality 682 =
  Saudi Arabia, born 1985-01-01, check character 7 by MOD 11-2), quoted at
  blog.csdn.net/weixin_47180815/article/details/134553563. A nationality code
  we do not know is a warning (`nationality_code`), never a rejection.

Not handled: the older 15-character foreigners' card (3 letters + 12 digits,
2004-2023). It encodes no sex and only a two-digit birth year, so it cannot
fill a person's record the way the others do; it is rejected as `length`.

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
    ]
)
# Where a foreigner's permanent-residence application can be accepted: the
# mainland provinces (not Taiwan, Hong Kong or Macao, which issue no such card).
FOREIGN_PROVINCES = PROVINCES - {"71", "81", "82", "83"}
# ISO 3166-1 numeric codes (= GB/T 2659), without 156 (China itself); checked
# against pycountry's list (249 codes) when written.
NATIONALITIES = frozenset(
    """004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060
    064 068 070 072 074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136
    140 144 148 152 158 162 166 170 174 175 178 180 184 188 191 192 196 203 204 208
    212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266
    268 270 275 276 288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 344
    348 352 356 360 364 368 372 376 380 384 388 392 398 400 404 408 410 414 417 418
    422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480 484 492
    496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562
    566 570 574 578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626
    630 634 638 642 643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690
    694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764
    768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840
    850 854 858 860 862 876 882 887 894""".split()  # noqa: SIM905 (a table)
)
KINDS = ("resident", "resident_15", "foreign_permanent")
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
    area_code: str  # the 6-digit address code; "" for a foreigner's number
    warnings: tuple[str, ...] = field(default=())
    kind: str = "resident"  # one of KINDS
    province: str = ""  # a foreigner's number: the province that accepted it
    nationality: str = ""  # a foreigner's number: the numeric country code

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
    historical); a code outside it only adds a warning. A 15-digit number comes
    back upgraded to 18 digits (kind "resident_15", warning "upgraded_15").
    """
    number = normalize(raw)
    if len(number) == 15:
        return _parse_15(number, today=today, known_areas=known_areas)
    if len(number) != 18:
        raise IDNumberError("length", f"must have 18 characters (or 15 digits), has {len(number)}")
    # isascii() too: str.isdigit() accepts other scripts' digits (int("١") == 1).
    if (
        not number.isascii()
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise IDNumberError("characters", "must be 17 digits followed by a digit or X")
    if number[0] == "9":
        return _parse_foreign(number, today=today)
    if number[:2] not in PROVINCES:
        raise IDNumberError("province", f"{number[:2]} is not a province code")
    birth = _birth(number[6:14], today)
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


def _birth(digits: str, today: dt.date | None) -> dt.date:
    """YYYYMMDD as a possible birth date, or IDNumberError("birth_date")."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IDNumberError("birth_date", f"{digits} is not a date") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise IDNumberError("birth_date", f"{birth.isoformat()} is not a possible birth date")
    return birth


def _parse_15(number: str, *, today, known_areas) -> IDNumber:
    """A first-generation number: checked, then upgraded to its 18 digits."""
    if not number.isascii() or not number.isdigit():
        raise IDNumberError("characters_15", "a 15-digit ID number has digits only")
    if number[:2] not in PROVINCES:
        raise IDNumberError("province", f"{number[:2]} is not a province code")
    parsed = parse(upgrade_15(number), today=today, known_areas=known_areas)
    return IDNumber(
        number=parsed.number,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        area_code=parsed.area_code,
        warnings=("upgraded_15", *parsed.warnings),
        kind="resident_15",
    )


def upgrade_15(number: str) -> str:
    """The 18-digit form of a 15-digit number (all were issued to people born 19xx)."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


def _parse_foreign(number: str, *, today) -> IDNumber:
    """The 2023 foreigners' permanent-residence number (see the module docstring)."""
    if number[1:3] not in FOREIGN_PROVINCES:
        raise IDNumberError(
            "foreign_province", f"{number[1:3]} is not a province that accepts applications"
        )
    birth = _birth(number[6:14], today)
    if check_char(number[:17]) != number[17]:
        raise IDNumberError("check_digit", "the check digit does not match")
    nationality = number[3:6]
    return IDNumber(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        area_code="",
        warnings=() if nationality in NATIONALITIES else ("nationality_code",),
        kind="foreign_permanent",
        province=number[1:3],
        nationality=nationality,
    )


def kind_of(number: str | None) -> str:
    """The kind of a stored (valid, 18-character) number, without parsing it again."""
    if not number:
        return ""
    return "foreign_permanent" if number[0] == "9" else "resident"


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


def make_15(area_code: str, birth_date: dt.date, sequence: int) -> str:
    """A first-generation 15-digit number (born 1900-1999; for tests)."""
    if not 1900 <= birth_date.year <= 1999:
        raise ValueError("15-digit numbers were issued to people born in the 1900s")
    return f"{area_code}{birth_date:%y%m%d}{sequence:03d}"


def make_foreign(province: str, nationality: str, birth_date: dt.date, sequence: int) -> str:
    """A 2023 foreigners' permanent-residence number (for tests)."""
    first17 = f"9{province}{nationality}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
