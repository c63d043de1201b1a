"""Recompute tiers and visit duties in batches (after a bulk load), or run the daily tick.

nuanxin visits_refresh                  # everyone, set-based (SQL over the region ranges)
nuanxin visits_refresh --region 510108  # one area (a code prefix)
nuanxin visits_refresh --per-person     # the same, person by person (slow; for comparison)
nuanxin visits_refresh --daily          # the visits part of `nuanxin tick` (cold snaps, raises)
nuanxin visits_refresh --tallies        # recount the monthly visit tallies (after a bulk load)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from nuanxin.core import daily as core_daily
from nuanxin.registry.models import Person
from nuanxin.visits import derive, rebuild


class Command(BaseCommand):
    help = "Recompute tiers and visit duties (all, one region, or the daily tick)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="a region code or code prefix")
        parser.add_argument("--daily", action="store_true", help="run the daily tick only")
        parser.add_argument(
            "--per-person",
            action="store_true",
            help="decide person by person instead of in SQL (same result, much slower)",
        )
        parser.add_argument(
            "--tallies", action="store_true", help="recount the monthly visit tallies only"
        )

    def handle(self, *args, region, daily, tallies=False, per_person=False, **options):
        started = time.perf_counter()
        if tallies:
            count = derive.visit_tallies_rebuild()
            self.stdout.write(f"{count:,} tallies in {time.perf_counter() - started:.1f} s")
            return
        if daily:
            # The same jobs `nuanxin tick` runs (visits/daily.py), audited the same way.
            result = core_daily.run(only=[n for n in core_daily.jobs() if n.startswith("visits.")])
            if not result.ok:
                raise CommandError(f"daily job(s) failed: {', '.join(sorted(result.failed))}")
            written = sum(result.counts.values())
        elif per_person and region:
            written = derive.schedules_refresh_prefix(prefix=region.rstrip("0") or region)
        elif per_person:
            ids = Person.objects.values_list("pk", flat=True).iterator(10000)
            written = derive.schedules_refresh(person_ids=ids)
        else:
            written = rebuild.schedules_rebuild(prefix=region.rstrip("0") or region)
        self.stdout.write(f"{written:,} schedules written in {time.perf_counter() - started:.1f} s")
