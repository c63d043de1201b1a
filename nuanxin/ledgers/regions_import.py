"""Loading the official division codes (统计用区划代码) into the region tree.

`nuanxin regions import FILE [--dry-run]` reads an xlsx, xls, ods or csv file
with the columns code and name, and optionally level and parent (Chinese
headers too: 统计用区划代码/代码, 名称, 层级/级别, 上级代码). Each row is checked:

- the code has 12 digits (a grid 15: its community's 12 plus 3), and its digits
  form a division code (2 province + 2 city + 2 county + 3 township + 3 village;
  no level left at zero above one that is not);
- a level, when given, is the code's own (province, city, county, township,
  village, grid; 省, 市, 区县, 乡镇/街道, 村/社区, 网格);
- a parent, when given, is the code's own parent, and the parent exists in the
  tree or comes in the same file (in any order);
- a code comes once.

The tree starts at the city (see models.Level): a province row (510000000000)
is skipped with a note, never an error. A valid row creates its region, or
renames it when the name changed; the import never deletes and never moves a
region. The same file twice changes nothing ("unchanged N"). A rejected row
is listed with its row number and reason, and an error report (the rows as
they were, plus a reason column) can be corrected and imported again.

Everything a file changes is written in one transaction with bulk statements,
and audited with its counts. It lives with the ledger import, whose reader
(core.tables) and error-report format it shares; the regions app sits below
every other app and offers the verb to them (regions/cli.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import tables
from nuanxin.core.xlsx import LedgerSheet, write_ledger
from nuanxin.regions.models import PREFIX_LENGTH, Level, Region, level_of

PROVINCE = 0  # a level outside the tree: its rows are skipped
BATCH = 500

FIELDS: dict[str, tuple[str, ...]] = {
    "code": (
        "code", "region code", "统计用区划代码", "区划代码", "行政区划代码", "代码", "编码",
        "统计用区划代码和城乡划分代码",
    ),
    "name": ("name", "名称", "区划名称", "单位名称", "地区名称", "行政区划名称"),
    "level": ("level", "层级", "级别", "区划级别", "区划层级"),
    "parent": ("parent", "parent code", "上级代码", "上级区划代码", "父级代码", "上级编码"),
}  # fmt: skip

LEVEL_WORDS: dict[str, int] = {
    **dict.fromkeys(("province", "省", "省级", "省份"), PROVINCE),
    **dict.fromkeys(("city", "市", "地级", "市级", "地级市", "地市"), Level.CITY),
    **dict.fromkeys(
        ("county", "district", "区县", "县区", "县级", "区", "县", "区/县", "县(市、区)"),
        Level.DISTRICT,
    ),
    **dict.fromkeys(
        ("township", "street", "town", "乡镇", "街道", "乡级", "乡镇街道", "街道/乡镇", "镇", "乡"),
        Level.STREET,
    ),
    **dict.fromkeys(
        ("village", "community", "村", "社区", "村级", "村居", "社区/村", "村/社区", "村(社区)"),
        Level.COMMUNITY,
    ),
    **dict.fromkeys(("grid", "网格"), Level.GRID),
}

# Why a row is rejected; each code has a test (tests/test_golive_regions.py).
MESSAGES = {
    "code_missing": gettext_lazy("no code"),
    "code_format": gettext_lazy("a code has 12 digits (a grid 15)"),
    "code_structure": gettext_lazy(
        "not a division code: a level is left at zero above one that is not"
    ),
    "name_missing": gettext_lazy("no name"),
    "name_too_long": gettext_lazy("the name is longer than 60 characters"),
    "level_unknown": gettext_lazy(
        "unknown level (province, city, county, township, village or grid)"
    ),
    "level_mismatch": gettext_lazy("the level is not the code's level"),
    "parent_mismatch": gettext_lazy("the parent is not the code's own parent"),
    "parent_missing": gettext_lazy("the parent is neither in the tree nor in the file"),
    "duplicate": gettext_lazy("the code came already, in an earlier row"),
}
NOTES = {
    "province": gettext_lazy("a province: the tree starts at the city; row skipped"),
}
FIELD_NAMES = {
    "code": gettext_lazy("code"),
    "name": gettext_lazy("name"),
    "level": gettext_lazy("level"),
    "parent": gettext_lazy("parent"),
}
LEVEL_NAMES = {
    Level.CITY: "city",
    Level.DISTRICT: "county",
    Level.STREET: "township",
    Level.COMMUNITY: "village",
    Level.GRID: "grid",
}
_SEGMENTS = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))


@dataclass
class Row:
    sheet: str
    number: int
    headers: list
    cells: list
    reasons: list = field(default_factory=list)  # [(code, field)]


@dataclass
class Outcome:
    rows: int = 0
    created: list = field(default_factory=list)  # [(code, name, level)]
    renamed: list = field(default_factory=list)  # [(code, old name, new name)]
    unchanged: int = 0
    skipped: list = field(default_factory=list)  # [Row] with a note
    rejected: list = field(default_factory=list)  # [Row]
    dry_run: bool = False

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "renamed": len(self.renamed),
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "rejected": len(self.rejected),
        }


def reason_text(reasons) -> str:
    parts = []
    for code, fld in reasons:
        message = str(MESSAGES.get(code) or NOTES.get(code) or code)
        parts.append(f"{FIELD_NAMES[fld]}: {message}" if fld else message)
    return "; ".join(parts)


def parent_code(code: str) -> str | None:
    """The padded code of the region directly above `code` (None for a city)."""
    level = level_of(code)
    if level == Level.CITY:
        return None
    if level == Level.GRID:
        return code[:12]
    return code[: PREFIX_LENGTH[Level(level - 1)]].ljust(12, "0")


def _structure_ok(code: str) -> bool:
    """No segment left at zero above one that is not; a grid's own 3 digits not 000."""
    base = code[:12]
    zero_seen = False
    for start, end in _SEGMENTS:
        zero = set(base[start:end]) == {"0"}
        if zero_seen and not zero:
            return False
        zero_seen = zero_seen or zero
    if base[:2] == "00":
        return False
    if len(code) == 15:
        return level_of(base) == Level.COMMUNITY and code[12:] != "000"
    return True


