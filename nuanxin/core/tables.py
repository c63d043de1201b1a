"""Reading a table file (xlsx, xls, ods or csv) for an import, within the upload limits.

One reader serves every import: the ledgers app owns it (ledgers/pipeline/read.py
and limits.py: encodings, delimiters, zip bombs, row and cell limits) and
registers it here when it starts, so that the region-tree and staff-roster
imports, which sit below the ledgers app, read files exactly as the ledger
import does without importing it:

    for sheet, number, cells in tables.rows(path):
        ...

A file that cannot be read, or is over a limit, raises `TableError` with a
message naming the file and the limit; nothing of it has been used then.

Header cells are compared after `header_key` (full-width folded, spaces,
stars and colons dropped, lower case), so `* 统计用区划代码：` is `统计用区划代码`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# (path, display name) -> (sheet name, row iterator) for each sheet; raises TableError.
Reader = Callable[[Path, str], Iterator[tuple[str, Iterator[list]]]]
_reader: Reader | None = None


class TableError(ValueError):
    """The whole file is refused (unreadable, wrong format, over a limit)."""


def register_reader(reader: Reader) -> None:
    global _reader
    _reader = reader


def rows(path, display_name: str | None = None) -> Iterator[tuple[str, int, list]]:
    """(sheet name, 1-based row number in its sheet, cells) of every row of every sheet."""
    if _reader is None:  # pragma: no cover - the ledgers app registers it at start
        raise RuntimeError("no table reader is registered (is nuanxin.ledgers installed?)")
    path = Path(path)
    for sheet, sheet_rows in _reader(path, display_name or path.name):
        for number, cells in enumerate(sheet_rows, start=1):
            yield sheet, number, cells


_STRIP = re.compile(r"[\s*:※#]+")


def header_key(text) -> str:
    """The comparable form of a header cell."""
    text = unicodedata.normalize("NFKC", str(text if text is not None else "")).lower()
    return _STRIP.sub("", text)


def cell_text(value) -> str:
    """A cell as text: a whole number read from a workbook loses its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def find_header(
    cells_of: Iterator[tuple[str, int, list]], known: dict[str, tuple[str, ...]], required: set
):
    """Split a file's rows into sheets with their header map.

    Yields (sheet, header row number, headers as written, {field: column index},
    data rows as (number, cells)) for each sheet whose first ten rows hold a
    header row naming every field in `required`. `known` maps a field to the
    header names it goes by.
    """
    lookup = {header_key(name): field for field, names in known.items() for name in names}
    current, header, columns, headers, data = None, None, {}, [], []
    for sheet, number, cells in cells_of:
        if sheet != current:
            if header is not None and header > 0:
                yield current, header, headers, columns, data
            current, header, columns, headers, data = sheet, None, {}, [], []
        if header is None:
            mapped = {}
            for index, cell in enumerate(cells):
                field = lookup.get(header_key(cell))
                if field and field not in mapped:
                    mapped[field] = index
            if required <= set(mapped):
                header, columns = number, mapped
                headers = [cell_text(c) for c in cells]
            elif number >= 10:
                header = -1  # no header in this sheet: its rows are not read
            continue
        if header > 0:
            data.append((number, cells))
    if header is not None and header > 0:
        yield current, header, headers, columns, data


@dataclass
class DataRow:
    """A non-blank data row under a header: `row("name")` is the text of that field's column
    ("" where the file has no such column or the row stops short of it)."""

    sheet: str
    number: int
    headers: list[str]
    texts: list[str]
    columns: dict[str, int]

    def __call__(self, name: str) -> str:
        index = self.columns.get(name)
        return self.texts[index] if index is not None and index < len(self.texts) else ""


def data_rows(
    path, display_name: str | None, known: dict[str, tuple[str, ...]], required: set, no_header
) -> Iterator[DataRow]:
    """Every non-blank data row (as a `DataRow`) of every sheet of the file that has a header
    naming every field in `required` (see `find_header`).

    When no sheet has such a header, raises TableError with `no_header` (its text, or a
    callable answering it) once the file is read.
    """
    sheets = 0
    for sheet, _header, headers, columns, data in find_header(
        rows(path, display_name), known, required
    ):
        sheets += 1
        for number, cells in data:
            texts = [cell_text(c) for c in cells]
            if any(texts):
                yield DataRow(sheet, number, headers, texts, columns)
    if not sheets:
        raise TableError(no_header() if callable(no_header) else no_header)
