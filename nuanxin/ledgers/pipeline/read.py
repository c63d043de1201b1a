"""Stage 1 — read: turn a file into sheets of rows, whatever its format.

CSV is streamed (never held whole); its encoding (UTF-8 with or without BOM,
else GB18030, a superset of GBK and GB2312) and delimiter are detected from the
first bytes. Workbooks (.xlsx, .xls, .ods) are read with python-calamine, which
loads one sheet at a time.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

from .limits import LedgerLimitError, Limits, check_file

# Not .xlsb: its binary sheets cannot be scanned for the cells they span before
# reading (pipeline/limits.py), and a few bytes of one can span terabytes.
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
SNIFF_BYTES = 64 * 1024
CSV_FIELD_LIMIT = csv.field_size_limit()  # csv's own, for reading without limits


class LedgerFormatError(ValueError):
    """The file cannot be read as a ledger at all (the whole file is refused)."""


__all__ = ["LedgerFormatError", "LedgerLimitError", "Limits", "open_ledger"]


@dataclass
class Sheet:
    file: str  # the name the user knows the file by
    name: str  # sheet name ("" for CSV)
    rows: Iterator[list]  # every row, 1-based numbering starts at the first
    progress: Callable[[], float]  # fraction of this sheet read so far, 0..1
    size: int = 0  # bytes of the file (for deciding whether to read it in parallel)
    # The same rows again from the first, with their own progress: what each of
    # several reader processes reads (a forked CSV reader must not share the
    # parent's file offset). The rows may have a skip(count) method.
    reopen: Callable[[], tuple[Iterator[list], Callable[[], float]]] | None = None


def detect_encoding(head: bytes) -> str:
    """utf-8-sig for a BOM, utf-8 if the sample decodes, else gb18030."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
        return "gb18030"


def detect_delimiter(head: str) -> str:
    first = head.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class CsvRows:
    """The rows of a CSV file (csv.reader), which can also pass over rows unparsed.

    Several reader processes each read the whole file and validate their share
    of it; passing over the rest line by line costs a fraction of splitting it
    into cells. A line holding a quote may start a cell that runs over several
    lines, so csv itself reads that row: both ways agree on where rows end.
    """

    def __init__(
        self,
        path: Path,
        encoding: str,
        delimiter: str,
        size: int,
        limits: Limits | None = None,
        name: str = "",
    ):
        self.raw = open(path, "rb")  # noqa: SIM115 - closed when the rows are exhausted
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, errors="replace", newline="")
        self.lines = iter(self.text)
        self.delimiter = delimiter
        self.limits, self.name = limits, name
        # The row limit counts every row read or passed over; the cell limit is
        # csv's own field limit (checked in C as it parses), process-wide, so it is
        # set from the limits at every opening.
        self.max_rows = limits.rows if limits else None
        self.count = 0
        csv.field_size_limit(limits.cell if limits else CSV_FIELD_LIMIT)
        self.reader = csv.reader(self.lines, delimiter=delimiter)
        self.size = size

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        if self.text.closed:
            raise StopIteration
        try:
            row = next(self.reader)
        except StopIteration:
            self.text.close()
            raise
        except csv.Error as exc:
            self.text.close()
            if self.limits and "field larger than field limit" in str(exc):
                raise self.limits.cell_too_long(self.name) from None
            raise LedgerFormatError(str(exc)) from None
        self.count += 1
        if self.max_rows is not None and self.count > self.max_rows:
            self.text.close()
            raise self.limits.too_many_rows(self.name)
        return row

    def skip(self, count: int) -> int:
        """Pass over `count` rows; return how many there were."""
        skipped = 0
        while skipped < count and not self.text.closed:
            line = next(self.lines, None)
            if line is None:
                self.text.close()
                break
            if '"' in line:
                try:
                    next(csv.reader(chain([line], self.lines), delimiter=self.delimiter), None)
                except csv.Error as exc:
                    self.text.close()
                    if self.limits and "field larger than field limit" in str(exc):
                        raise self.limits.cell_too_long(self.name) from None
                    raise LedgerFormatError(str(exc)) from None
            skipped += 1
        self.count += skipped
        if self.max_rows is not None and self.count > self.max_rows:
            self.text.close()
            raise self.limits.too_many_rows(self.name)
        return skipped

    def progress(self) -> float:
        return min(self.raw.tell() / self.size, 1.0) if not self.raw.closed else 1.0


def read_csv(path: Path, display_name: str, limits: Limits | None = None) -> Iterator[Sheet]:
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    delimiter = detect_delimiter(head.decode(encoding, "replace"))
    size = max(path.stat().st_size, 1)

    def reopen() -> tuple[Iterator[list], Callable[[], float]]:
        rows = CsvRows(path, encoding, delimiter, size, limits, display_name)
        return rows, rows.progress

    rows, progress = reopen()
    yield Sheet(display_name, "", rows, progress, size, reopen)


