"""Restore a backup into an empty database (refuses a database that holds any table).

NUANXIN_SQLITE_PATH=/srv/nuanxin/new.sqlite3 nuanxin restore nuanxin-2026-12-01.sqlite3
NUANXIN_DATABASE_URL=postgres://nuanxin@db/nuanxin_new nuanxin restore nuanxin-2026-12-01.dump

Then run `nuanxin migrate` (a no-op unless the code is newer than the backup).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nuanxin.core import backup


class Command(BaseCommand):
    help = "Restore a backup made by `nuanxin backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")

    def handle(self, *args, file, **options):
        try:
            done = backup.restore(path=Path(file))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{done.vendor} backup {done.path} restored")
