"""Limits on what an import may read, checked before reading.

A workbook is a zip: a 200 KB file can hold a 200 MB shared string or gigabytes
of sheet XML, and the reader (python-calamine) loads the shared strings and a
whole sheet into memory. So the zip directory (the sizes each part declares) is
read first, before any part is decompressed, and a file over a limit is refused
with the limit named. The declared sizes are what the reader will decompress:
zipfile and calamine both stop at a part's declared size, so a part cannot lie
its way past the check.

Rows and cells are counted while reading (CSV) or checked as soon as a sheet's
size is known (workbooks), so an import over them fails at once, all or nothing.
"""

from __future__ import annotations

import re
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
# A worksheet states its extent in its first bytes (<dimension ref="A1:K1048576"/>).
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_HEAD_BYTES = 4096


class LedgerLimitError(ValueError):
    """The file is over one of the limits: refused whole, with the limit named."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Limits:
    bytes: int = 50 * MB  # the file as uploaded
    rows: int = 1_100_000  # rows of a file, all its sheets together
    uncompressed: int = 300 * MB  # a workbook's parts, decompressed, together
    ratio: int = 100  # decompressed size over compressed size, per part and overall
    shared_strings: int = 100 * MB  # a workbook's shared-strings part, decompressed
    cell: int = 32_767  # characters in one cell (Excel's own maximum)
    sheet_cells: int = 10_000_000  # rows x columns a workbook's sheet spans

    @classmethod
    def configured(cls) -> Limits:
        from django.conf import settings

        return cls(
            bytes=settings.LEDGER_MAX_BYTES,
            rows=settings.LEDGER_MAX_ROWS,
            uncompressed=settings.LEDGER_MAX_UNCOMPRESSED_BYTES,
            ratio=settings.LEDGER_MAX_COMPRESSION_RATIO,
            shared_strings=settings.LEDGER_MAX_SHARED_STRINGS_BYTES,
            cell=settings.LEDGER_MAX_CELL_CHARS,
            sheet_cells=settings.LEDGER_MAX_SHEET_CELLS,
        )

    # --- the refusals, each naming its limit --------------------------------------
    def too_big(self, name: str, size: int) -> LedgerLimitError:
        return _error("size", name, _size_message(), size=_mb(size), limit=_mb(self.bytes))

    def too_big_arriving(self, name: str) -> LedgerLimitError:
        """An upload stopped as it arrived, its full size unknown."""
        from django.utils.translation import gettext as _

        message = _(
            "%(name)s is more than %(limit)s, the limit for one file (NUANXIN_UPLOAD_MAX_MB)."
        )
        return _error("size", name, message, limit=_mb(self.bytes))

    def too_many_rows(self, name: str, rows: int | None = None) -> LedgerLimitError:
        from django.utils.translation import gettext as _

        if rows is None:
            message = _(
                "%(name)s has more than %(limit)s rows, the limit for one file"
                " (NUANXIN_IMPORT_MAX_ROWS). Split it into smaller files."
            )
        else:
            message = _(
                "%(name)s has %(rows)s rows, more than %(limit)s, the limit for one file"
                " (NUANXIN_IMPORT_MAX_ROWS). Split it into smaller files."
            )
        return _error("rows", name, message, rows=f"{rows or 0:,}", limit=f"{self.rows:,}")

    def cell_too_long(self, name: str, where: str = "") -> LedgerLimitError:
        from django.utils.translation import gettext as _

        message = _(
            "%(name)s has a cell longer than %(limit)s characters%(where)s, the limit for"
            " one cell (NUANXIN_IMPORT_MAX_CELL_CHARS)."
        )
        return _error("cell", name, message, limit=f"{self.cell:,}", where=where)


def _error(code: str, name: str, message: str, **values) -> LedgerLimitError:
    return LedgerLimitError(code, message % {"name": name, **values})


def _size_message() -> str:
    from django.utils.translation import gettext as _

    return _(
        "%(name)s is %(size)s, more than %(limit)s, the limit for one file (NUANXIN_UPLOAD_MAX_MB)."
    )


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} B"


def check_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.bytes:
        raise limits.too_big(name, size)


def check_file(
    path: str | Path, name: str, limits: Limits, *, scan: bool = True, csv_rows=None
) -> None:
    """Refuse a file over a limit, reading only its zip directory and first bytes.

    `scan` (at upload) also counts a CSV's lines (a few hundredths of a second
    for 50 MB) and reads every xlsx worksheet for the cells it spans (a few
    seconds for the largest allowed), so that a file over the limits is refused
    before its preview. Reading a file already checked, the directory suffices;
    the import counts rows and cells as it reads them either way. `csv_rows(path,
    name, limits)` counts a CSV's rows exactly when its lines are over the limit
    (the reader's, passed in: the reader imports this module, not the reverse).
    """
    path = Path(path)
    check_size(name, path.stat().st_size, limits)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        check_zip(path, name, limits, scan=scan)
    elif scan and magic[:4] != b"\xd0\xcf\x11\xe0" and path.suffix.lower() not in {
        ".xlsx", ".xlsm", ".xlsb", ".ods", ".xls"
    }:  # fmt: skip
        _count_lines(path, name, limits, csv_rows)


# What reading a damaged, encrypted or oddly compressed zip part raises.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def check_zip(path: Path, name: str, limits: Limits, *, scan: bool = True) -> None:
    """A workbook's decompressed size, compression ratio, shared strings and rows,
    from its zip directory (and the first bytes of each worksheet)."""
    from django.utils.translation import gettext as _

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the reader refuses it as a format error
    try:
        _check_archive(archive, name, limits, scan)
    except _UNREADABLE:
        # A part that cannot be unpacked as its directory says (a damaged file,
        # or one whose sizes lie): refused, never read further.
        message = _("%(name)s cannot be read: the workbook is damaged or encrypted.")
        raise _error("unreadable", name, message) from None
    finally:
        archive.close()


def _check_archive(archive: zipfile.ZipFile, name: str, limits: Limits, scan: bool) -> None:
    from django.utils.translation import gettext as _

    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.uncompressed:
        message = _(
            "%(name)s unpacks to %(size)s, more than %(limit)s, the limit for a workbook"
            " (NUANXIN_UPLOAD_MAX_UNCOMPRESSED_MB)."
        )
        raise _error("uncompressed", name, message, size=_mb(total), limit=_mb(limits.uncompressed))
    for info in infos:
        if info.file_size > limits.shared_strings and _is_shared_strings(info.filename):
            message = _(
                "%(name)s holds %(size)s of shared text, more than %(limit)s, the limit"
                " for a workbook's shared strings (NUANXIN_UPLOAD_MAX_SHARED_STRINGS_MB)."
            )
            raise _error(
                "shared_strings", name, message,
                size=_mb(info.file_size), limit=_mb(limits.shared_strings),
            )  # fmt: skip
    # Small parts compress little or a lot without mattering; a part, or the whole,
    # that unpacks to over a megabyte at a ratio no spreadsheet reaches is a bomb.
    ratios = [(i.file_size, i.compress_size) for i in infos if i.file_size > MB]
    if total > MB:
        ratios.append((total, packed))
    for size, compressed in ratios:
        if size > limits.ratio * max(compressed, 1):
            message = _(
                "%(name)s is compressed %(ratio)s to 1, more than %(limit)s to 1, the limit"
                " for a workbook (NUANXIN_UPLOAD_MAX_COMPRESSION_RATIO)."
            )
            raise _error(
                "ratio", name, message,
                ratio=f"{size // max(compressed, 1):,}", limit=f"{limits.ratio:,}",
            )  # fmt: skip
    rows = 0
    if scan and "content.xml" in archive.namelist():  # OpenDocument: all sheets in one part
        for height, width in _ods_extents(archive, archive.getinfo("content.xml")):
            _check_extent(name, height, width, limits)
            rows += height
            if rows > limits.rows:
                raise limits.too_many_rows(name, rows)
    for info in infos:
        if _is_worksheet(info.filename):
            if scan:
                height, width = _extent(archive, info)
                _check_extent(name, height, width, limits)
            else:
                height = _declared_rows(archive, info)
            rows += height
            if rows > limits.rows:
                raise limits.too_many_rows(name, rows)


def _check_extent(name: str, height: int, width: int, limits: Limits) -> None:
    from django.utils.translation import gettext as _

    if height * width > limits.sheet_cells:
        message = _(
            "%(name)s has a sheet spanning %(rows)s rows by %(columns)s columns,"
            " more than %(limit)s cells, the limit for a sheet"
            " (NUANXIN_IMPORT_MAX_SHEET_CELLS)."
        )
        raise _error(
            "sheet_cells", name, message, rows=f"{height:,}",
            columns=f"{width:,}", limit=f"{limits.sheet_cells:,}",
        )  # fmt: skip


def _is_shared_strings(filename: str) -> bool:
    return filename.lower().rsplit("/", 1)[-1].startswith("sharedstrings")


def _is_worksheet(filename: str) -> bool:
    lower = filename.lower()
    return lower.startswith("xl/worksheets/") and lower.endswith(".xml")


def _declared_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The last row a worksheet says it uses (0 if it does not say): a hint that
    refuses a too-long sheet before it is loaded; the reader checks the truth."""
    with archive.open(info) as part:
        head = part.read(_HEAD_BYTES)
    found = _DIMENSION.search(head)
    return int(found.group(1)) if found and found.group(1) else 0


# Cell and row references (r="K12", r="12"): the reader makes a sheet as big as
# its farthest cell, so two cells far apart in a 5 KB file would take gigabytes.
# XML lets an attribute follow any white space and take either quote, and a
# reader may not care for case: each block is folded to one form first.
_FOLD = bytes.maketrans(b"\t\r\n'abcdefghijklmnopqrstuvwxyz", b'   "ABCDEFGHIJKLMNOPQRSTUVWXYZ')
# Leading zeros are left out of a row number, so that the longest is the largest.
_ROW_REF = re.compile(rb' R="[A-Z]{0,3}0*(\d+)"')
_COLUMN_REF = re.compile(rb' R="([A-Z]{1,3})\d')


def _column(letters: bytes) -> int:
    index = 0
    for c in letters:
        index = index * 26 + c - 64
    return index


def _farthest(values: list[bytes]) -> bytes:
    """The largest of digit strings without leading zeros, or of column letters:
    the longest, then the last in order (no number made of each)."""
    longest = max(map(len, values))
    return max(v for v in values if len(v) == longest)


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The rows and columns a worksheet spans: its farthest row and column."""
    height, width, tail = 0, 0, b""
    with archive.open(info) as part:
        while True:
            block = part.read(4 * MB)
            data = (tail + block).translate(_FOLD)
            cut = data.rfind(b" ") if block else len(data)  # a reference is never cut in two
            if cut < 0:
                cut = len(data)
            chunk, tail = data[:cut], data[cut:]
            numbers = _ROW_REF.findall(chunk)
            if numbers:
                height = max(height, int(_farthest(numbers)))
            columns = _COLUMN_REF.findall(chunk)
            if columns:
                width = max(width, _column(_farthest(columns)))
            if not block:
                break
    return height, max(width, 1)


# OpenDocument repeats a cell or a row by an attribute: a kilobyte can stand for
# a billion cells, and the reader expands repeated cells that hold a value.
_ODS_TAG = re.compile(
    rb"<table:(?:covered-)?table(?:-row|-column|-cell)?(?=[\s/>])[^>]*>|</table:table(?:-row)?>"
)
_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="(\d+)"')
_ODS_ROWS = re.compile(rb'number-rows-repeated="(\d+)"')
_ODS_COLUMNS = re.compile(rb'number-columns-repeated="(\d+)"')


def _ods_extents(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[tuple[int, int]]:
    """(rows, columns) each sheet spans to its farthest cell holding something.

    Empty repeated cells and rows (an OpenDocument sheet ends with a million of
    them) span nothing. A repetition the tags do not account for (hidden in an
    attribute value, say) counts as a sheet without end.
    """
    extents: list[tuple[int, int]] = []
    height = width = row = column = row_width = 0
    repeat = 1
    seen = found = 0
    tail = b""
    with archive.open(info) as part:
        while True:
            block = part.read(4 * MB)
            data = tail + block
            cut = data.rfind(b"<") if block else len(data)
            chunk, tail = data[:cut], data[cut:]
            found += len(_ODS_REPEAT.findall(chunk))
            for match in _ODS_TAG.finditer(chunk):
                tag = match.group()
                if tag.startswith(b"<table:table-column"):
                    seen += bool(_ODS_COLUMNS.search(tag))  # a column's style: no cells
                elif tag.startswith(b"<table:table-row"):
                    counted = _ODS_ROWS.search(tag)
                    seen += bool(counted)
                    repeat = int(counted.group(1)) if counted else 1
                    column = row_width = 0
                    if tag.endswith(b"/>"):
                        row += repeat
                elif tag == b"</table:table-row>":
                    if row_width:
                        height, width = row + repeat, max(width, row_width)
                    row += repeat
                elif tag.startswith(b"<table:table-cell") or tag.startswith(b"<table:covered"):
                    counted = _ODS_COLUMNS.search(tag)
                    seen += bool(counted)
                    span = int(counted.group(1)) if counted else 1
                    column += span
                    if not tag.endswith(b"/>") or b"value-type" in tag:
                        row_width = column
                elif tag == b"</table:table>":
                    extents.append((height, width))
                    height = width = row = 0
                else:  # a table starts
                    height = width = row = 0
            if not block:
                break
    if seen != found:
        extents.append((sys.maxsize, sys.maxsize))
    return extents


def _count_lines(path: Path, name: str, limits: Limits, csv_rows) -> None:
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(MB):
            lines += block.count(b"\n")
    # A quoted cell may run over several lines, so more lines than the limit is
    # not yet more rows; the import counts rows exactly.
    if lines > limits.rows and csv_rows is not None:
        rows = csv_rows(path, name, limits)
        if rows > limits.rows:
            raise limits.too_many_rows(name, rows)
