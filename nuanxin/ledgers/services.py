"""Every write of the ledgers app: import runs, their rejected rows, exports."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.core.xlsx import LedgerSheet, write_ledger
from nuanxin.regions.models import Region
from nuanxin.regions.selectors import known_area_codes
from nuanxin.registry.selectors import person_list
from nuanxin.visits import derive
from nuanxin.visits.tasks import schedules_refresh_task

from .models import ImportRun, RejectedRow, RunStatus
from .pipeline.headers import HEADERS
from .pipeline.limits import LedgerLimitError, Limits, check_file, check_size
from .pipeline.normalise import CATEGORY_EXPORT_NAMES, LIVING_EXPORT_NAMES, STATUS_EXPORT_NAMES
from .pipeline.read import SUFFIXES, LedgerFormatError, csv_rows_counted
from .pipeline.run import Importer, Rejection
from .pipeline.validate import MESSAGES
from .pipeline.write import wal_checkpoint_deferred
from .selectors import retired_regions

REJECTED_FLUSH = 1000
INLINE_REFRESH = 2000  # people; more are refreshed by a task after the import


def runs_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "ledgers" / "runs"


def run_dir(run: ImportRun) -> Path:
    return runs_dir() / str(run.pk)


def _require_importer(user) -> None:
    if user is not None and not access.can(user, access.Action.CHANGE):
        raise PermissionDenied(_("You may not import ledgers."))


# --- creating a run ------------------------------------------------------------
def import_run_create(*, user, files: Iterable, language: str = "", copy: bool = True) -> ImportRun:
    """A pending run holding the files: uploads (name + chunks) or paths.

    Paths given with copy=False are read in place (the command line); uploads are
    stored under MEDIA_ROOT/ledgers/runs/<id>/ until the run is deleted.

    Every file is checked against the limits (pipeline/limits.py) before it is
    read: an upload over the size limit is not even stored. A refused upload
    leaves nothing on disk and no run, and is audited like an import.
    """
    _require_importer(user)
    limits = Limits.configured()
    files = list(files)
    names = [Path(str(f) if isinstance(f, str | Path) else f.name).name for f in files]
    folder, stored = None, False
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=user if user is not None else None,
                username=user.get_username() if user is not None else "",
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
            )
            folder = run_dir(run)
            run.files = _store(folder, files, copy, limits)
            run.save(update_fields=["files"])
        stored = True
        return run
    except (ValidationError, LedgerLimitError, LedgerFormatError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _import_refused(user, names, message, getattr(exc, "code", None) or "refused")
        if not isinstance(exc, ValidationError):
            raise ValidationError(message, code=getattr(exc, "code", "format")) from None
        raise
    except Exception as exc:
        _import_refused(user, names, f"{type(exc).__name__}: {exc}", "error")
        raise
    finally:
        # The run's row was rolled back on any refusal: nothing may stay on disk.
        if folder is not None and not stored:
            shutil.rmtree(folder, ignore_errors=True)


def _store(folder: Path, files: list, copy: bool, limits: Limits) -> list[dict]:
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for index, item in enumerate(files):
        if isinstance(item, str | Path):
            name, source = Path(item).name, Path(item)
            if not source.is_file():
                raise ValidationError(_("%(name)s is not a file.") % {"name": str(item)})
        else:
            name = Path(item.name).name
        # Before a byte is stored: the suffix, and an upload's size as sent.
        if Path(name).suffix.lower() not in SUFFIXES:
            raise ValidationError(
                _("%(name)s: use .xlsx, .xls, .ods or .csv files.") % {"name": name}
            )
        if isinstance(item, str | Path):
            check_file(source, name, limits, csv_rows=csv_rows_counted)
            path = source
            if copy:
                path = folder / f"{index:02d}-{name}"
                shutil.copyfile(source, path)
        else:
            check_size(name, item.size, limits)
            path = folder / f"{index:02d}-{name}"
            with open(path, "wb") as out:
                for chunk in item.chunks():
                    out.write(chunk)
            check_file(path, name, limits, csv_rows=csv_rows_counted)
        stored.append({"name": name, "path": str(path.resolve())})
    if not stored:
        raise ValidationError(_("Choose at least one file."))
    return stored


def import_uploads_refused(*, user, names: list[str]) -> ValidationError:
    """Uploads stopped as they arrived, over the size limit (views.SizeLimitedUpload):
    audited like any refused upload; the refusal, naming the limit, to show."""
    limits = Limits.configured()
    message = "; ".join(str(limits.too_big_arriving(name)) for name in names)
    _import_refused(user, names, message, "size")
    return ValidationError(message, code="size")


def _import_refused(user, names: list[str], message: str, code: str) -> None:
    """A refused upload is audited like an import: who, which files, and why."""
    audit_record(
        user=user,
        action=AuditAction.IMPORT,
        object_type="ledgers.importrun",
        object_repr=f"{_('ledger import')}: " + ", ".join(names),
        changes={"result": "refused", "limit": code, "error": message[:500], "files": names},
    )


# --- progress, outside the import's transaction --------------------------------
def _progress_path(run: ImportRun) -> Path:
    return run_dir(run) / "progress.json"


def progress_write(run: ImportRun, rows: int, fraction: float) -> None:
    """Progress goes to a small file: the import's own transaction holds SQLite's
    write lock, and its row updates would not be visible until it commits."""
    path = _progress_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": rows, "fraction": round(fraction, 4)}))
    os.replace(tmp, path)


def progress_read(run: ImportRun) -> dict:
    if run.status == RunStatus.DONE:
        return {"rows": run.summary.get("rows", 0), "fraction": 1.0}
    try:
        return json.loads(_progress_path(run).read_text())
    except (OSError, ValueError):
        return {"rows": 0, "fraction": 0.0}


# --- the import ----------------------------------------------------------------
def ledger_import(*, run: ImportRun, batch_rows: int | None = None, on_progress=None) -> ImportRun:
    """Run the pipeline for `run` in one transaction: all or nothing.

    On failure the database is as it was, and the run records the error.
    """
    user = run.user
    if run.status not in (RunStatus.PENDING, RunStatus.FAILED):
        raise ValidationError(_("This import has already run."))
    run.status, run.started_at, run.error = RunStatus.RUNNING, timezone.now(), ""
    run.save(update_fields=["status", "started_at", "error"])
    progress_write(run, 0, 0.0)
    report = _ReportWriter(run)
    # Everything this connection writes until the end, the run's own rows
    # included, leaves SQLite's checkpoint to a thread (see write.py).
    with wal_checkpoint_deferred():
        try:
            with transaction.atomic():
                summary, touched, districts = _import(run, user, batch_rows, on_progress, report)
                _duties_refresh(touched, districts)
                run.status, run.summary, run.finished_at = RunStatus.DONE, summary, timezone.now()
                run.rows_total = run.rows_done = summary["rows"]
                run.save()
                audit_record(
                    user=user,
                    action=AuditAction.IMPORT,
                    obj=run,
                    object_repr=f"{_('ledger import')} #{run.pk}: "
                    + ", ".join(f["name"] for f in run.files),
                    changes={
                        k: summary[k]
                        for k in ("rows", "created", "updated", "unchanged", "rejected", "warnings")
                    },
                )
        except Exception as exc:
            report.discard()
            run.status, run.error = RunStatus.FAILED, str(exc)[:2000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            # Audited like a successful import, after the rollback that undid it.
            audit_record(
                user=user,
                action=AuditAction.IMPORT,
                obj=run,
                object_repr=f"{_('ledger import')} #{run.pk}: "
                + ", ".join(f["name"] for f in run.files),
                changes={
                    "result": "failed",
                    "limit": getattr(exc, "code", "") if isinstance(exc, LedgerLimitError) else "",
                    "error": str(exc)[:500],
                },
            )
            _uploads_delete(run)
            raise
        if run.summary.get("rejected"):
            run.error_report = str(report.result())
            run.save(update_fields=["error_report"])
    return run


class _ReportWriter:
    """Writes the error report in a thread while the import finishes.

    Building the indexes and committing happen inside SQLite, which lets other
    threads run, so the report (seconds for tens of thousands of rows) costs
    the import next to nothing. It is written from the rejected rows kept in
    memory; past KEEP_REJECTED of them, from the table after the commit.
    """

    # About 1 KB a row: at most ~50 MB held, whatever the file (an import stays
    # under 1 GiB; see pipeline/limits.py).
    KEEP_REJECTED = 50_000

    def __init__(self, run: ImportRun):
        self.run = run
        self.rows: list[Rejection] | None = []
        self.thread: threading.Thread | None = None
        self.outcome: dict = {}

    def keep(self, rows: list[Rejection]) -> None:
        if self.rows is not None:
            self.rows.extend(rows)
            if len(self.rows) > self.KEEP_REJECTED:
                self.rows = None

    def start(self) -> None:
        """Called once every row has been read (the transaction is still open)."""
        if not self.rows:
            return

        def write() -> None:
            try:
                self.outcome["path"] = error_report_write(run=self.run, rows=self.rows)
            except BaseException as exc:  # re-raised in result()
                self.outcome["error"] = exc

        self.thread = threading.Thread(target=write, name=f"error-report-{self.run.pk}")
        self.thread.start()

    def result(self) -> Path:
        if self.thread is None:
            return error_report_write(run=self.run)
        self.thread.join()
        if "error" in self.outcome:
            raise self.outcome["error"]
        return self.outcome["path"]

    def discard(self) -> None:
        """The import failed: no report of rows that were never imported."""
        if self.thread is not None:
            self.thread.join()
            if "path" in self.outcome:
                self.outcome["path"].unlink(missing_ok=True)


def _import(run: ImportRun, user, batch_rows: int | None, on_progress, report) -> dict:
    scope = access.scope(user, access.Action.CHANGE)
    pending: list[tuple] = []

    def rejected(rows: list[Rejection]) -> None:
        report.keep(rows)
        pending.extend(
            (run.pk, r.file[:255], r.sheet[:100], r.row_number, json.dumps(r.headers,
             ensure_ascii=False), json.dumps(r.values, ensure_ascii=False),
             json.dumps([list(x) for x in r.reasons], ensure_ascii=False))
            for r in rows
        )  # fmt: skip
        if len(pending) >= REJECTED_FLUSH:
            _rejected_insert(pending)
            pending.clear()

    def progress(rows: int, fraction: float) -> None:
        progress_write(run, rows, fraction)
        if on_progress is not None:
            on_progress(rows, fraction)

    importer = Importer(
        regions=Region.objects.current().values_list("code", "name", "level"),
        scope=scope,
        retired=retired_regions(),
        known_areas=known_area_codes(),
        source=f"{_('import')} #{run.pk}",
        on_rejected=rejected,
        on_read=report.start,
        on_progress=progress,
        limits=Limits.configured(),
        **({"batch_rows": batch_rows} if batch_rows else {}),
    )
    outcome = importer.run([(f["path"], f["name"]) for f in run.files])
    if pending:
        _rejected_insert(pending)
    return outcome.as_summary(), importer.touched, importer.districts


def _uploads_delete(run: ImportRun) -> None:
    """A failed run keeps no upload on disk: its folder goes (the uploads, the
    progress file). Files the command read in place lie outside it and stay."""
    shutil.rmtree(run_dir(run), ignore_errors=True)


def _duties_refresh(person_ids, districts: set[str]) -> None:
    """Recompute the tier and visit duty of everyone the import created or changed.

    The importer writes past the ORM, so the registry's signals that keep the
    visits app current do not fire. A small import refreshes its people inside
    its own transaction, person by person; a big one (a first load) queues a
    rebuild per district once it has committed: the set-based rebuild
    (visits/rebuild.py), everyone under the district in a few SQL statements.
    """
    if not person_ids:
        return
    if len(person_ids) <= INLINE_REFRESH:
        derive.schedules_refresh(person_ids=sorted(set(person_ids)))
        return

    def enqueue():
        for prefix in sorted(districts):
            schedules_refresh_task.enqueue(prefix=prefix)

    transaction.on_commit(enqueue)


def _rejected_insert(rows: list[tuple]) -> None:
    """Rejected rows by the thousand, in SQL like the registry rows (see pipeline/write.py)."""
    table = RejectedRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO {table} (run_id, file, sheet, row_number, headers, "values", reasons)'
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


# --- the error report ----------------------------------------------------------
FIELD_LABELS = {name: names[0] for name, names in HEADERS.items()}
FIELD_LABELS.update(region="所属区县/街道/社区", contact="联系人")


def reason_text(reasons) -> str:
    parts = []
    for code, field, detail in reasons:
        message = str(MESSAGES.get(code, code))
        label = FIELD_LABELS.get(field, field)
        parts.append(f"{label}: {message}" + (f" ({detail})" if detail else ""))
    return "; ".join(parts)


def error_report_write(*, run: ImportRun, rows: Iterable | None = None) -> Path:
    """An xlsx per source sheet: the original columns, then the reason and source.

    Correct the cells, delete nothing, and import the file again: the two extra
    columns are recognised and ignored. `rows` are the rejected rows (anything
    with RejectedRow's fields), by default the run's stored ones.
    """
    path = run_dir(run) / f"errors-{run.pk}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    if rows is None:
        groups = _stored_groups(run)
    else:
        groups = {}
        for row in rows:
            groups.setdefault((row.file, row.sheet), []).append(row)
    with translation.override(run.language or settings.LANGUAGE_CODE):
        reason_header, source_header = _("Reason"), _("Source")

        def sheets():
            for (file, sheet), rows in groups.items():
                if isinstance(rows, _StoredGroup):
                    headers = rows.widest_headers()
                else:
                    headers = max((r.headers for r in rows), key=len)
                width = len(headers)
                yield LedgerSheet(
                    title=sheet or Path(file).stem,
                    headers=[*headers, reason_header, source_header],
                    rows=(
                        [
                            *_cells(r.values, width),
                            reason_text(r.reasons),
                            f"{r.file} {r.sheet} #{r.row_number}".replace("  ", " "),
                        ]
                        for r in rows
                    ),
                )

        write_ledger(path, sheets())
    return path


class _StoredGroup:
    """The rejected rows of one source sheet, read from the table as they are
    written: a million rejected rows never sit in memory at once."""

    def __init__(self, run: ImportRun, file: str, sheet: str):
        self.rows = run.rejected_rows.filter(file=file, sheet=sheet).order_by("id")

    def __iter__(self):
        return self.rows.iterator(chunk_size=2000)

    def widest_headers(self) -> list:
        headers = self.rows.values_list("headers", flat=True).iterator(chunk_size=2000)
        return max(headers, key=len, default=[])


def _stored_groups(run: ImportRun) -> dict:
    """(file, sheet) -> its rows, in the order the sheets were read."""
    pairs = (
        run.rejected_rows.order_by()
        .values_list("file", "sheet")
        .annotate(first=Min("id"))
        .order_by("first")
    )
    return {(file, sheet): _StoredGroup(run, file, sheet) for file, sheet, _first in pairs}


def _cells(values: list, width: int) -> list:
    cells = ["" if v is None else v for v in values[:width]]
    return cells + [""] * (width - len(cells))


# --- export --------------------------------------------------------------------
EXPORT_COLUMNS = [
    "姓名", "性别", "身份证号", "出生日期", "年龄", "联系电话", "其他电话", "居住地址", "区划代码",
    "所属区县", "所属街道", "所属社区", "所属网格", "居住地区划代码", "救助类别", "居住状况",
    "人员状态",
    "残疾类别", "残疾等级", "监护人", "监护人电话",
]  # fmt: skip
_DISABILITY_NAMES = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}


def people_export_to(*, user, target, region: str = "", reveal=False, reason="", request=None):
    """The people ledger as `exports.Ledger.write` takes it (the command line's form)."""
    return people_export(
        user=user,
        target=target,
        filters={"region": region},
        reveal=reveal,
        reason=reason,
        request=request,
    )


def people_export(
    *, user, target, filters: dict, reveal: bool = False, reason: str = "", request=None
) -> int:
    """Write the people list as a ledger: the rows the user may *export*, with `filters`
    (those of `registry.selectors.person_list`: region, category, tier, status, q).

    A user who may export in one region and only view in another exports from the
    first only. Identifiers are masked, and the birth date left out (the age is
    given), unless `reveal`: that needs a reason, and shows in clear only the rows
    of regions where the user may reveal. Either way the export is audited.
    Returns the number of rows.
    """
    if access.scope(user, access.Action.EXPORT).nowhere:
        raise PermissionDenied(_("You may not export people."))
    reason = (reason or "").strip()
    may_reveal = access.scope(user, access.Action.REVEAL)
    if reveal:
        if len(reason) < 2:
            raise ValidationError({"reason": _("Say why you need the numbers in clear.")})
        if may_reveal.nowhere:
            raise PermissionDenied(_("You may not reveal identifiers."))
    people = person_list(user=user, action=access.Action.EXPORT, **filters)
    names = dict(Region.objects.values_list("code", "name"))

    def rows():
        for person in people.prefetch_related("disabilities", "contacts").iterator(chunk_size=2000):
            # In clear only where the user may reveal, row by row; otherwise the masked
            # view, without the birth date that the masked ID number hides.
            clear = reveal and (
                may_reveal.covers(person.region_id)
                or may_reveal.covers(person.registered_region_id)
            )
            ids = (lambda v: v or "") if clear else mask_id_number
            phones = (lambda v: v or "") if clear else mask_phone
            # A ledger names the place of registration (户籍地); the residence beside it
            # when it differs (人户分离), as the import reads them back.
            code = person.registered_region_id
            disability = next(iter(person.disabilities.all()), None)
            guardian = next((c for c in person.contacts.all() if c.is_guardian), None)
            enrollments = getattr(person, "active_enrollments", None)
            if enrollments is None:
                enrollments = person.enrollments.active_on()
            yield [
                person.name,
                {"M": "男", "F": "女"}.get(person.sex, ""),
                ids(person.id_number),
                person.birth_date.isoformat() if clear and person.birth_date else "",
                "" if person.age is None else person.age,
                phones(person.phone),
                phones(person.phone2),
                person.address,
                code,
                names.get(code[:6] + "000000", ""),
                names.get(code[:9] + "000", "") if code[6:9] != "000" else "",
                names.get(code[:12], "") if code[9:12] != "000" else "",
                names.get(code, "") if len(code) == 15 else "",
                person.region_id if person.region_id != code else "",
                "、".join(CATEGORY_EXPORT_NAMES.get(e.category, e.category) for e in enrollments),
                LIVING_EXPORT_NAMES.get(person.living, ""),
                STATUS_EXPORT_NAMES.get(person.status, ""),
                _DISABILITY_NAMES.get(disability.category, "") if disability else "",
                f"{disability.grade}级" if disability else "",
                guardian.name if guardian else "",
                phones(guardian.phone) if guardian else "",
            ]

    count = write_ledger(
        target, [LedgerSheet(title="人员台账", headers=EXPORT_COLUMNS, rows=rows())]
    )
    audit_record(
        user=user,
        action=AuditAction.EXPORT,
        request=request,
        object_type="registry.person",
        object_repr=_("people ledger (%(count)d rows)") % {"count": count},
        changes={"filters": filters, "rows": count, "revealed": bool(reveal)},
        reason=reason,
    )
    return count
