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
from nuanxin.regions.models import Level

from .normalise import (
    _HALF,
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
    "id_length": _("An ID number has 18 characters."),
    "id_characters": _("An ID number is 17 digits followed by a digit or X."),
    "id_province": _("The first two digits are not a province code."),
    "id_birth_date": _("Digits 7–14 are not a possible birth date."),
    "id_check_digit": _("The last character does not match the check digit."),
    "sex_mismatch": _("The sex differs from the one the ID number gives."),
    "birth_mismatch": _("The birth date differs from the one the ID number gives."),
    "phone_invalid": _("Not a mainland mobile (11 digits) or landline with area code."),
    "region_missing": _("No region: give the district, street and community, or a region code."),
    "region_unknown": _("No such region."),
    "region_ambiguous": _("Several regions have this name: add the district or street."),
    "region_out_of_scope": _("Outside your region: you may not import this person."),
    "category_unknown": _("Unknown assistance category."),
    "disability_invalid": _("Disability category (视力…多重) or grade (1–4) not recognised."),
    "bool_invalid": _("Write 是 or 否."),
    "living_invalid": _("Unknown living arrangement."),
    "status_invalid": _("Unknown status."),
    "date_invalid": _("Not a date."),
    "too_long": _("Too long."),
}
WARNINGS = {
    "area_code": _("The ID number's area code is historical or unknown here; kept as given."),
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


def clean_phone_fast(text: str) -> str:
    if len(text) == 11 and text[0] == "1" and text.isdigit() and _MOBILE.fullmatch(text):
        return text
    return normalize_phone(text)


class Record:
    """One valid row, normalised, ready to merge."""

    __slots__ = (
        "address",
        "birth_date",
        "categories",
        "contacts",
        "disability",
        "id_number",
        "initials",
        "living",
        "name",
        "note",
        "phone",
        "phone2",
        "pinyin",
        "region_id",
        "sex",
        "start_date",
        "status",
        "warnings",
    )

    def __init__(self):
        self.warnings: list[tuple[str, str, str]] = []


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

    def __init__(self, regions, prefixes: list[str] | None):
        """`regions`: (code, name, level); `prefixes`: the scope (None = everywhere)."""
        self.levels: dict[int, dict[str, list[str]]] = {lv: {} for lv in Level.values}
        self.codes: dict[str, int] = {}
        for code, name, level in regions:
            self.codes[code] = level
            for key in self._keys(name):
                self.levels[level].setdefault(key, []).append(code)
        self.prefixes = prefixes
        self._cache: dict[tuple, tuple[str, str | None]] = {}

    def _keys(self, name: str) -> set[str]:
        key = "".join(cell_text(name).split())
        keys = {key}
        for suffix in self.SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                keys.add(key[: -len(suffix)])
                break
        return keys

    def in_scope(self, code: str) -> bool:
        return self.prefixes is None or any(code.startswith(p) for p in self.prefixes)

    def resolve(self, code: str, names: tuple[str, str, str, str]) -> tuple[str, str | None]:
        """(code or "", reason code or None); the reason may be a warning (region_coarse)."""
        key = (code, names)
        if key not in self._cache:
            self._cache[key] = self._resolve(code, names)
        return self._cache[key]

    def _resolve(self, code: str, names) -> tuple[str, str | None]:
        from nuanxin.regions.models import PREFIX_LENGTH

        if code:
            code = code.replace(" ", "")
            if len(code) in (6, 9):
                code = code.ljust(12, "0")
            if code not in self.codes:
                return "", "region_unknown"
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


_SEP = "\x1f"  # joins a row's cells so one translate folds them all
# str.translate with a dict table is slow on non-ASCII text: only when needed.
_WIDE = re.compile("[\uff01-\uff5e\u3000\u00a0]")


class Validator:
    """Validates rows of one sheet, given its header map.

    Built for a million rows: each present column is normalised once per row,
    and checks for columns the sheet does not have are skipped altogether.
    """

    LIMITS = {"name": 60, "address": 200, "note": 2000, "contact": 60, "certificate": 30}
    CONTACT_FIELDS = {"guardian", "guardian_phone", "caregiver", "caregiver_phone",
                      "emergency_contact", "emergency_phone"}  # fmt: skip
    CHOICES = (
        ("category", parse_categories, "categories"),
        ("living", parse_living, "living"),
        ("status", parse_status, "status"),
        ("start_date", parse_date, "start_date"),
    )

    def __init__(self, columns: dict[str, int], *, resolver: RegionResolver, known_areas,
                 today: dt.date | None = None):  # fmt: skip
        self.columns = columns
        self.resolver = resolver
        self.known_areas = known_areas
        self.today = today or dt.date.today()
        self._items = tuple(columns.items())
        self._phones = tuple(f for f in ("phone", "phone2") if f in columns)
        self._choices = tuple(c for c in self.CHOICES if c[0] in columns)
        self._has_contacts = bool(self.CONTACT_FIELDS & set(columns))
        self._has_disability = bool({"disability_category", "disability_grade"} & set(columns))

    def texts(self, cells: list) -> dict[str, str]:
        """field -> the cell as trimmed half-width text, for the columns present."""
        n = len(cells)
        try:
            joined = _SEP.join(cells)  # a CSV row: all text
        except TypeError:  # a workbook row: numbers, dates, None
            return {f: cell_text(cells[i]) for f, i in self._items if i < n}
        if not joined.isascii() and _WIDE.search(joined):
            joined = joined.translate(_HALF)
        parts = joined.split(_SEP)
        if len(parts) != n:  # a cell held the separator itself
            return {f: cell_text(cells[i]) for f, i in self._items if i < n}
        return {f: parts[i].strip() for f, i in self._items if i < n}

    def __call__(self, cells: list) -> tuple[Record | None, list[tuple[str, str, str]]]:
        """(record, []) when valid (the record carries its warnings), else (None, reasons)."""
        reasons: list[tuple[str, str, str]] = []
        rec = Record()
        t = self.texts(cells)
        get = t.get

        name = rec.name = clean_name(get("name", ""))
        if not name:
            reasons.append(("name_missing", "name", ""))
        elif len(name) > 60:
            reasons.append(("too_long", "name", name[:20]))
        self._identity(t, cells, rec, reasons)
        self._region(t, rec, reasons)
        rec.phone = rec.phone2 = ""
        for field in self._phones:
            setattr(rec, field, self._phone(get(field, ""), field, reasons))
        address = rec.address = get("address") or get("registered_address", "")
        if len(address) > 200:
            reasons.append(("too_long", "address", address[:20]))
        note = rec.note = get("note", "")
        if len(note) > 2000:
            reasons.append(("too_long", "note", note[:20]))
        rec.categories, rec.start_date, rec.living, rec.status = (), None, None, None
        if self._choices:
            self._choose(t, rec, reasons)
        rec.disability = None
        if self._has_disability:
            self._disability(t, rec, reasons)
        rec.contacts = ()
        if self._has_contacts:
            self._contacts(t, rec, reasons)
        if reasons:
            return None, reasons
        # Derived here so that a parallel reader (pipeline/run.py) does this work too.
        rec.pinyin, rec.initials = name_pinyin(name), name_initials(name)
        return rec, []

    def _identity(self, t, cells, rec, reasons):
        raw = t.get("id_number", "")
        rec.id_number, rec.sex, rec.birth_date = "", "", None
        if not raw:
            reasons.append(("id_missing", "id_number", ""))
            return
        if "*" in raw:
            reasons.append(("id_masked", "id_number", raw))
            return
        try:
            parsed = idnumber.parse(raw, today=self.today, known_areas=self.known_areas)
        except idnumber.IDNumberError as exc:
            reasons.append((f"id_{exc.code}", "id_number", raw))
            return
        rec.id_number, rec.sex, rec.birth_date = parsed.number, parsed.sex, parsed.birth_date
        if parsed.warnings:
            rec.warnings.append(("area_code", "id_number", parsed.area_code))
        sex = t.get("sex")
        if sex:
            try:
                if parse_sex(sex) != parsed.sex:
                    reasons.append(("sex_mismatch", "sex", sex))
            except NormaliseError:
                rec.warnings.append(("sex_invalid", "sex", sex))
        birth_text = t.get("birth_date")
        if birth_text and birth_text != parsed.birth_date.isoformat():
            # Parse the raw cell: a workbook may hold a date or a serial number.
            raw_birth = cells[self.columns["birth_date"]]
            try:
                if parse_date(raw_birth) != parsed.birth_date:
                    reasons.append(("birth_mismatch", "birth_date", birth_text))
            except NormaliseError:
                # 1950年3月 (no day) is a partial date: only check what is there.
                rec.warnings.append(("birth_invalid", "birth_date", birth_text))

    def _region(self, t, rec, reasons):
        get = t.get
        names = (get("district", ""), get("street", ""), get("community", ""), get("grid", ""))
        code, reason = self.resolver.resolve(get("region_code", ""), names)
        rec.region_id = code
        if reason == "region_coarse":
            rec.warnings.append((reason, "region", code))
        elif reason:
            detail = get("region_code") or " ".join(n for n in names if n)
            reasons.append((reason, "region", detail))

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

    def _choose(self, t, rec, reasons):
        for field, parse, attr in self._choices:
            value = t.get(field)
            if value:
                try:
                    setattr(rec, attr, parse(value))
                except NormaliseError as exc:
                    reasons.append((exc.code, field, value))
        alone = t.get("lives_alone")
        if alone:
            try:
                # 否 says only "not alone", which is no arrangement in itself.
                if parse_bool(alone):
                    rec.living = "alone"
            except NormaliseError as exc:
                reasons.append((exc.code, "lives_alone", alone))

    def _disability(self, t, rec, reasons):
        category = t.get("disability_category", "")
        grade = t.get("disability_grade", "")
        if not category and not grade:
            return
        try:
            cert = t.get("disability_certificate", "")
            if len(cert) > self.LIMITS["certificate"]:
                raise ValueError
            rec.disability = (
                parse_disability_category(category),
                parse_disability_grade(grade),
                cert,
            )
        except (NormaliseError, ValueError):
            reasons.append(("disability_invalid", "disability_category", f"{category} {grade}"))

    def _contacts(self, t, rec, reasons):
        contacts = []
        for name_field, phone_field, relation, guardian, emergency in (
            ("guardian", "guardian_phone", "监护人", True, False),
            ("caregiver", "caregiver_phone", "照料人", False, False),
            ("emergency_contact", "emergency_phone", "紧急联系人", False, True),
        ):
            name = clean_name(t.get(name_field, ""))
            phone = self._phone(t.get(phone_field, ""), phone_field, reasons)
            if not name:
                continue
            if len(name) > self.LIMITS["contact"]:
                reasons.append(("too_long", name_field, name[:20]))
                continue
            if guardian:
                relation = t.get("guardian_relation", "")[:30] or relation
            contacts.append((name, relation, phone, guardian, emergency))
        rec.contacts = tuple(contacts)
