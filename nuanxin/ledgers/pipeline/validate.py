"""Stage 4 — validate: one row of cells in, a Record (with warnings) or reasons out.

What is a rejection and what is a warning (docs/ledgers.md says the same):
anything that would store a wrong fact, or attach facts to the wrong person, is
a rejection; anything we can safely derive or leave out is a warning.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.utils.translation import gettext_lazy as _

from nuanxin.core import idnumber
from nuanxin.core.phones import PhoneError, normalize_phone
from nuanxin.core.pinyin import name_initials, name_pinyin
from nuanxin.core.validators import ID_WARNINGS
from nuanxin.regions.models import Level

from .headers import HEADERS
from .normalise import (
    _HALF,
    _SEX,
    NormaliseError,
    cell_text,
    clean_name,
    parse_bool,
    parse_categories,
    parse_date,
    parse_disability_category,
    parse_disability_grade,
    parse_living,
    parse_sex,
    parse_status,
)

# Reason code -> message. Rejections first, then warnings.
REJECTIONS = {
    "name_missing": _("The name is missing."),
    "id_missing": _("The ID number is missing: people are matched by it."),
    "id_masked": _("The ID number is masked (****): export with the numbers revealed."),
    "id_length": _("An ID number has 18 characters. A first-generation one has 15 digits."),
    "id_characters": _("An ID number is 17 digits followed by a digit or X."),
    "id_characters_15": _("A first-generation (15-digit) ID number has digits only."),
    "id_province": _("The first two digits are not a province code."),
    "id_foreign_province": _(
        "A foreigner's permanent-residence number (first digit 9): digits 2–3 are not"
        " a mainland province code."
    ),
    "id_birth_date": _("Digits 7–14 are not a possible birth date."),
    "id_check_digit": _("The last character does not match the check digit."),
    "sex_mismatch": _("The sex differs from the one the ID number gives."),
    "birth_mismatch": _("The birth date differs from the one the ID number gives."),
    "phone_invalid": _("Not a mainland mobile (11 digits) or landline with area code."),
    "region_missing": _("No region: give the district, street and community, or a region code."),
    "region_unknown": _("No such region."),
    "region_retired": _(
        "This region was retired by an administrative change (merged or renamed):"
        " use the region it became, named after the arrow."
    ),
    "region_ambiguous": _("Several regions have this name: add the district or street."),
    "region_out_of_scope": _("Outside your region: you may not import this person."),
    "residence_coarse": _("The residence must be a community or a grid."),
    "category_unknown": _("Unknown assistance category."),
    "disability_invalid": _("Disability category (视力…多重) or grade (1–4) not recognised."),
    "bool_invalid": _("Write 是 or 否."),
    "living_invalid": _("Unknown living arrangement."),
    "status_invalid": _("Unknown status."),
    "date_invalid": _("Not a date."),
    "too_long": _("Too long."),
}
WARNINGS = {
    # The ID number's own warnings (core/idnumber.py), as the person form gives them.
    **ID_WARNINGS,
    "sex_invalid": _("Sex not recognised; taken from the ID number."),
    "birth_invalid": _("Birth date not recognised; taken from the ID number."),
    "region_coarse": _("Region known only down to the street or district."),
    "conflict": _("Differs from what is already recorded; the recorded value is kept."),
    "updated": _("Replaced the recorded value with the newer one."),
}
MESSAGES = {**REJECTIONS, **WARNINGS}

# CN mobile numbers as phonenumbers' own metadata defines them: a match is
# exactly what `phonenumbers.is_valid_number` accepts for an 11-digit mobile,
# at a fraction of the cost; anything else takes the full path.
_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern
)

_MASKED_PHONE = re.compile(r"\d{2,4}\*{3,}\d{4}")
PHONE_PLACEHOLDERS = frozenset({"无", "-", "/", "—"})


def is_mobile(text: str) -> bool:
    """An 11-digit mainland mobile number, already in the form we store."""
    return len(text) == 11 and text[0] == "1" and text.isdigit() and bool(_MOBILE.fullmatch(text))


def clean_phone_fast(text: str) -> str:
    return text if is_mobile(text) else normalize_phone(text)


# A valid row goes on to the merge stage as a plain tuple, indexed by these
# constants: a million of them cross from the reader processes to the writer, and
# tuples of strings pickle at a fraction of the cost of objects. Its first
# PERSON_WIDTH items are a new person's row as pipeline/write.py inserts it
# (status and living defaulted; the raw values, which merging needs, follow).
# Dates are ISO strings, as both databases take them.
# The region columns say where the person is registered (户籍地: ledgers follow the
# registration); an optional residence column (居住地区划代码) where they live, which
# defaults to the registration. `residence_given` tells the merge whether the file
# said where they live at all.
RECORD_FIELDS = (
    "name", "pinyin", "initials", "id_number", "sex", "birth_date", "phone", "phone2",
    "address", "status_or_default", "living_or_default", "note", "registered_region_id",
    "region_id", "living", "status", "categories", "start_date", "disability", "contacts",
    "warnings", "residence_given",
)  # fmt: skip
(R_NAME, R_PINYIN, R_INITIALS, R_ID, R_SEX, R_BIRTH, R_PHONE, R_PHONE2, R_ADDRESS,
 R_STATUS_OR_DEFAULT, R_LIVING_OR_DEFAULT, R_NOTE, R_REGION, R_RESIDENCE, R_LIVING, R_STATUS,
 R_CATEGORIES, R_START, R_DISABILITY, R_CONTACTS, R_WARNINGS,
 R_RESIDENCE_GIVEN) = range(len(RECORD_FIELDS))  # fmt: skip
PERSON_WIDTH = R_RESIDENCE + 1


class RegionResolver:
    """Region names (or a code) -> a region code, within the importer's scope."""

    SUFFIXES = (
        "街道办事处",
        "街道办",
        "居民委员会",
        "村民委员会",
        "居委会",
        "村委会",
        "街道",
        "社区",
        "网格",
        "区",
        "县",
        "市",
        "镇",
        "乡",
        "村",
    )

    def __init__(self, regions, scope, retired=None):
        """`regions`: (code, name, level); `scope`: where the importer may change records,
        as the gate says (`access.scope(user, "change")`; None: everywhere);
        `retired`: regions a map change retired, (code, name, level, successor code,
        successor name, retired on), so that a ledger naming one is told what it became."""
        self.levels: dict[int, dict[str, list[str]]] = {lv: {} for lv in Level.values}
        self.codes: dict[str, int] = {}
        for code, name, level in regions:
            self.codes[code] = level
            for key in self._keys(name):
                self.levels[level].setdefault(key, []).append(code)
        self.scope = scope
        self._cache: dict[tuple, tuple[str, str | None]] = {}
        # code -> "old name code → new name code (date)"; name keys per level -> codes.
        self.retired: dict[str, str] = {}
        self.retired_names: dict[int, dict[str, list[str]]] = {lv: {} for lv in Level.values}
        retired = list(retired or ())
        # A successor retired in a later change names its own successor: follow to the end.
        after = {code: (successor, successor_name) for code, _n, _l, successor, successor_name,
                 _d in retired}  # fmt: skip
        for code, name, level, successor, successor_name, day in retired:
            seen = {code}
            while successor in after and successor not in seen and after[successor][0]:
                seen.add(successor)
                successor, successor_name = after[successor]
            self.retired[code] = (
                f"{name} {code} → {successor_name or '—'} {successor or ''}".rstrip() + f" ({day})"
            )
            for key in self._keys(name):
                self.retired_names[level].setdefault(key, []).append(code)

    def _keys(self, name: str) -> set[str]:
        key = "".join(cell_text(name).split())
        keys = {key}
        for suffix in self.SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                keys.add(key[: -len(suffix)])
                break
        return keys

    def in_scope(self, code: str) -> bool:
        return self.scope is None or self.scope.covers(code)

    def resolve_anywhere(self, code: str) -> tuple[str, str | None]:
        """A residence code: a community or grid of the city, in scope or not."""
        code = code.replace(" ", "")
        if len(code) in (6, 9):
            code = code.ljust(12, "0")
        level = self.codes.get(code)
        if level is None:
            return "", "region_unknown"
        if level < Level.COMMUNITY:
            return "", "residence_coarse"
        return code, None

    def resolve(self, code: str, names: tuple[str, str, str, str]) -> tuple[str, str | None]:
        """(code or "", reason code or None); the reason may be a warning (region_coarse).
        A retired region comes back with its code and the reason region_retired."""
        key = (code, names)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(code, names)
        return found

    def _resolve(self, code: str, names) -> tuple[str, str | None]:
        from nuanxin.regions.models import PREFIX_LENGTH

        if code:
            code = code.replace(" ", "")
            if len(code) in (6, 9):
                code = code.ljust(12, "0")
            if code not in self.codes:
                return (code, "region_retired") if code in self.retired else ("", "region_unknown")
            level = self.codes[code]
        else:
            level, code, prefix = None, "", ""
            for lv, name in zip(
                (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID), names, strict=True
            ):
                if not name:
                    continue
                candidates = [
                    c
                    for c in self.levels[lv].get("".join(name.split()), ())
                    if c.startswith(prefix)
                ]
                if not candidates:
                    retired = [
                        c
                        for c in self.retired_names[lv].get("".join(name.split()), ())
                        if c.startswith(prefix)
                    ]
                    if len(retired) == 1:
                        return retired[0], "region_retired"
                    return "", "region_unknown"
                if len(candidates) > 1:
                    # Within scope a name may still be unique: prefer that.
                    candidates = [c for c in candidates if self.in_scope(c)] or candidates
                    if len(candidates) > 1:
                        return "", "region_ambiguous"
                code, level = candidates[0], lv
                prefix = code[: PREFIX_LENGTH[lv]]
            if not code:
                return "", "region_missing"
        if not self.in_scope(code):
            return "", "region_out_of_scope"
        return code, ("region_coarse" if level < Level.COMMUNITY else None)


