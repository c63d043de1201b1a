"""`nuanxin users import FILE [--dry-run] [-o CREDENTIALS.xlsx]`: staff from a roster.

The new users' one-time passwords go to the credentials file only (created
readable by its owner alone), never to the terminal, a log or the audit trail.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nuanxin.accounts import roster, services
from nuanxin.core import tables

SHOWN = 200


class Command(BaseCommand):
    help = "Staff from a roster: `users import FILE [--dry-run] [-o CREDENTIALS.xlsx]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("import", help="create users and memberships from a roster file")
        add.add_argument("file", metavar="FILE")
        add.add_argument("--dry-run", action="store_true", help="print what would change")
        add.add_argument(
            "-o",
            "--credentials",
            metavar="XLSX",
            help="where the new users' one-time passwords go "
            "(default: credentials-YYYYMMDD-HHMMSS.xlsx, here)",
        )

    def handle(self, *args, verb, file, dry_run, credentials, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file} is not a file")
        target = Path(credentials or f"credentials-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx")
        if not dry_run and target.exists():
            raise CommandError(f"{target} exists: choose another credentials file")
        try:
            outcome = services.roster_import(path=path, dry_run=dry_run)
        except tables.TableError as exc:
            raise CommandError(str(exc)) from None
        out = self.stdout
        verb_word = "would " if dry_run else ""
        for row, _password in outcome.created[:SHOWN]:
            out.write(f"{verb_word}create {row.username} ({row.role} @ {row.region})")
        for row in outcome.updated[:SHOWN]:
            if "membership" in row.changed:
                out.write(f"{verb_word}add {row.role} @ {row.region} to {row.username}")
            if fields := [f for f in row.changed if f != "membership"]:
                out.write(f"{verb_word}update {', '.join(fields)} of {row.username}")
        for row in outcome.rejected[:SHOWN]:
            sheet = f" ({row.sheet})" if row.sheet else ""
            out.write(f"reject row {row.number}{sheet}: {roster.reason_text(row.reasons)}")
        for key, value in outcome.counts().items():
            out.write(f"{key:>12}: {value}")
        if dry_run:
            out.write("dry run: nothing was changed")
        elif outcome.created:
            # Readable by its owner only, from the first byte.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                services.credentials_write(outcome, fh)
            out.write(f"{'credentials':>12}: {target} (one-time passwords: hand out, then delete)")
