"""Stage 3 — normalise: turn what people type into one form per field.

Each function takes a cell (text, number, date or None) and returns the
normal form, or raises NormaliseError with a reason code that the validate
stage turns into a rejection or a warning.
"""

from __future__ import annotations

import datetime as dt
import re

from nuanxin.registry.models import Category, DisabilityCategory, Living, Status


class NormaliseError(ValueError):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to half-width.
_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF[0x3000] = 0x20
_HALF[0xA0] = 0x20


def to_half(text: str) -> str:
    return text.translate(_HALF)


def cell_text(value) -> str:
    """Any cell as trimmed half-width text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii():
            return value.strip()
        return " ".join(to_half(value).split())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Excel keeps numbers as floats: 13812345678.0 is a phone, not a float.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(to_half(str(value)).split())


def clean_name(text: str) -> str:
    """Chinese names lose the spaces typed to align them (王  五 -> 王五)."""
    if " " in text and all("\u4e00" <= c <= "\u9fff" or c == " " for c in text):
        return text.replace(" ", "")
    return text


# --- dates ------------------------------------------------------------------
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value) -> dt.date:
    """A date as people type it: 1950-03-04, 1950/3/4, 1950.3.4, 1950年3月4日,
    19500304, 1950-03 (the 1st), or an Excel serial number (18326)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = _TIME_TAIL.sub("", cell_text(value))
    if not text:
        raise NormaliseError("date_invalid", "")
    if text.isdigit():
        if len(text) == 8:
            return _date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
        if len(text) <= 5:
            return _from_serial(int(text))
        raise NormaliseError("date_invalid", text)
    try:
        return _from_serial(float(text))
    except ValueError:
        pass
    match = _DATE_RE.match(text)
    if not match:
        raise NormaliseError("date_invalid", text)
    year, month, day = match.groups()
    return _date(int(year), int(month), int(day or 1), text)


def _from_serial(number: float) -> dt.date:
    if not 1 <= number < 80000:  # 1900-01-01 .. 2119
        raise NormaliseError("date_invalid", str(number))
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NormaliseError("date_invalid", text) from None


# --- yes / no, sex ----------------------------------------------------------
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
_FALSE = {"否", "无", "没有", "n", "no", "false", "0", "×", "✗", "不是"}


def parse_bool(text: str) -> bool:
    key = text.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise NormaliseError("bool_invalid", text)


_SEX = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
}


def parse_sex(text: str) -> str:
    try:
        return _SEX[text.lower()]
    except KeyError:
        raise NormaliseError("sex_invalid", text) from None


# --- categories -------------------------------------------------------------
# Names, abbreviations and the codes themselves -> enrollment category code.
CATEGORY_NAMES: dict[str, str] = {
    "低保": Category.DIBAO,
    "最低生活保障": Category.DIBAO,
    "城市低保": Category.DIBAO,
    "农村低保": Category.DIBAO,
    "城乡低保": Category.DIBAO,
    "低保对象": Category.DIBAO,
    "低保户": Category.DIBAO,
    "低保边缘": Category.DIBAO_EDGE,
    "低边": Category.DIBAO_EDGE,
    "低保边缘户": Category.DIBAO_EDGE,
    "低保边缘家庭": Category.DIBAO_EDGE,
    "特困": Category.TEKUN_DISPERSED,
    "特困人员": Category.TEKUN_DISPERSED,
    "特困供养": Category.TEKUN_DISPERSED,
    "分散供养": Category.TEKUN_DISPERSED,
    "特困分散供养": Category.TEKUN_DISPERSED,
    "分散供养特困人员": Category.TEKUN_DISPERSED,
    "特困(分散)": Category.TEKUN_DISPERSED,
    "五保": Category.TEKUN_DISPERSED,
    "集中供养": Category.TEKUN_CENTRAL,
    "特困集中供养": Category.TEKUN_CENTRAL,
    "集中供养特困人员": Category.TEKUN_CENTRAL,
    "特困(集中)": Category.TEKUN_CENTRAL,
    "孤儿": Category.ORPHAN_SCATTERED,
    "散居孤儿": Category.ORPHAN_SCATTERED,
    "社会散居孤儿": Category.ORPHAN_SCATTERED,
    "集中供养孤儿": Category.ORPHAN_CENTRAL,
    "机构养育孤儿": Category.ORPHAN_CENTRAL,
    "事实无人抚养儿童": Category.UNSUPPORTED_CHILD,
    "事实孤儿": Category.UNSUPPORTED_CHILD,
    "无人抚养儿童": Category.UNSUPPORTED_CHILD,
    "留守儿童": Category.LEFT_BEHIND_CHILD,
    "农村留守儿童": Category.LEFT_BEHIND_CHILD,
    "困境儿童": Category.DISTRESSED_CHILD,
    "重度残疾": Category.SEVERE_DISABILITY,
    "重度残疾人": Category.SEVERE_DISABILITY,
    "重残": Category.SEVERE_DISABILITY,
    "独居老人": Category.ELDERLY_ALONE,
    "独居": Category.ELDERLY_ALONE,
    "空巢老人": Category.ELDERLY_EMPTY_NEST,
    "空巢": Category.ELDERLY_EMPTY_NEST,
    "高龄老人": Category.ELDERLY_ADVANCED,
    "高龄": Category.ELDERLY_ADVANCED,
    "计划生育特殊家庭": Category.FAMILY_PLANNING,
    "计生特殊家庭": Category.FAMILY_PLANNING,
    "失独家庭": Category.FAMILY_PLANNING,
    "失独": Category.FAMILY_PLANNING,
    "临时救助": Category.TEMPORARY_ASSISTANCE,
    "临救": Category.TEMPORARY_ASSISTANCE,
}
CATEGORY_NAMES.update({code: code for code in Category.values})
# What exports write for each category (re-imported through the table above).
CATEGORY_EXPORT_NAMES = {
    Category.DIBAO: "低保",
    Category.DIBAO_EDGE: "低保边缘",
    Category.TEKUN_DISPERSED: "特困分散供养",
    Category.TEKUN_CENTRAL: "特困集中供养",
    Category.ORPHAN_SCATTERED: "散居孤儿",
    Category.ORPHAN_CENTRAL: "集中供养孤儿",
    Category.UNSUPPORTED_CHILD: "事实无人抚养儿童",
    Category.LEFT_BEHIND_CHILD: "农村留守儿童",
    Category.DISTRESSED_CHILD: "困境儿童",
    Category.SEVERE_DISABILITY: "重度残疾",
    Category.ELDERLY_ALONE: "独居老人",
    Category.ELDERLY_EMPTY_NEST: "空巢老人",
    Category.ELDERLY_ADVANCED: "高龄老人",
    Category.FAMILY_PLANNING: "计划生育特殊家庭",
    Category.TEMPORARY_ASSISTANCE: "临时救助",
}
_SPLIT = re.compile(r"[、,;/|，；\s]+")