def _level_of_text(text: str) -> int | None:
    return LEVEL_WORDS.get(tables.header_key(text))


def _check(row: Row, code: str, name: str, level_text: str, parent_text: str):
    """(code, name, level, parent code) of a row, or None with `row.reasons` filled."""
    if not code:
        row.reasons.append(("code_missing", "code"))
        return None
    if not code.isdigit() or len(code) not in (12, 15):
        row.reasons.append(("code_format", "code"))
        return None
    province = len(code) == 12 and code[2:] == "0" * 10 and code[:2] != "00"
    if not province and not _structure_ok(code):
        row.reasons.append(("code_structure", "code"))
        return None
    level = PROVINCE if province else level_of(code)
    if level_text:
        given = _level_of_text(level_text)
        if given is None:
            row.reasons.append(("level_unknown", "level"))
        elif given != level:
            row.reasons.append(("level_mismatch", "level"))
    if not name:
        row.reasons.append(("name_missing", "name"))
    elif len(name) > Region._meta.get_field("name").max_length:
        row.reasons.append(("name_too_long", "name"))
    if province:
        return None if row.reasons else (code, name, PROVINCE, None)
    parent = parent_code(code)
    # A province above a city is the city's parent in an official file: fine.
    above_city = level == Level.CITY and parent_text == code[:2].ljust(12, "0")
    if parent_text and parent_text != parent and not above_city:
        row.reasons.append(("parent_mismatch", "parent"))
    return None if row.reasons else (code, name, level, parent)


