"""Reads of the ledgers app, always scoped to the user."""

from __future__ import annotations

from itertools import islice

from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import Region
from nuanxin.regions.selectors import known_area_codes

from .models import ImportRun
from .pipeline.headers import HEADER_LOOK_AHEAD, find_header
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


def import_preview(*, run: ImportRun, user, rows: int = 10) -> list[dict]:
    """Per sheet: the header mapping and the first rows with their verdicts (nothing written)."""
    resolver = RegionResolver(
        Region.objects.values_list("code", "name", "level"),
        access.scope(user, access.Action.CHANGE),
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
