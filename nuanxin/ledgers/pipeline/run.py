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
from itertools import count, islice

from .headers import find_header
from .limits import LedgerLimitError, Limits
from .merge import CREATED, UNCHANGED, UPDATED, Plan, merge, new_person
from .read import open_ledger
from .validate import (
    R_CONTACTS,
    R_DISABILITY,
    R_ID,
    R_REGION,
    R_RESIDENCE,
    R_WARNINGS,
    RegionResolver,
    Validator,
)
from .write import Writer

BATCH_ROWS = 5000
# Sheets at least this big are read and validated in forked processes while
# this one merges and writes.
PARALLEL_MIN_BYTES: int | None = 4 * 1024 * 1024
CHUNK_ROWS = 2000
# Two readers keep the writer busy: validating a row costs more than writing
# it. Niced, so that the writer gets a core whenever it can use one.
READERS = 2
READER_NICENESS = 5
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
    created_sample: list = field(default_factory=list)  # the first people created, for links

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
            "created_sample": self.created_sample,
        }


# How many of the people an import created its result page links to.
CREATED_SAMPLE = 20


def _everywhere(scope) -> bool:
    return scope is None or scope.everywhere


class Importer:
    """Runs the pipeline over files; the caller owns the transaction."""

    def __init__(
        self,
        *,
        regions,
        scope,
        known_areas,
        source: str,
        on_rejected: Callable[[list[Rejection]], None],
        on_read: Callable[[], None] | None = None,
        on_progress: Callable[[int, float], None] | None = None,
        today: dt.date | None = None,
        batch_rows: int = BATCH_ROWS,
        parallel: bool | None = None,
        limits: Limits | None = None,
        retired=None,
    ):
        self.resolver = RegionResolver(regions, scope, retired)
        self.known_areas = known_areas
        self.today = today or dt.date.today()
        self.on_rejected = on_rejected
        self.on_read = on_read or (lambda: None)  # every row read, indexes not yet built
        self.on_progress = on_progress or (lambda rows, fraction: None)
        self.batch_rows = batch_rows
        self.parallel = parallel  # None: decide per sheet by its size
        self.limits = limits  # None: no limits (the caller has checked the files)
        self.writer = Writer(source=source)
        # ID number -> id of everyone this import has named so far: a person named
        # again is found by id, which needs no ID-number index (a first import
        # into an empty registry builds that index at the end).
        self.seen: dict[str, int] = {}
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
                for sheet in open_ledger(path, name, self.limits):
                    self._sheet(sheet, lambda s=sheet, i=index: (i + s.progress()) / len(files))
            self.on_read()
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
        parallel = self.parallel if self.parallel is not None else self._worth_a_process(sheet)
        if parallel and sheet.reopen is not None:
            read_so_far = {"fraction": 0.0}
            # A valid row's cells are needed only to reject it for a stored person
            # outside the scope; otherwise they are not worth the trip.
            keep_cells = bool(self.writer.people_before) and not _everywhere(self.resolver.scope)
            stream = _in_processes(sheet, header, validate, read_so_far, keep_cells)
            sheet.progress = lambda: read_so_far["fraction"]
        else:
            stream = _validated(sheet.rows, header.row_number + 1, validate)
        try:
            self._rows(sheet, header, stream, report, fraction)
        finally:
            stream.close()  # stops the reader processes at once if writing failed

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
        # Whom this batch names again: people earlier batches created or changed
        # (found by their id), and, unless the registry was empty, people stored
        # before the import (found by ID number).
        ids = {rec[R_ID] for _n, _c, rec in batch}
        again = [seen[i] for i in ids if i in seen]
        before = [i for i in ids if i not in seen] if writer.people_before else []
        stored = writer.load(pks=again, id_numbers=before) if again or before else {}
        states: dict = {}  # ID number -> PersonState, for people this batch merges into
        bare: dict = {}  # ID number -> index in plan.new_people of a record not merged yet
        named: set = set()  # ID numbers this batch has named
        plan = Plan()
        new_people = plan.new_people
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        districts = set()
        changed = []
        for number, cells, rec in batch:
            key = rec[R_ID]
            state = states.get(key)
            if state is None:
                at = bare.pop(key, None)
                if at is not None:  # named again in this batch: from now on a full state
                    state = states[key] = new_people[at] = new_person(new_people[at], plan)
                else:
                    state = stored.get(key)
                    if state is not None:
                        states[key] = state
            if state is None:
                # The common case of a first import: the record is the new row.
                if rec[R_DISABILITY] or rec[R_CONTACTS]:
                    states[key] = new_person(rec, plan)
                    new_people.append(states[key])
                else:
                    bare[key] = len(new_people)
                    new_people.append(rec)
                counts[CREATED] += 1
                districts.add(rec[R_REGION])
                districts.add(rec[R_RESIDENCE])
            elif state.pk is not None and not self.resolver.in_scope(
                state.fields["registered_region_id"]
            ):
                # The person is registered outside the importer's region: not theirs to
                # change (ledgers follow the registration, 户籍地). Someone this batch
                # creates is inside it: their row said so.
                self._reject(sheet, header, number, cells,
                             [("region_out_of_scope", "region", "")], report)  # fmt: skip
                continue
            else:
                touched = key in seen or key in named or state.pk is None
                result = merge(state, rec, plan, touched=touched)
                counts[result] += 1
                if result == UPDATED and state.pk is not None:
                    changed.append(state)
                    districts.add(state.fields["region_id"])
            named.add(key)
            if rec[R_WARNINGS]:
                for code, fld, detail in rec[R_WARNINGS]:
                    self._warn(sheet.file, sheet.name, number, code, fld, detail)
        outcome.rows += sum(counts.values())
        outcome.created += counts[CREATED]
        outcome.updated += counts[UPDATED]
        outcome.unchanged += counts[UNCHANGED]
        keys = [e[R_ID] if type(e) is tuple else e.record[R_ID] for e in new_people]
        created = writer.flush(plan)
        room = CREATED_SAMPLE - len(outcome.created_sample)
        if room > 0:
            outcome.created_sample.extend(created[:room])
        seen.update(zip(keys, created, strict=True))
        for key, state in states.items():
            if state.pk is not None:
                seen[key] = state.pk
        self.touched.extend(created)
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
def _validated(rows, first_number: int, validate):
    """(row number, cells, record or None, reasons) for every non-blank data row."""
    for number, cells in enumerate(rows, start=first_number):
        try:
            filled = bool("".join(cells).strip())  # a CSV row: text only
        except TypeError:
            filled = _filled(cells)
        if filled:
            record, reasons = validate(cells)
            yield number, cells, record, reasons


