"""`nuanxin regions import FILE [--dry-run] [--error-report FILE]` (see regions_import.py).

The ledgers app registers it as a verb of `nuanxin regions` (regions/cli.py).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from nuanxin.core import tables
from nuanxin.regions.models import Level

from . import regions_import as imports

HELP = "load the official division codes (xlsx/xls/ods/csv): creates and renames, never deletes"
SHOWN = 200  # changes and rejections listed one by one; all are counted


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--dry-run", action="store_true", help="print what would change")
    parser.add_argument(
        "--error-report",
        metavar="XLSX",
        help="where to write the rejected rows (default: FILE's name + -errors.xlsx, here)",
    )


def handle(command, *, file: str, dry_run: bool, error_report: str | None, **_options) -> None:
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"{file} is not a file")
    try:
        outcome = imports.region_file_import(path=path, dry_run=dry_run)
    except tables.TableError as exc:
        raise CommandError(str(exc)) from None
    out = command.stdout
    verb = "would " if dry_run else ""
    for code, name, level in outcome.created[:SHOWN]:
        out.write(f"{verb}create {code} {name} ({imports.LEVEL_NAMES[Level(level)]})")
    for code, old, new in outcome.renamed[:SHOWN]:
        out.write(f"{verb}rename {code} {old} -> {new}")
    for row in outcome.skipped[:SHOWN]:
        out.write(f"skip row {row.number}{_sheet(row)}: {imports.reason_text(row.reasons)}")
    for row in outcome.rejected[:SHOWN]:
        out.write(f"reject row {row.number}{_sheet(row)}: {imports.reason_text(row.reasons)}")
    counts = outcome.counts()
    if dry_run:
        counts = {("would be " + k if k in ("created", "renamed") else k): v
                  for k, v in counts.items()}  # fmt: skip
    for key, value in counts.items():
        out.write(f"{key:>18}: {value}")
    if outcome.rejected:
        target = Path(error_report or f"{path.stem}-errors.xlsx")
        imports.error_report_write(outcome, target)
        out.write(f"{'error report':>18}: {target}")
    if dry_run:
        out.write("dry run: nothing was changed")


def _sheet(row) -> str:
    return f" ({row.sheet})" if row.sheet else ""
