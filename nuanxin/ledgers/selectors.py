"""Reads of the ledgers app, always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from django.apps import apps
from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import Region
from nuanxin.regions.selectors import known_area_codes

from .models import ImportRun, RejectedRow
from .pipeline.headers import HEADER_LOOK_AHEAD, field_for, field_label, find_header
from .pipeline.limits import LedgerLimitError, Limits
from .pipeline.read import LedgerFormatError, open_ledger_head
from .pipeline.validate import MESSAGES, R_WARNINGS, RegionResolver, Validator


def import_run_list(*, user, limit: int = 20):
    """The user's own imports, newest first."""
    return ImportRun.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def import_run_get(*, user, pk: int) -> ImportRun:
    """One of the user's imports, or 404 — the same for "not yours" and "not there"."""
    run = ImportRun.objects.filter(pk=pk, user=user).first()
    if run is None:
        raise Http404
    return run


@dataclass
class RejectedLine:
    file: str
    sheet: str
    row_number: int
    name: str
    reasons: list[str]


def rejected_rows(*, run: ImportRun, limit: int) -> list[RejectedLine]:
    """The first rows an import refused, each with its reasons in the reader's language
    (the whole list is the downloadable error report)."""
    lines = []
    for row in RejectedRow.objects.filter(run=run).order_by("id")[:limit]:
        values = dict(zip(row.headers, row.values, strict=False))
        name = next((str(v) for h, v in values.items() if field_for(h) == "name" and v), "")
        reasons = [
            f"{field_label(fld) or '—'}: {MESSAGES.get(code, code)}"
            + (f" ({detail})" if detail else "")
            for code, fld, detail in row.reasons
        ]
        lines.append(RejectedLine(row.file, row.sheet, row.row_number, name, reasons))
    return lines


def people_created(*, run: ImportRun, user) -> list:
    """The first people the import created that the user may see, for links."""
    ids = (run.summary or {}).get("created_sample") or []
    if not ids:
        return []
    Person = apps.get_model("registry", "Person")
    return list(
        Person.objects.restrict(user, access.Action.VIEW)
        .filter(pk__in=ids)
        .order_by("pk")
        .only("pk", "name", "region_id")
    )


def retired_regions() -> list[tuple]:
    """Regions a map change retired, as the ledger pipeline's RegionResolver takes them:
    a ledger that names one is told the region it became. (Names and codes of the
    city's map: not personal data, the same for every importer.)"""
    return list(
        Region.objects.filter(retired_on__isnull=False).values_list(
            "code", "name", "level", "successor_id", "successor__name", "retired_on"
        )
    )


def import_preview(*, run: ImportRun, user, rows: int = 10) -> list[dict]:
    """Per sheet: the header mapping and the first rows with their verdicts (nothing written)."""
    resolver = RegionResolver(
        Region.objects.current().values_list("code", "name", "level"),
        access.scope(user, access.Action.CHANGE),
        retired_regions(),
    )
    areas = known_area_codes()
    limits = Limits.configured()
    sheets = []
    for f in run.files:
        try:
            # Only the rows shown are read: the header's search, then `rows` more.
            for sheet in open_ledger_head(f["path"], f["name"], limits, HEADER_LOOK_AHEAD + rows):
                header, _seen = find_header(sheet.rows)
                entry = {"file": f["name"], "sheet": sheet.name, "header": header, "rows": []}
                sheets.append(entry)
                if header is None:
                    continue
                validate = Validator(header.columns, resolver=resolver, known_areas=areas)
                for number, cells in islice(enumerate(sheet.rows, header.row_number + 1), rows):
                    record, reasons = validate(cells)
                    notes = reasons or (record[R_WARNINGS] if record else [])
                    entry["rows"].append(
                        {
                            "number": number,
                            "cells": ["" if c is None else c for c in cells],
                            "ok": record is not None,
                            "notes": [(code, field, str(MESSAGES.get(code, code)), detail)
                                      for code, field, detail in notes],
                        }
                    )  # fmt: skip
        except (LedgerFormatError, LedgerLimitError, OSError, UnicodeError) as exc:
            sheets.append({"file": f["name"], "sheet": "", "header": None, "rows": [],
                           "error": str(exc)})  # fmt: skip
    return sheets
