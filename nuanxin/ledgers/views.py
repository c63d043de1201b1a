"""Thin views: upload → preview → run in the background → progress → result."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from nuanxin.core import access
from nuanxin.core.params import parse
from nuanxin.core.xlsx import LedgerSheet, ledger_filename, write_ledger
from nuanxin.regions.models import Region
from nuanxin.registry.forms import PersonFilterForm

from . import selectors, services
from .forms import RevealForm, UploadForm
from .models import RunStatus
from .pipeline.headers import HEADERS
from .pipeline.limits import MB, Limits
from .pipeline.validate import WARNINGS
from .tasks import ledger_import_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_import(user) -> None:
    access.require_somewhere(user, access.Action.CHANGE)


class SizeLimitedUpload(FileUploadHandler):
    """Stops storing a file as soon as it passes the size limit: a 5 GB upload
    is not written whole to a temporary file before being refused. The names of
    files stopped are left on the request."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = Limits.configured().bytes
        request.ledgers_too_big = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.ledgers_too_big.append(self.file_name)
            raise SkipFile  # Django drops what the next handlers stored of it
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


@csrf_exempt  # checked by import_start_checked, once the size handler is in place
def import_start(request):
    # The handler must be in place before anything reads the body (the CSRF check does).
    request.upload_handlers.insert(0, SizeLimitedUpload(request))
    return import_start_checked(request)


@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def import_start_checked(request):
    _require_import(request.user)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    too_big = getattr(request, "ledgers_too_big", []) if request.method == "POST" else []
    if too_big:
        refused = services.import_uploads_refused(user=request.user, names=too_big)
        form.is_valid()
        form.errors.pop("files", None)  # "required", when every file was stopped
        form.add_error("files", refused)
    elif request.method == "POST" and form.is_valid():
        try:
            run = services.import_run_create(
                user=request.user, files=form.cleaned_data["files"], language=get_language()
            )
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            return redirect("ledgers:run_preview", pk=run.pk)
    runs = selectors.import_run_list(user=request.user)
    limits = Limits.configured()
    stated = {"megabytes": f"{limits.bytes / MB:,.0f}", "rows": f"{limits.rows:,}"}
    context = {"form": form, "runs": runs, "headers": HEADERS, "limits": stated}
    return render(request, "ledgers/import_start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def run_preview(request, pk):
    _require_import(request.user)
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.status != RunStatus.PENDING:
        return redirect("ledgers:run_detail", pk=run.pk)
    if request.method == "POST":
        ledger_import_task.enqueue(run.pk)
        return redirect("ledgers:run_detail", pk=run.pk)
    sheets = selectors.import_preview(run=run, user=request.user)
    return render(request, "ledgers/preview.html", {"run": run, "sheets": sheets})


@login_required
def run_detail(request, pk):
    run = selectors.import_run_get(user=request.user, pk=pk)
    return render(request, "ledgers/run_detail.html", _run_context(run, request.user))


@login_required
def run_progress(request, pk):
    """The htmx-polled fragment: a progress bar until the run ends, then the result."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    return render(request, "ledgers/_progress.html", _run_context(run, request.user))


def _run_context(run, user=None) -> dict:
    progress = services.progress_read(run)
    finished = run.status in (RunStatus.DONE, RunStatus.FAILED)
    context = {
        "run": run,
        "percent": int(progress.get("fraction", 0) * 100),
        "rows_done": progress.get("rows", 0),
        "finished": finished,
        "summary": run.summary,
        # A warning's code -> its message, in the reader's language.
        "warning_messages": WARNINGS,
    }
    if finished and run.status == RunStatus.DONE and user is not None:
        # What a clerk needs to finish: the rows refused and why, the people made.
        context["rejected_rows"] = selectors.rejected_rows(run=run, limit=REJECTED_SHOWN)
        context["created_people"] = selectors.people_created(run=run, user=user)
    return context


REJECTED_SHOWN = 50


@login_required
def run_errors(request, pk):
    run = selectors.import_run_get(user=request.user, pk=pk)
    if not run.error_report or not Path(run.error_report).is_file():
        raise Http404
    return FileResponse(
        open(run.error_report, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"errors-{run.pk}.xlsx",
        content_type=XLSX,
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_export(request):
    """GET: the people list as a masked ledger, with the list's filters (the same form).

    GET ?reveal=1 asks for a reason; POSTing it downloads the ledger in clear.
    """
    access.require_somewhere(request.user, access.Action.EXPORT)
    query = parse(request, PersonFilterForm, user=request.user)  # the list's filters, or a 400
    filters = PersonFilterForm.selector_kwargs(query)
    reveal = request.method == "POST"
    form = RevealForm(request.POST or None)
    if request.GET.get("reveal") and not reveal:
        return render(request, "ledgers/export_reveal.html", {"form": form, "filters": filters})
    if reveal and not form.is_valid():
        return render(request, "ledgers/export_reveal.html", {"form": form, "filters": filters})
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        services.people_export(
            user=request.user,
            target=tmp,
            filters=filters,
            reveal=reveal,
            reason=form.cleaned_data["reason"] if reveal else "",
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return render(request, "ledgers/export_reveal.html", {"form": form, "filters": filters})
    tmp.seek(0)
    name = ledger_filename(_("People ledger"), _area_name(request.user, query.get("region")),
                           timezone.localdate())  # fmt: skip
    return FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX)


def _area_name(user, code: str | None) -> str:
    """The region a ledger covers, for its file name: the list's filter, else the user's area."""
    code = code or access.scope(user, access.Action.EXPORT).widest()
    region = Region.objects.filter(code=code.ljust(12, "0")[:15]).first() if code else None
    return region.name if region else ""


# The template's example row: one person as a clerk would type them (synthetic data).
TEMPLATE_EXAMPLE = {
    "name": "张桂兰",
    "sex": "女",
    "id_number": "510108194503120026",
    "phone": "13800000000",
    "address": "和美社区 3 栋 2 单元 101",
    "district": "成华区",
    "street": "保和街道",
    "community": "和美社区",
    "category": "特困",
    "start_date": "2024-01-01",
    "lives_alone": "是",
    "emergency_contact": "李明",
    "emergency_phone": "13900000000",
}


@login_required
def import_template(request):
    """An empty ledger with the headers we read, and one example row to copy."""
    _require_import(request.user)
    fields = list(HEADERS)
    buffer = io.BytesIO()
    write_ledger(
        buffer,
        [
            LedgerSheet(
                title=_("People ledger"),
                headers=[HEADERS[f][0] for f in fields],
                rows=[[TEMPLATE_EXAMPLE.get(f, "") for f in fields]],
            )
        ],
    )
    name = ledger_filename(_("Import template"), "", timezone.localdate())
    return FileResponse(io.BytesIO(buffer.getvalue()), as_attachment=True, filename=name,
                        content_type=XLSX)  # fmt: skip


__all__ = ["_"]
