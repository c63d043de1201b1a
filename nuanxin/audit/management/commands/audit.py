from django.core.management.base import BaseCommand, CommandError

from nuanxin.audit.services import RETENTION_FLOOR_DAYS, audit_prune, audit_retention_days


class Command(BaseCommand):
    help = (
        "The audit log: `audit prune [--days N] [--dry-run]` removes events older than the "
        "retention period (NUANXIN_AUDIT_RETENTION_DAYS, never under six months), and "
        "records that it did."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        prune = sub.add_parser("prune", help="remove events older than the retention period")
        prune.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                "keep this many days (default: the setting); a value under the setting "
                f"or {RETENTION_FLOOR_DAYS} days is refused"
            ),
        )
        prune.add_argument("--dry-run", action="store_true", help="count, remove nothing")

    def handle(self, *args, verb, days=None, dry_run=False, **options):
        if days is not None and days < audit_retention_days():
            raise CommandError(
                f"--days {days} is under the retention period of {audit_retention_days()} days; "
                "the audit log keeps at least that long"
            )
        result = audit_prune(older_than_days=days, dry_run=dry_run)
        cutoff = result.cutoff.isoformat(timespec="seconds")
        if result.dry_run:
            self.stdout.write(f"{result.deleted} events are older than {cutoff} (dry run).")
        else:
            self.stdout.write(
                f"Removed {result.deleted} events older than {cutoff} "
                f"(retention {result.retention_days} days); the pruning is in the log."
            )