def unneutralise(text: str) -> str:
    """Undo the apostrophe our own exports put before formula-like text (core.xlsx)."""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


_SEP = "\x1f"  # joins a row's cells so one translate folds them all
# str.translate with a dict table is slow on non-ASCII text: only when needed.
_WIDE = re.compile("[\uff01-\uff5e\u3000\u00a0]")
# Whitespace other than the separator (which Python counts as whitespace): most
# rows have none, and then no cell needs stripping.
_SPACE = re.compile(r"[^\S\x1f]")
_ODD = frozenset("13579")
_ALONE = {"是": True, "否": False}  # the usual answers, without a call
HEADERS_FIELDS = tuple(HEADERS)


def _weighted(digits: str, at: int) -> int:
    """The GB 11643 weighted sum of `digits`, which stand at position `at` of a number."""
    return sum(int(d) * w for d, w in zip(digits, idnumber.WEIGHTS[at:], strict=False))


# The check digit is the weighted sum of the first 17 digits mod 11; a ledger
# repeats area codes and birth dates, so their parts of the sum are remembered,
# and the three-digit sequence's part is looked up.
_SEQUENCE_SUMS = {f"{n:03d}": _weighted(f"{n:03d}", 14) for n in range(1000)}
MEMO_SIZE = 50_000  # per column: ledgers repeat the same few thousand values


