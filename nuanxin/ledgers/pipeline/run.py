"""The stages put together: stream every sheet of every file through
headers → validate → merge → write, a batch at a time.

Memory stays flat whatever the file size: rows are streamed, a batch of
records is held at a time, and across batches only the set of ID numbers
already seen is kept (about 100 MB for a million people).
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import queue as queue_module
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from .headers import find_header
from .merge import CREATED, UNCHANGED, UPDATED, Plan, merge, new_person
from .read import open_ledger
from .validate import R_ID, R_REGION, R_WARNINGS, RegionResolver, Validator
from .write import Writer

BATCH_ROWS = 5000
# Sheets at least this big are read and validated in a forked process while
# this one merges and writes: the two halves cost about the same, and the
# machine has two cores.
PARALLEL_MIN_BYTES: int | None = 4 * 1024 * 1024
CHUNK_ROWS = 2000
WARNING_DETAILS = 500  # warnings listed one by one in the summary; all are counted


@dataclass
class Rejection:
    file: str
    sheet: str
    row_number: int
    headers: list
    values: list
    reasons: list  # [(code, field, detail)]


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    warning_codes: Counter = field(default_factory=Counter)
    rejection_codes: Counter = field(default_factory=Counter)
    warning_details: list = field(default_factory=list)
    sheets: list = field(default_factory=list)

    def as_summary(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "warning_codes": dict(self.warning_codes),
            "rejection_codes": dict(self.rejection_codes),
            "warning_details": self.warning_details,
            "sheets": self.sheets,
        }


class Importer:
    """Runs the pipeline over files; the caller owns the transaction."""

    def __init__(
        self,
        *,
        regions,
        prefixes: list[str] | None,
        known_areas,
        source: str,
        on_rejected: Callable[[list[Rejection]], None],
        on_progress: Callable[[int, float], None] | None = None,
        today: dt.date | None = None,
        batch_rows: int = BATCH_ROWS,
        parallel: bool | None = None,
    ):
        self.resolver = RegionResolver(regions, prefixes)
        self.known_areas = known_areas
        self.today = today or dt.date.today()
        self.on_rejected = on_rejected
        self.on_progress = on_progress or (lambda rows, fraction: None)
        self.batch_rows = batch_rows
        self.parallel = parallel  # None: decide per sheet by its size
        self.writer = Writer(source=source)
        self.seen: set[str] = set()
        self.outcome = Outcome()
        # Who was created or changed, and in which districts: their visit duties
        # need recomputing once the import is in (services.ledger_import).
        self.touched = array("q")
        self.districts: set[str] = set()

    def run(self, files: list[tuple[str, str]]) -> Outcome:
        """`files`: (path, display name) pairs, oldest source first."""
        # Millions of small long-lived objects make the cyclic GC rescan the heap
        # again and again; the pipeline creates no cycles worth collecting early.
        thresholds = gc.get_threshold()
        gc.set_threshold(200_000, 50, 1000)
        try:
            for index, (path, name) in enumerate(files):
                for sheet in open_ledger(path, name):
                    self._sheet(sheet, lambda s=sheet, i=index: (i + s.progress()) / len(files))
            self.writer.finish()
        finally:
            gc.set_threshold(*thresholds)
        self.on_progress(self.outcome.rows, 1.0)
        return self.outcome

    # --- one sheet -------------------------------------------------------------
    def _sheet(self, sheet, fraction) -> None:
        header, leftover = find_header(sheet.rows)
        report = {"file": sheet.file, "sheet": sheet.name, "rows": 0, "rejected": 0}
        self.outcome.sheets.append(report)
        if header is None:
            nonblank = sum(1 for _n, cells in leftover if _filled(cells))
            nonblank += sum(1 for cells in sheet.rows if _filled(cells))
            report.update(header_row=None, skipped_rows=nonblank)
            if nonblank:
                self._warn(sheet.file, sheet.name, 0, "no_header", "", str(nonblank))
            return
        report.update(
            header_row=header.row_number,
            columns={f: header.headers[i] for f, i in header.columns.items()},
            unknown=header.unknown,
            duplicates=header.duplicates,
        )
        for unknown in header.unknown:
            self._warn(sheet.file, sheet.name, header.row_number, "unknown_column", "", unknown)
        validate = Validator(
            header.columns, resolver=self.resolver, known_areas=self.known_areas, today=self.today
        )
        stream = _validated(sheet, header, validate)
        parallel = self.parallel if self.parallel is not None else self._worth_a_process(sheet)
        if parallel:
            read_so_far = {"fraction": 0.0}
            # A valid row's cells are needed only to reject it for a stored person
            # outside the scope; otherwise they are not worth the trip.
            keep_cells = bool(self.writer.people_before) and self.resolver.prefixes is not None
            stream = _in_a_process(stream, sheet.progress, read_so_far, keep_cells)
            sheet.progress = lambda: read_so_far["fraction"]
        try:
            self._rows(sheet, header, stream, report, fraction)
        finally:
            stream.close()  # stops a reader process at once if writing failed

    def _rows(self, sheet, header, stream, report, fraction) -> None:
        batch: list = []
        for number, cells, record, reasons in stream:
            report["rows"] += 1
            if record is None:
                self._reject(sheet, header, number, cells, reasons, report)
            else:
                batch.append((number, cells, record))
            if len(batch) >= self.batch_rows:
                self._batch(sheet, header, batch, report)
                batch = []
                self.on_progress(self.outcome.rows, fraction())
        if batch:
            self._batch(sheet, header, batch, report)
        self.on_progress(self.outcome.rows, fraction())

    def _worth_a_process(self, sheet) -> bool:
        return (
            PARALLEL_MIN_BYTES is not None
            and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods()
            and sheet.size >= PARALLEL_MIN_BYTES
        )

    def _batch(self, sheet, header, batch, report) -> None:
        writer, seen, outcome = self.writer, self.seen, self.outcome
        ids = {rec[R_ID] for _n, _c, rec in batch}
        wanted = [i for i in ids if i in seen] if not writer.people_before else list(ids)
        stored = writer.load(wanted) if wanted else {}
        states: dict = {}
        plan = Plan()
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        districts = set()
        changed = []
        for number, cells, rec in batch:
            key = rec[R_ID]
            state = states.get(key) or stored.get(key)
            if state is None:
                states[key] = new_person(rec, plan)
                counts[CREATED] += 1
                districts.add(rec[R_REGION])
            elif state.pk is not None and not self.resolver.in_scope(state.fields["region_id"]):
                # The person is recorded outside the importer's region: not theirs to
                # change. (Someone this batch creates is inside it: their row said so.)
                self._reject(sheet, header, number, cells,
                             [("region_out_of_scope", "region", "")], report)  # fmt: skip
                continue
            else:
                states[key] = state
                result = merge(state, rec, plan, touched=key in seen)
                counts[result] += 1
                if result == UPDATED and state.pk is not None:
                    changed.append(state)
                    districts.add(state.fields["region_id"])
            seen.add(key)
            for code, fld, detail in rec[R_WARNINGS]:
                self._warn(sheet.file, sheet.name, number, code, fld, detail)
        outcome.rows += sum(counts.values())
        outcome.created += counts[CREATED]
        outcome.updated += counts[UPDATED]
        outcome.unchanged += counts[UNCHANGED]
        writer.flush(plan)
        self.touched.extend([state.pk for state in plan.new_people])
        self.touched.extend([state.pk for state in changed])
        self.districts.update(code[:6] for code in districts)

    # --- bookkeeping -----------------------------------------------------------
    def _reject(self, sheet, header, number, cells, reasons, report) -> None:
        self.outcome.rows += 1
        self.outcome.rejected += 1
        report["rejected"] += 1
        for code, _f, _d in reasons:
            self.outcome.rejection_codes[code] += 1
        if isinstance(cells, str):  # packed by a reader process (see _pack)
            cells = cells.split(_PACK_SEP)
        self.on_rejected(
            [Rejection(sheet.file, sheet.name, number, header.headers, _jsonable(cells), reasons)]
        )

    def _warn(self, file, sheet, number, code, fld, detail) -> None:
        outcome = self.outcome
        outcome.warnings += 1
        outcome.warning_codes[code] += 1
        if len(outcome.warning_details) < WARNING_DETAILS:
            outcome.warning_details.append([file, sheet, number, code, fld, str(detail)[:100]])


def _filled(cells) -> bool:
    """Not a blank row (spaces only count as blank)."""
    return any(cells) and any(
        c is not None and c != "" and (not isinstance(c, str) or c.strip()) for c in cells
    )


def _jsonable(cells) -> list:
    out = []
    for c in cells:
        if c is None or isinstance(c, str | int | float | bool):
            out.append(c)
        elif isinstance(c, dt.datetime | dt.date):
            out.append(c.isoformat())
        else:
            out.append(str(c))
    return out


# --- streams of validated rows ------------------------------------------------------
def _validated(sheet, header, validate):
    """(row number, cells, record or None, reasons) for every non-blank data row."""
    for number, cells in enumerate(sheet.rows, start=header.row_number + 1):
        try:
            filled = bool("".join(cells).strip())  # a CSV row: text only
        except TypeError:
            filled = _filled(cells)
        if filled:
            record, reasons = validate(cells)
            yield number, cells, record, reasons


def _in_a_process(stream, progress, read_so_far: dict, keep_cells: bool = True):
    """The same stream, produced by a forked child; chunks come back over a pipe.

    The child inherits the open file (or the loaded sheet) and never touches
    the database; it leaves with os._exit, so nothing of the parent's state
    (the open transaction above all) is finalised twice.
    """
    context = multiprocessing.get_context("fork")
    chunks = context.Queue(maxsize=16)
    child = context.Process(
        target=_produce, args=(stream, progress, chunks, keep_cells), daemon=True
    )
    child.start()
    try:
        while True:
            try:
                chunk = chunks.get(timeout=5)
            except queue_module.Empty:
                if not child.is_alive():
                    raise RuntimeError("the ledger reader stopped unexpectedly") from None
                continue
            if chunk is None:
                break
            if isinstance(chunk, str):
                raise RuntimeError(f"reading the ledger failed: {chunk}")
            rows, read_so_far["fraction"] = chunk
            yield from rows
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


_PACK_SEP = "\x1f"  # the ASCII unit separator (a cell holding it is sent unpacked)


def _pack(cells: list) -> list | str:
    """A CSV row's cells as one string, for the trip over the pipe.

    The parent needs a row's cells only if it rejects the row, yet unpickling
    eleven strings per row was about a third of what it spent unpickling; one
    string is several times cheaper. Rows that would not round-trip
    (workbook numbers and dates, a cell holding the separator) go as they are.
    """
    try:
        packed = _PACK_SEP.join(cells)
    except TypeError:
        return cells
    return packed if packed.count(_PACK_SEP) == len(cells) - 1 and cells else cells


def _produce(stream, progress, chunks, keep_cells: bool) -> None:
    try:
        chunk = []
        for number, cells, record, reasons in stream:
            packed = _pack(cells) if keep_cells or record is None else None
            chunk.append((number, packed, record, reasons))
            if len(chunk) >= CHUNK_ROWS:
                chunks.put((chunk, progress()))
                chunk = []
        if chunk:
            chunks.put((chunk, progress()))
        chunks.put(None)
    except BaseException as exc:  # reported to the parent, which rolls back
        chunks.put(f"{type(exc).__name__}: {exc}")
    finally:
        chunks.close()
        chunks.join_thread()
