"""Back up the live database to a new file (the site may keep running).

nuanxin backup -o /srv/backup/nuanxin-$(date +%F).sqlite3   # SQLite: online backup API
nuanxin backup -o /srv/backup/nuanxin-$(date +%F).dump      # PostgreSQL: pg_dump -Fc
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nuanxin.core import backup


class Command(BaseCommand):
    help = "Write a consistent backup of the database to a new file."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="the backup file to create")

    def handle(self, *args, output, **options):
        try:
            done = backup.backup(path=Path(output))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{done.vendor} backup written to {done.path} ({done.size:,} bytes)")
