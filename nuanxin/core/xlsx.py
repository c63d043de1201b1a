"""The ledger (xlsx) writer every export and error report uses — the only one.

Every cell is written as text: an 18-digit ID number or an 11-digit phone
written as a number would lose digits or turn into 1.38E+10 in Excel, and the
file must re-import exactly. Rows are streamed (`constant_memory`), so a
ledger of a million rows does not sit in memory.

Text that a spreadsheet would take for a formula — starting with = + - @, a tab
or a carriage return — gets a leading apostrophe, as OWASP's CSV-injection
guidance says: a name imported as `=HYPERLINK(…)` comes back as the text it
was, never as a live link, even after the file is saved as CSV and opened
again. The ledger import drops that apostrophe (`ledgers.pipeline.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import xlsxwriter


@dataclass
class LedgerSheet:
    title: str
    headers: list[str]
    rows: Iterable[Iterable]
    widths: dict[int, int] | None = None  # column index -> width in characters


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text as text: a leading apostrophe before anything a spreadsheet would evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def ledger_filename(title: str, area: str, day) -> str:
    """The name a clerk files a ledger under, in their language: 成华区-人员台账-2026-12-03.xlsx."""
    parts = [area, title, f"{day:%Y-%m-%d}" if hasattr(day, "strftime") else str(day)]
    clean = "-".join(p.strip() for p in parts if p and p.strip())
    return "".join("_" if c in '\\/:*?"<>|\r\n' else c for c in clean) + ".xlsx"


def _title(text: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in (text or "Sheet"))[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def write_ledger(target, sheets: Iterable[LedgerSheet]) -> int:
    """Write `sheets` to `target` (a path or a binary file object); return the row count."""
    options = {"constant_memory": True, "strings_to_numbers": False, "in_memory": False}
    workbook = xlsxwriter.Workbook(target, options)
    header_format = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    used: set[str] = set()
    total = 0
    wrote_any = False
    for sheet in sheets:
        wrote_any = True
        worksheet = workbook.add_worksheet(_title(sheet.title, used))
        for col, header in enumerate(sheet.headers):
            width = (sheet.widths or {}).get(col) or max(10, min(40, len(str(header)) * 2 + 2))
            worksheet.set_column(col, col, width, text_format)
            worksheet.write_string(0, col, neutralise(str(header)), header_format)
        worksheet.freeze_panes(1, 0)
        for row_index, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                if value is not None and value != "":
                    worksheet.write_string(row_index, col, neutralise(str(value)))
            total += 1
    if not wrote_any:
        workbook.add_worksheet("Sheet1")
    workbook.close()
    return total