def _spellings(date: dt.date) -> tuple[str, ...]:
    """The usual ways a ledger writes this date: a birth cell in one of them agrees
    with the ID number without being parsed (a ledger of a million people holds some
    ten thousand birth dates, in two or three spellings, too many to remember every
    cell). Each reads as the date through parse_date; `tests/test_ledgers.py` checks
    that for every possible birth date, so it is not checked here, once a date."""
    y, m, d = date.year, date.month, date.day
    return (f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", f"{y}/{m}/{d}", f"{y}/{m:02d}/{d:02d}",
            f"{y}.{m}.{d}", f"{y}.{m:02d}.{d:02d}", f"{y}-{m}-{d}", f"{y}{m:02d}{d:02d}")  # fmt: skip


class Validator:
    """Validates rows of one sheet, given its header map.

    Built for a million rows: each row is folded to half-width text in one
    pass, each present column is read by its index, the values a ledger
    repeats (categories, dates, names' pinyin, ID birth dates) are parsed once
    and remembered, and checks for columns the sheet does not have are skipped.
    """

    LIMITS = {"name": 60, "address": 200, "note": 2000, "contact": 60, "certificate": 30}
    CONTACT_FIELDS = {"guardian", "guardian_phone", "caregiver", "caregiver_phone",
                      "emergency_contact", "emergency_phone"}  # fmt: skip
    CHOICES = (
        ("category", parse_categories),
        ("living", parse_living),
        ("status", parse_status),
        ("start_date", lambda text: parse_date(text).isoformat()),
    )

    def __init__(self, columns: dict[str, int], *, resolver: RegionResolver, known_areas,
                 today: dt.date | None = None):  # fmt: skip
        self.columns = columns
        self.resolver = resolver
        self.known_areas = known_areas
        self.today = today or dt.date.today()
        self._width = max(columns.values(), default=-1) + 1
        # Field -> its column, or -1: the blank cell every row gets at its end.
        self._at = {f: columns.get(f, -1) for f in HEADERS_FIELDS}
        # The columns every row reads, unpacked into locals once a row (a million
        # dict lookups by field name cost a second).
        self._row_at = tuple(
            self._at[f]
            for f in ("name", "address", "registered_address", "note", "district", "street",
                      "community", "grid", "region_code", "phone", "phone2")
        )  # fmt: skip
        # Only the columns the sheet has: an absent one is never asked.
        self._choices = tuple(
            (slot, f, self._at[f], parse, {})
            for slot, (f, parse) in enumerate(self.CHOICES)
            if self._at[f] >= 0
        )
        self._has_contacts = bool(self.CONTACT_FIELDS & set(columns))
        self._has_residence = "residence_code" in columns
        self._has_disability = bool({"disability_category", "disability_grade"} & set(columns))
        self._i_id, self._i_sex, self._i_birth = (
            self._at[f] for f in ("id_number", "sex", "birth_date")
        )
        self._births: dict[str, tuple | None] = {}  # YYYYMMDD -> (date, iso, sum) or None
        self._areas: dict[str, int] = {}  # area code -> its weighted digit sum
        self._dates: dict[str, object] = {}  # birth cell text -> date or None
        self._pinyin: dict[str, tuple[str, str]] = {}

    def texts(self, cells: list) -> list[str]:
        """Every cell as trimmed half-width text, then a blank for absent fields."""
        n = len(cells)
        try:
            joined = _SEP.join(cells)  # a CSV row: all text
        except TypeError:  # a workbook row: numbers, dates, None
            parts = [cell_text(c) for c in cells]
        else:
            if not joined.isascii() and _WIDE.search(joined):
                joined = joined.translate(_HALF)
            parts = joined.split(_SEP)
            if len(parts) != n:  # a cell held the separator itself
                parts = [cell_text(c) for c in cells]
            elif _SPACE.search(joined):
                parts = [p.strip() for p in parts]
        if len(parts) < self._width:
            parts.extend([""] * (self._width - len(parts)))
        parts.append("")
        return parts

    def __call__(self, cells: list) -> tuple[tuple | None, list[tuple[str, str, str]]]:
        """(record, []) when valid (the record carries its warnings), else (None, reasons).

        The record is a tuple indexed by the R_* constants above.
        """
        reasons: list[tuple[str, str, str]] = []
        warnings: list[tuple[str, str, str]] = []
        p = self.texts(cells)
        (i_name, i_address, i_registered, i_note, i_district, i_street, i_community, i_grid,
         i_code, i_phone, i_phone2) = self._row_at  # fmt: skip

        name = p[i_name]
        if name[:1] == "'":
            name = unneutralise(name)
        if " " in name:
            name = clean_name(name)
        if not name:
            reasons.append(("name_missing", "name", ""))
        elif len(name) > 60:
            reasons.append(("too_long", "name", name[:20]))
        identity = self._identity(p, cells, reasons, warnings)
        region = self._region(
            p[i_code], (p[i_district], p[i_street], p[i_community], p[i_grid]), reasons, warnings
        )
        residence = self._residence(p, reasons) if self._has_residence else ""
        # The usual mobile number decided here; anything else by _phone (an absent
        # column reads as the blank cell, which _phone leaves blank).
        phone = p[i_phone]
        if not is_mobile(phone):
            phone = self._phone(phone, "phone", reasons)
        phone2 = self._phone(p[i_phone2], "phone2", reasons)
        address = p[i_address] or p[i_registered]
        if address[:1] == "'":
            address = unneutralise(address)
        if len(address) > 200:
            reasons.append(("too_long", "address", address[:20]))
        note = p[i_note]
        if note:
            note = unneutralise(note)
            if len(note) > 2000:
                reasons.append(("too_long", "note", note[:20]))
        categories, living, status, start = self._choose(p, reasons)
        disability = self._disability(p, reasons) if self._has_disability else None
        contacts = self._contacts(p, reasons) if self._has_contacts else ()
        if reasons:
            return None, reasons
        # Derived here so that a parallel reader (pipeline/run.py) does this work too.
        pinyin = self._pinyin.get(name)
        if pinyin is None:
            if len(self._pinyin) >= MEMO_SIZE:
                self._pinyin.clear()
            pinyin = self._pinyin[name] = (name_pinyin(name), name_initials(name))
        number, sex, birth = identity
        return (name, pinyin[0], pinyin[1], number, sex, birth, phone, phone2, address,
                status or "active", living or "with_family", note, region, residence or region,
                living, status, categories, start, disability, contacts, warnings,
                bool(residence)), []  # fmt: skip

    def _identity(self, p, cells, reasons, warnings):
        """(number, sex, ISO birth date) from the ID number, checked against the row."""
        raw = p[self._i_id]
        if not raw:
            reasons.append(("id_missing", "id_number", ""))
            return None
        if "*" in raw:
            reasons.append(("id_masked", "id_number", raw))
            return None
        number = raw.upper() if raw.isascii() and raw.isalnum() else ""
        birth = None
        # The usual case, decided without building an IDNumber: 18 ASCII
        # characters, a known province, a possible birth date, the right check
        # digit. Anything else goes through idnumber.parse for its reason.
        if (
            len(number) == 18
            and number[:17].isdigit()
            and (number[17].isdigit() or number[17] == "X")
            and number[:2] in idnumber.PROVINCES
        ):
            key = number[6:14]
            birth = self._births.get(key, False)
            if birth is False:
                birth = self._births[key] = self._birth(key)
            if birth is not None:
                # The check digit from remembered weighted sums of the parts.
                area = self._areas.get(number[:6])
                if area is None:
                    if len(self._areas) >= MEMO_SIZE:
                        self._areas.clear()
                    area = self._areas[number[:6]] = _weighted(number[:6], 0)
                total = area + birth[2] + _SEQUENCE_SUMS[number[14:17]]
                if idnumber.CHECK_CHARS[total % 11] != number[17]:
                    birth = None
        if birth is not None:
            sex = "M" if number[16] in _ODD else "F"
            if self.known_areas is not None and number[:6] not in self.known_areas:
                warnings.append(("area_code", "id_number", number[:6]))
        else:
            try:
                parsed = idnumber.parse(raw, today=self.today, known_areas=self.known_areas)
            except idnumber.IDNumberError as exc:
                reasons.append((f"id_{exc.code}", "id_number", raw))
                return None
            number, sex = parsed.number, parsed.sex
            birth = (parsed.birth_date, parsed.birth_date.isoformat(), ())
            for warning in parsed.warnings:
                detail = {
                    "area_code": parsed.area_code,
                    "upgraded_15": f"{idnumber.normalize(raw)} → {number}",
                    "nationality_code": parsed.nationality,
                }[warning]
                warnings.append((warning, "id_number", detail))
        sex_text = p[self._i_sex]
        if sex_text:
            given = _SEX.get(sex_text)
            if given is None:
                try:
                    given = parse_sex(sex_text)
                except NormaliseError:
                    warnings.append(("sex_invalid", "sex", sex_text))
            if given is not None and given != sex:
                reasons.append(("sex_mismatch", "sex", sex_text))
        birth_text = p[self._i_birth]
        if birth_text and birth_text != birth[1] and birth_text not in birth[-1]:
            # Parse the raw cell: a workbook may hold a date or a serial number.
            given = self._date(cells[self.columns["birth_date"]])
            if given is None:
                # 1950年3月 (no day) is a partial date: only check what is there.
                warnings.append(("birth_invalid", "birth_date", birth_text))
            elif given != birth[0]:
                reasons.append(("birth_mismatch", "birth_date", birth_text))
        return number, sex, birth[1]

    def _birth(self, digits: str) -> tuple | None:
        """(date, ISO text, weighted sum, other spellings) for an ID number's YYYYMMDD,
        None if not a possible birth date."""
        try:
            birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None
        if birth > self.today or birth.year < 1890:
            return None
        return birth, birth.isoformat(), _weighted(digits, 6), _spellings(birth)

    def _date(self, value):
        """parse_date, remembered for text cells; None for what is not a date."""
        if type(value) is str:
            known = self._dates.get(value, False)
            if known is not False:
                return known
        try:
            parsed = parse_date(value)
        except NormaliseError:
            parsed = None
        if type(value) is str:
            if len(self._dates) >= MEMO_SIZE:
                self._dates.clear()
            self._dates[value] = parsed
        return parsed

    def _region(self, given, names, reasons, warnings) -> str:
        code, reason = self.resolver.resolve(given, names)
        if reason is None:
            return code
        if reason == "region_coarse":
            warnings.append((reason, "region", code))
        elif reason == "region_retired":
            # Named by its code or (unambiguously) by its name: say what it became.
            reasons.append((reason, "region", self.resolver.retired[code]))
            return ""
        elif reason:
            detail = given or " ".join(n for n in names if n)
            reasons.append((reason, "region", detail))
        return code

    def _residence(self, p, reasons) -> str:
        """Where the person lives, when the file says: any community or grid of the city
        (the importer holds the registration; the residence need not be theirs)."""
        given = p[self._at["residence_code"]]
        if not given:
            return ""
        code, reason = self.resolver.resolve_anywhere(given)
        if reason:
            reasons.append((reason, "residence_code", given))
        return code

    def _phone(self, raw: str, field: str, reasons) -> str:
        if not raw or raw in PHONE_PLACEHOLDERS:
            return ""
        if _MASKED_PHONE.fullmatch(raw):
            return ""  # from a masked export: the recorded number stays as it is
        try:
            return clean_phone_fast(raw)
        except PhoneError:
            reasons.append(("phone_invalid", field, raw))
            return ""

    def _choose(self, p, reasons) -> list:
        """[categories, living, status, start date], each parsed once per distinct text."""
        out: list = [(), None, None, None]
        for slot, field, index, parse, memo in self._choices:
            value = p[index]
            if not value:
                continue
            known = memo.get(value)
            if known is None:
                try:
                    known = (True, parse(value))
                except NormaliseError as exc:
                    known = (False, exc.code)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[value] = known
            if known[0]:
                out[slot] = known[1]
            else:
                reasons.append((known[1], field, value))
        alone = p[self._at["lives_alone"]]
        if alone:
            # 否 says only "not alone", which is no arrangement in itself.
            known = _ALONE.get(alone)
            if known is None:
                try:
                    known = parse_bool(alone)
                except NormaliseError as exc:
                    reasons.append((exc.code, "lives_alone", alone))
            if known:
                out[1] = "alone"
        return out

    def _disability(self, p, reasons):
        at = self._at
        category, grade = p[at["disability_category"]], p[at["disability_grade"]]
        if not category and not grade:
            return None
        try:
            cert = p[at["disability_certificate"]]
            if len(cert) > self.LIMITS["certificate"]:
                raise ValueError
            return (parse_disability_category(category), parse_disability_grade(grade), cert)
        except (NormaliseError, ValueError):
            reasons.append(("disability_invalid", "disability_category", f"{category} {grade}"))
            return None

    def _contacts(self, p, reasons) -> tuple:
        at = self._at
        contacts = []
        for name_field, phone_field, relation, guardian, emergency in (
            ("guardian", "guardian_phone", "监护人", True, False),
            ("caregiver", "caregiver_phone", "照料人", False, False),
            ("emergency_contact", "emergency_phone", "紧急联系人", False, True),
        ):
            name = clean_name(p[at[name_field]])
            phone = self._phone(p[at[phone_field]], phone_field, reasons)
            if not name:
                continue
            if len(name) > self.LIMITS["contact"]:
                reasons.append(("too_long", name_field, name[:20]))
                continue
            if guardian:
                relation = p[at["guardian_relation"]][:30] or relation
            contacts.append((name, relation, phone, guardian, emergency))
        return tuple(contacts)
