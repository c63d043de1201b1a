"""Reading a staff roster (xlsx, xls, ods or csv): one row per person and role.

Columns: name, phone, role, region code, and optionally username (Chinese
headers too: 姓名, 手机/联系电话, 角色/岗位, 区划代码/所属区划, 用户名/登录名). A role is
written as its code (`grid_worker`) or its name in English or Chinese (网格员).
Rows are checked here; `services.roster_import` writes them.

A row without a username gets one from the pinyin of the name and the last
four digits of the phone (孙婷, 13812345678 → `sunting5678`); when that is
another person's, a number follows (`sunting5678-2`). The same row gives the
same username every time, so a roster imported twice creates nobody twice.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nuanxin.core import tables
from nuanxin.core.access import Role
from nuanxin.core.phones import PhoneError, normalize_phone
from nuanxin.core.pinyin import name_pinyin

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "姓名", "名字", "人员姓名"),
    "phone": ("phone", "mobile", "手机", "手机号", "手机号码", "电话", "联系电话", "联系方式"),
    "role": ("role", "角色", "岗位", "职务", "人员角色"),
    "region": (
        "region", "region code", "区划代码", "所属区划代码", "所属区划", "行政区划代码",
        "统计用区划代码", "工作区域代码",
    ),
    "username": ("username", "login", "用户名", "登录名", "账号", "帐号"),
}  # fmt: skip

MESSAGES = {
    "name_missing": _("no name"),
    "phone_invalid": _("not a valid mainland phone number"),
    "role_unknown": _("unknown role"),
    "region_unknown": _("no such region (or not in your area)"),
    "username_invalid": _("a username has letters, digits and @ . + - _ only, at most 150"),
    "username_taken": _("the username belongs to someone else"),
}
FIELD_NAMES = {
    "name": _("full name"),
    "phone": _("phone"),
    "role": _("role"),
    "region": _("region code"),
    "username": _("username"),
}
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def one_time_password() -> str:
    """12 characters from an alphabet without look-alikes (no 0/O, 1/l/I)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def _role_lookup() -> dict[str, str]:
    found = {}
    for value, label in Role.choices:
        found[tables.header_key(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[tables.header_key(str(label))] = value
    return found


@dataclass
class Row:
    sheet: str
    number: int
    headers: list
    cells: list
    name: str = ""
    phone: str = ""
    role: str = ""
    region: str = ""
    username: str = ""
    reasons: list = field(default_factory=list)  # [(code, field)]
    changed: list = field(default_factory=list)  # an existing user's: full_name, phone, membership

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role else ""


def reason_text(reasons) -> str:
    return "; ".join(f"{FIELD_NAMES[f]}: {MESSAGES[code]}" for code, f in reasons)


def read(path, display_name: str | None, region_ok) -> list[Row]:
    """Every non-blank row, checked; `region_ok(code)` says whether a region exists and is
    the importer's to staff. Raises tables.TableError for a file that cannot be read."""
    roles = _role_lookup()
    validate_username = UnicodeUsernameValidator()
    found: list[Row] = []
    for cell in tables.data_rows(
        path,
        display_name,
        FIELDS,
        {"name", "role", "region"},
        lambda: (
            _("%(name)s: no header row with name, role and region columns in its first rows.")
            % {"name": display_name or str(path)}
        ),
    ):
        row = Row(cell.sheet, cell.number, cell.headers, cell.texts, name=cell("name"))
        if not row.name:
            row.reasons.append(("name_missing", "name"))
        try:
            row.phone = normalize_phone(cell("phone"))
        except PhoneError:
            row.reasons.append(("phone_invalid", "phone"))
        row.role = roles.get(tables.header_key(cell("role")), "")
        if not row.role:
            row.reasons.append(("role_unknown", "role"))
        row.region = cell("region")
        if not region_ok(row.region):
            row.reasons.append(("region_unknown", "region"))
        row.username = cell("username")
        if row.username:
            try:
                validate_username(row.username)
                if len(row.username) > 150:
                    raise ValidationError("too long")
            except ValidationError:
                row.reasons.append(("username_invalid", "username"))
        found.append(row)
    return found


def username_base(name: str, phone: str) -> str:
    """`sunting5678`: the name's pinyin (letters and digits only) and the phone's last four."""
    letters = re.sub(r"[^a-z0-9]", "", name_pinyin(name).lower()) or "user"
    return f"{letters[:40]}{phone[-4:]}"


def username_candidates(name: str, phone: str):
    base = username_base(name, phone)
    yield base
    for n in range(2, 1000):
        yield f"{base}-{n}"
