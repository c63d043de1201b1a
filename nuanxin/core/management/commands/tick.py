"""Run the day's jobs (idempotent: safe to run twice a day).

nuanxin tick                      # every registered daily job, for today
nuanxin tick --date 2026-12-01    # as of another day (catching up after downtime)
nuanxin tick --job visits.cold_snaps --job oversight.spot_check_draws
nuanxin tick --list               # the registered jobs

Exits non-zero, naming the failed jobs, when any job raised; the others still ran.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from nuanxin.core import daily


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Run the daily jobs (cold snaps, expired tier raises, spot-check draws …)."

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="the day to run for (default today)")
        parser.add_argument("--job", action="append", default=[], help="only this job")
        parser.add_argument("--list", action="store_true", help="list the jobs and stop")

    def handle(self, *args, date, job, list, **options):  # noqa: A002 - the option's name
        registered = daily.jobs()
        if list:
            for name in sorted(registered):
                self.stdout.write(name)
            return
        unknown = sorted(set(job) - set(registered))
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}")
        result = daily.run(today=_day(date) if date else None, only=job or None)
        for name, count in sorted(result.counts.items()):
            self.stdout.write(f"{name}: {count:,}")
        for name, error in sorted(result.failed.items()):
            self.stderr.write(f"{name}: FAILED {error}")
        self.stdout.write(f"{result.today} in {result.seconds:.1f} s")
        if not result.ok:
            raise CommandError(f"daily job(s) failed: {', '.join(sorted(result.failed))}")