def _in_processes(sheet, header, validate, read_so_far: dict, keep_cells: bool):
    """The same stream, validated by READERS forked children taking turns.

    Each child reads the whole sheet, passing over the others' rows without
    parsing them where it can, and validates every READERS-th chunk of
    CHUNK_ROWS rows; this process takes the
    chunks back in turn, so rows arrive in file order. The children never touch
    the database and leave with os._exit, so nothing of this process's state
    (the open transaction above all) is finalised twice.
    """
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=8) for _ in range(READERS)]
    children = [
        context.Process(
            target=_produce,
            args=(sheet, header.row_number, validate, turn, queues[turn], keep_cells),
            daemon=True,
        )
        for turn in range(READERS)
    ]
    # The children need not scan (and so copy) the heap they inherit.
    gc.freeze()
    try:
        for child in children:
            child.start()
    finally:
        gc.unfreeze()
    try:
        turn = 0
        while True:
            chunk = _next_chunk(queues[turn], children[turn])
            if chunk is None:
                break
            rows, read_so_far["fraction"] = chunk
            yield from rows
            turn = (turn + 1) % READERS
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


def _next_chunk(chunks, child):
    while True:
        try:
            chunk = chunks.get(timeout=5)
        except queue_module.Empty:
            if not child.is_alive():
                raise RuntimeError("the ledger reader stopped unexpectedly") from None
            continue
        if isinstance(chunk, tuple) and chunk and chunk[0] == _LIMIT:
            raise LedgerLimitError(chunk[1], chunk[2])  # the same refusal as reading here
        if isinstance(chunk, str):
            raise RuntimeError(f"reading the ledger failed: {chunk}")
        return chunk


_LIMIT = "limit"  # a reader's refusal over a limit, sent as (_LIMIT, code, message)
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


def _produce(sheet, header_row: int, validate, turn: int, chunks, keep_cells: bool) -> None:
    try:
        # The writer is the import's critical path: it should not wait for a core.
        os.nice(READER_NICENESS)
        rows, progress = sheet.reopen()
        skip = getattr(rows, "skip", None) or (lambda n: sum(1 for _ in islice(rows, n)))
        skip(header_row)
        start = header_row + 1
        for index in count():
            if index % READERS == turn:
                block = list(islice(rows, CHUNK_ROWS))
                if not block:
                    break
                chunk = [
                    (number, _pack(cells) if keep_cells or record is None else None, record,
                     reasons)
                    for number, cells, record, reasons in _validated(block, start, validate)
                ]  # fmt: skip
                chunks.put((chunk, progress()))
                start += len(block)
            else:
                skipped = skip(CHUNK_ROWS)
                if not skipped:
                    break
                start += skipped
        chunks.put(None)
    except LedgerLimitError as exc:
        chunks.put((_LIMIT, exc.code, str(exc)))
    except BaseException as exc:  # reported to the parent, which rolls back
        chunks.put(f"{type(exc).__name__}: {exc}")
    finally:
        chunks.close()
        chunks.join_thread()