def parse_categories(text: str) -> tuple[str, ...]:
    """`低保、独居老人` -> ('dibao', 'elderly_alone'); unknown names raise."""
    found: list[str] = []
    for part in _SPLIT.split(text.replace("（", "(").replace("）", ")")):
        if not part:
            continue
        code = CATEGORY_NAMES.get(part) or CATEGORY_NAMES.get(part.lower())
        if code is None:
            raise NormaliseError("category_unknown", part)
        if code not in found:
            found.append(code)
    return tuple(found)


# --- disability ---------------------------------------------------------------
DISABILITY_NAMES = {
    "视力": DisabilityCategory.VISUAL,
    "听力": DisabilityCategory.HEARING,
    "言语": DisabilityCategory.SPEECH,
    "语言": DisabilityCategory.SPEECH,
    "肢体": DisabilityCategory.PHYSICAL,
    "智力": DisabilityCategory.INTELLECTUAL,
    "精神": DisabilityCategory.MENTAL,
    "多重": DisabilityCategory.MULTIPLE,
}
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_GRADES.update({"i": 1, "ii": 2, "iii": 3, "iv": 4})


def parse_disability_category(text: str) -> int:
    key = text.removesuffix("残疾").removesuffix("残")
    if key.isdigit() and 1 <= int(key) <= 7:
        return int(key)
    try:
        return int(DISABILITY_NAMES[key])
    except KeyError:
        raise NormaliseError("disability_invalid", text) from None


def parse_disability_grade(text: str) -> int:
    key = text.lower().removeprefix("残疾").removesuffix("级").removesuffix("等")
    try:
        return _GRADES[key]
    except KeyError:
        raise NormaliseError("disability_invalid", text) from None


# --- living arrangement, status -------------------------------------------
LIVING_NAMES = {
    "独居": Living.ALONE,
    "空巢": Living.EMPTY_NEST,
    "留守": Living.LEFT_BEHIND,
    "与家人同住": Living.WITH_FAMILY,
    "与家人共同居住": Living.WITH_FAMILY,
    "与子女同住": Living.WITH_FAMILY,
    "家人同住": Living.WITH_FAMILY,
    "机构": Living.INSTITUTION,
    "机构养护": Living.INSTITUTION,
    "养老机构": Living.INSTITUTION,
    "集中供养": Living.INSTITUTION,
}
LIVING_NAMES.update({code: code for code in Living.values})
STATUS_NAMES = {
    "正常": Status.ACTIVE,
    "在册": Status.ACTIVE,
    "在世": Status.ACTIVE,
    "住院": Status.IN_HOSPITAL,
    "迁出": Status.MOVED,
    "已迁出": Status.MOVED,
    "死亡": Status.DECEASED,
    "已故": Status.DECEASED,
    "去世": Status.DECEASED,
    "已去世": Status.DECEASED,
}
STATUS_NAMES.update({code: code for code in Status.values})
LIVING_EXPORT_NAMES = {
    Living.ALONE: "独居",
    Living.EMPTY_NEST: "空巢",
    Living.LEFT_BEHIND: "留守",
    Living.WITH_FAMILY: "与家人同住",
    Living.INSTITUTION: "机构",
}
STATUS_EXPORT_NAMES = {
    Status.ACTIVE: "正常",
    Status.IN_HOSPITAL: "住院",
    Status.MOVED: "迁出",
    Status.DECEASED: "死亡",
}


def parse_living(text: str) -> str:
    try:
        return LIVING_NAMES[text.lower()]
    except KeyError:
        raise NormaliseError("living_invalid", text) from None


def parse_status(text: str) -> str:
    try:
        return STATUS_NAMES[text.lower()]
    except KeyError:
        raise NormaliseError("status_invalid", text) from None
