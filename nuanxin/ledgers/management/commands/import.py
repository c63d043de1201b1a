"""`nuanxin import PATH… [--json] [--user USERNAME]`: the web page's pipeline, from a shell."""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from nuanxin.ledgers import services


class Command(BaseCommand):
    help = "Import ledgers (xlsx/xls/ods/csv). Runs as the system (the whole city) unless --user."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true", help="print one summary object")
        parser.add_argument("--user", metavar="USERNAME", help="import within this user's scope")

    def handle(self, *args, **options):
        paths = options["paths"]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
        try:
            run = services.import_run_create(user=user, files=paths, copy=False)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except PermissionDenied as exc:
            # The same answer as the pages and the API: the gate said no.
            raise CommandError(str(exc)) from None
        bar = _Bar(sys.stderr) if sys.stderr.isatty() and not options["json"] else None
        try:
            run = services.ledger_import(run=run, on_progress=bar.show if bar else None)
        except Exception as exc:
            raise CommandError(f"import failed, nothing was changed: {exc}") from exc
        finally:
            if bar:
                bar.done()
        summary = run.summary
        result = {
            key: summary.get(key, 0)
            for key in ("rows", "created", "updated", "unchanged", "rejected", "warnings")
        }
        result["error_report"] = run.error_report or None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>12}: {value}")
        for sheet in summary.get("sheets", []):
            if sheet.get("unknown"):
                self.stdout.write(
                    f"{sheet['file']} {sheet['sheet']}: unknown columns {', '.join(sheet['unknown'])}"
                )


class _Bar:
    """A one-line progress bar on a terminal."""

    def __init__(self, stream, width: int = 40):
        self.stream, self.width = stream, width

    def show(self, rows: int, fraction: float) -> None:
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {fraction:6.1%} {rows:,} rows")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