def read(path, display_name: str | None = None) -> list[tuple[Row, tuple | None]]:
    """Every non-blank data row of the file with its checked values (or None)."""
    found = []
    for cell in tables.data_rows(
        path,
        display_name,
        FIELDS,
        {"code", "name"},
        lambda: (
            _("%(name)s: no header row with a code column and a name column in its first rows.")
            % {"name": display_name or Path(path).name}
        ),
    ):
        row = Row(cell.sheet, cell.number, cell.headers, cell.texts)
        found.append((row, _check(row, cell("code"), cell("name"), cell("level"), cell("parent"))))
    return found


def region_file_import(*, path, display_name: str | None = None, dry_run: bool = False,
                       by=None, request=None) -> Outcome:  # fmt: skip
    """Create and rename regions from an official division-code file (see the module).

    `dry_run` checks and plans everything and changes nothing. `by` is who asked
    (None: the system, the command line). Raises tables.TableError when the file
    cannot be read at all.
    """
    checked = read(path, display_name)
    outcome = Outcome(rows=len(checked), dry_run=dry_run)
    existing = dict(Region.objects.values_list("code", "name"))
    valid: dict[str, tuple[Row, tuple]] = {}
    for row, values in checked:
        if values is None:
            outcome.rejected.append(row)
        elif values[0] in valid:
            row.reasons.append(("duplicate", "code"))
            outcome.rejected.append(row)
        elif values[2] == PROVINCE:
            row.reasons.append(("province", ""))
            outcome.skipped.append(row)
        else:
            valid[values[0]] = (row, values)
    # Parents before children, so that a rejected parent rejects its children too.
    accepted: set[str] = set()
    new: list[Region] = []
    renamed: list[Region] = []
    for code in sorted(valid, key=lambda c: (level_of(c), c)):
        row, (code, name, level, parent) = valid[code]
        if parent is not None and parent not in existing and parent not in accepted:
            row.reasons.append(("parent_missing", "parent"))
            outcome.rejected.append(row)
            continue
        accepted.add(code)
        if code in existing:
            if existing[code] == name:
                outcome.unchanged += 1
            else:
                outcome.renamed.append((code, existing[code], name))
                renamed.append(Region(code=code, name=name, level=level))
            continue
        region = Region(code=code, name=name, level=level)
        if parent is not None:
            # Validated in memory: the parent stands in by its code and level.
            region.parent = Region(code=parent, level=level_of(parent))
        region.clean_fields(exclude=["parent"])
        region.clean()
        new.append(region)
        outcome.created.append((code, name, level))
    outcome.rejected.sort(key=lambda r: (r.sheet, r.number))
    if dry_run or not (new or renamed):
        _audit(outcome, display_name or Path(path).name, by, request)
        return outcome
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=BATCH)
        Region.objects.bulk_update(renamed, ["name"], batch_size=BATCH)
        _audit(outcome, display_name or Path(path).name, by, request)
    return outcome


def _audit(outcome: Outcome, name: str, by, request) -> None:
    """One audit record of a run that could change the tree, with its counts (a dry
    run changes nothing and is not recorded)."""
    if outcome.dry_run:
        return
    audit_record(
        user=by,
        action=AuditAction.IMPORT,
        request=request,
        object_type="regions.region",
        object_id="",
        object_repr=name[:200],
        changes={"file": name, **outcome.counts()},
    )


def error_report_write(outcome: Outcome, target) -> int:
    """The rejected rows as they were, with a reason and a source column, one sheet per
    source sheet: correct the cells and import the file again (the extra columns are
    not read). Returns the number of rows written."""
    groups: dict[str, list[Row]] = {}
    for row in outcome.rejected:
        groups.setdefault(row.sheet, []).append(row)

    def sheets():
        for sheet, rows in groups.items():
            headers = max((r.headers for r in rows), key=len)
            width = len(headers)
            yield LedgerSheet(
                title=sheet or "regions",
                headers=[*headers, _("Reason"), _("Source")],
                rows=(
                    [
                        *(r.cells[:width] + [""] * (width - len(r.cells))),
                        reason_text(r.reasons),
                        f"{r.sheet} #{r.number}".strip(),
                    ]
                    for r in rows
                ),  # fmt: skip
            )

    return write_ledger(target, sheets())