def read_workbook(path: Path, display_name: str, limits: Limits | None = None) -> Iterator[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types per format
        raise LedgerFormatError(str(exc)) from None
    rows_so_far = 0
    cell = limits.cell if limits else None
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)  # loaded whole: a forked reader shares it
        except Exception as exc:
            raise LedgerFormatError(str(exc)) from None
        # The sheet's extent is known once loaded (its memory is bounded by the
        # file's checked uncompressed size): a file over the row limit stops here.
        rows_so_far += sheet.height
        if limits and rows_so_far > limits.rows:
            raise limits.too_many_rows(display_name, rows_so_far)

        def reopen(sheet=sheet, name=name) -> tuple[Iterator[list], Callable[[], float]]:
            height = max(sheet.height, 1)
            counter = {"n": 0}

            def rows() -> Iterator[list]:
                for row in sheet.iter_rows():
                    counter["n"] += 1
                    if cell is not None:
                        for value in row:
                            if value.__class__ is str and len(value) > cell:
                                raise limits.cell_too_long(
                                    display_name, f" ({name} #{counter['n']})"
                                )
                    yield row

            return rows(), lambda: min(counter["n"] / height, 1.0)

        first_rows, progress = reopen()
        # calamine holds the sheet in memory: its size is about its cells.
        yield Sheet(
            display_name, name, first_rows, progress, sheet.height * sheet.width * 16, reopen
        )


def open_ledger(
    path: str | Path, display_name: str | None = None, limits: Limits | None = None
) -> Iterator[Sheet]:
    """The sheets of a ledger file, detected by its suffix (then by its first bytes).

    With `limits`, a file over one is refused before anything is decompressed
    (its size and zip directory), or as soon as reading shows it (rows, cells).
    """
    path = Path(path)
    display_name = display_name or path.name
    if limits is not None:
        check_file(path, display_name, limits, scan=False)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        with open(path, "rb") as fh:
            magic = fh.read(8)
        # A workbook saved without its suffix: zip (xlsx/ods) or OLE (xls).
        if magic.startswith(b"PK\x03\x04") or magic.startswith(b"\xd0\xcf\x11\xe0"):
            suffix = ".xlsx"
        else:
            suffix = ".csv"
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path, display_name, limits)
    return read_csv(path, display_name, limits)


# --- the first rows only (the preview) --------------------------------------------------
_ROW_END = re.compile(rb"</((?:\w+:)?)row>")
HEAD_SHEET_BYTES = 4 * 1024 * 1024  # at most this much of a sheet's XML for its first rows


def open_ledger_head(
    path: str | Path, display_name: str | None, limits: Limits | None, rows: int
) -> Iterator[Sheet]:
    """The sheets of a ledger file, of which only the first `rows` rows will be read.

    CSV is streamed anyway. The workbook reader loads a whole sheet, so an xlsx
    is first copied with each sheet cut after its first `rows` rows (and at most
    HEAD_SHEET_BYTES of its XML): the preview reads the same cells the import
    will, from a few kilobytes of sheet. The shared strings are copied whole
    (the limits bound them). Other workbooks are read whole, within the limits.
    """
    path = Path(path)
    display_name = display_name or path.name
    if limits is not None:
        check_file(path, display_name, limits, scan=False)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        archive = None
    if archive is None or "xl/workbook.xml" not in archive.namelist():
        if archive is not None:
            archive.close()
        yield from open_ledger(path, display_name, limits)
        return
    with archive, tempfile.TemporaryDirectory(prefix="nuanxin-head-") as folder:
        head = Path(folder) / "head.xlsx"
        with zipfile.ZipFile(head, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in archive.infolist():
                if info.filename.lower().startswith(
                    "xl/worksheets/"
                ) and info.filename.lower().endswith(".xml"):
                    out.writestr(info.filename, _sheet_head(archive, info, rows))
                else:
                    with archive.open(info) as src, out.open(info.filename, "w") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
        yield from read_workbook(head, display_name, limits)


def _sheet_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, rows: int) -> bytes:
    """A worksheet's XML up to the end of its `rows`-th row, closed again."""
    data = bytearray()
    ends = 0
    cut, prefix = None, b""
    with archive.open(info) as part:
        while len(data) < HEAD_SHEET_BYTES:
            block = part.read(64 * 1024)
            if not block:
                return bytes(data)  # the whole sheet is short
            start = max(len(data) - 16, 0)  # a closing tag cut between two blocks
            data += block
            for match in _ROW_END.finditer(data, start):
                if cut is not None and match.end() <= cut:
                    continue
                ends += 1
                cut, prefix = match.end(), match.group(1)
                if ends >= rows:
                    break
            if ends >= rows:
                break
    if cut is None:  # no row ended within the bytes read: nothing to preview
        return b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    return bytes(data[:cut]) + b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"


def csv_rows_counted(path: Path, name: str, limits: Limits) -> int:
    """Every row of a CSV counted (a refusal says how many); a cell over its limit refused."""
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    delimiter = detect_delimiter(head.decode(encoding, "replace"))
    # Every row counted (the refusal says how many); a cell over its limit refused.
    rows = CsvRows(path, encoding, delimiter, 1, replace(limits, rows=sys.maxsize), name)
    try:
        return rows.skip(sys.maxsize)  # all of them: the refusal says how many
    finally:
        rows.text.close()


def read_table(path: Path, display_name: str) -> Iterator[tuple[str, Iterator[list]]]:
    """Any import's reader (core.tables, registered by the ledgers app): the ledger
    reader with the configured limits, its refusals as core.tables.TableError."""
    from django.utils.translation import gettext as _

    from nuanxin.core.tables import TableError

    limits = Limits.configured()
    try:
        if Path(display_name).suffix.lower() not in SUFFIXES:
            message = _("%(name)s: use .xlsx, .xls, .ods or .csv files.")
            raise LedgerFormatError(message % {"name": display_name})
        check_file(path, display_name, limits, csv_rows=csv_rows_counted)
        for sheet in open_ledger(path, display_name, limits):
            yield sheet.name, sheet.rows
    except (LedgerLimitError, LedgerFormatError, OSError) as exc:
        raise TableError(str(exc)) from None
