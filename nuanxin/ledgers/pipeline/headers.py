"""Stage 2 — headers: find the header row and map its names to fields.

Headers are matched after folding full-width characters, dropping spaces,
required-field stars and colons, so `* 身份证号码：` is `身份证号码`. docs/ledgers.md
lists the same table for users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .normalise import to_half

# What each field is called on a page, in the reader's language (the headers above
# are what ledgers call them, in Chinese, and stay so in the files we write).
LABELS = {
    "name": _("full name"),
    "sex": _("sex"),
    "id_number": _("ID number"),
    "birth_date": _("birth date"),
    "phone": _("phone"),
    "phone2": _("other phone"),
    "address": _("address"),
    "registered_address": _("registered address"),
    "region_code": _("region code"),
    "residence_code": _("residence region code"),
    "registered_region_id": _("place of registration"),
    "district": _("district"),
    "street": _("street"),
    "community": _("community"),
    "grid": _("grid"),
    "category": _("category"),
    "start_date": _("in the category since"),
    "disability_category": _("disability category"),
    "disability_grade": _("disability grade"),
    "disability_certificate": _("disability certificate"),
    "lives_alone": _("lives alone"),
    "living": _("living situation"),
    "status": _("status"),
    "guardian": _("guardian"),
    "guardian_phone": _("guardian's phone"),
    "guardian_relation": _("relation to the guardian"),
    "caregiver": _("caregiver"),
    "caregiver_phone": _("caregiver's phone"),
    "emergency_contact": _("emergency contact"),
    "emergency_phone": _("emergency phone"),
    "note": _("note"),
    "region": _("district, street or community"),
    "contact": _("contact"),
}


def field_label(code: str | None) -> str:
    """A field's name for a page ("" for none): never the code itself when we know it."""
    if not code:
        return ""
    return str(LABELS.get(code, code))


# field -> the header names it is known by (first one is what exports write).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "人员姓名", "救助对象姓名", "户主姓名", "name"),
    "sex": ("性别", "sex", "gender"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "证件号码",
        "身份证",
        "id number",
        "id_number",
    ),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "birth date", "birth_date"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "本人电话", "phone"),
    "phone2": ("其他电话", "备用电话", "固定电话", "座机", "phone2"),
    "address": ("居住地址", "现住址", "现居住地址", "家庭住址", "住址", "居住地", "address"),
    "registered_address": ("户籍地址", "户籍所在地", "户籍地", "户口所在地"),
    "region_code": ("区划代码", "行政区划代码", "所属区划代码", "region code", "region_code"),
    # 居住地 (where they live) when it is not the registration above (人户分离).
    "residence_code": (
        "居住地区划代码",
        "居住地代码",
        "现居住地区划代码",
        "residence code",
        "residence_code",
    ),
    "district": ("所属区县", "区县", "区(县)", "所属区(县)", "县(市、区)", "区", "district"),
    "street": (
        "所属街道/乡镇",
        "所属街道",
        "所属乡镇",
        "街道/乡镇",
        "街道(乡镇)",
        "乡镇(街道)",
        "街道",
        "乡镇",
        "street",
    ),
    "community": (
        "所属社区/村",
        "所属社区",
        "所属村",
        "社区/村",
        "社区(村)",
        "村(社区)",
        "社区",
        "村",
        "community",
    ),
    "grid": ("所属网格", "网格", "grid"),
    "category": (
        "救助类别",
        "人员类别",
        "保障类别",
        "对象类别",
        "类别",
        "救助类型",
        "category",
    ),
    "start_date": ("纳入时间", "纳入日期", "认定时间", "认定日期", "享受起始时间", "start date"),
    "disability_category": ("残疾类别", "残疾类型", "disability category"),
    "disability_grade": ("残疾等级", "残疾级别", "disability grade"),
    "disability_certificate": ("残疾证号", "残疾证号码", "残疾人证号"),
    "lives_alone": ("是否独居", "独居", "lives alone"),
    "living": ("居住状况", "居住情况", "居住方式", "living"),
    "status": ("人员状态", "状态", "status"),
    "guardian": ("监护人", "监护人姓名", "guardian"),
    "guardian_phone": ("监护人电话", "监护人联系电话", "监护人手机", "guardian phone"),
    "guardian_relation": ("与监护人关系", "监护人关系", "监护人与本人关系"),
    "caregiver": ("照料人", "照料人姓名", "委托照料人", "caregiver"),
    "caregiver_phone": ("照料人电话", "照料人联系电话", "caregiver phone"),
    "emergency_contact": ("紧急联系人", "emergency contact"),
    "emergency_phone": ("紧急联系电话", "紧急联系人电话", "emergency phone"),
    "note": ("备注", "note"),
}
# Columns the system writes into error reports and exports: read back, ignored.
IGNORED = ("序号", "编号", "年龄", "原因", "错误原因", "reason", "reasons", "来源", "source", "no.")

_STRIP = re.compile(r"[\s*:：※#]+")


def header_key(text) -> str:
    """The comparable form of a header cell."""
    text = to_half(str(text if text is not None else "")).lower()
    return _STRIP.sub("", text).replace("（", "(").replace("）", ")")


_LOOKUP: dict[str, str] = {}
for _field, _names in HEADERS.items():
    for _name in _names:
        _LOOKUP.setdefault(header_key(_name), _field)
_IGNORED = {header_key(n) for n in IGNORED}


@dataclass
class HeaderMap:
    row_number: int  # 1-based number of the header row in its sheet
    headers: list[str]  # the header cells as written
    columns: dict[str, int] = field(default_factory=dict)  # field -> column index
    unknown: list[str] = field(default_factory=list)  # headers we do not import
    duplicates: list[str] = field(default_factory=list)  # a second column for one field

    def describe(self) -> list[tuple[str, str | None]]:
        """(header as written, the field's name in the reader's language, or None)."""
        by_index = {i: f for f, i in self.columns.items()}
        return [(h, field_label(by_index.get(i)) or None) for i, h in enumerate(self.headers)]


def field_for(header) -> str | None:
    key = header_key(header)
    if key in _LOOKUP:
        return _LOOKUP[key]
    # `联系电话(手机)`: try again without a parenthetical remark.
    bare = re.sub(r"\(.*?\)", "", key)
    return _LOOKUP.get(bare) if bare else None


def map_headers(cells: list, row_number: int) -> HeaderMap:
    headers = ["" if c is None else str(c).strip() for c in cells]
    result = HeaderMap(row_number=row_number, headers=headers)
    for index, header in enumerate(headers):
        if not header:
            continue
        name = field_for(header)
        if name is None:
            if header_key(header) not in _IGNORED:
                result.unknown.append(header)
        elif name in result.columns:
            result.duplicates.append(header)
        else:
            result.columns[name] = index
    return result


HEADER_LOOK_AHEAD = 10  # the header row is among the first rows


def find_header(
    rows, *, look_ahead: int = HEADER_LOOK_AHEAD
) -> tuple[HeaderMap | None, list[tuple[int, list]]]:
    """Find the header row among the first rows (titles often sit above it).

    Returns the map (or None) and the rows read past it that are data.
    """
    seen: list[tuple[int, list]] = []
    for number, cells in enumerate(rows, start=1):
        seen.append((number, cells))
        candidate = map_headers(cells, number)
        if len(candidate.columns) >= 2 and (
            "id_number" in candidate.columns or "name" in candidate.columns
        ):
            return candidate, []
        if number >= look_ahead:
            break
    return None, seen
