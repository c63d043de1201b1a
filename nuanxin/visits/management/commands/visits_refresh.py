"""Recompute tiers and visit duties in batches (after a bulk load), or run the daily tick.

nuanxin visits_refresh                  # everyone
nuanxin visits_refresh --region 510108  # one area (a code prefix)
nuanxin visits_refresh --daily          # the daily tick: ended cold snaps, expired raises
nuanxin visits_refresh --tallies        # recount the monthly visit tallies (after a bulk load)
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from nuanxin.registry.models import Person
from nuanxin.visits import derive
from nuanxin.visits.models import TierRaise


class Command(BaseCommand):
    help = "Recompute tiers and visit duties (all, one region, or the daily tick)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="a region code or code prefix")
        parser.add_argument("--daily", action="store_true", help="run the daily tick only")
        parser.add_argument(
            "--tallies", action="store_true", help="recount the monthly visit tallies only"
        )

    def handle(self, *args, region, daily, tallies=False, **options):
        started = time.perf_counter()
        if tallies:
            count = derive.visit_tallies_rebuild()
            self.stdout.write(f"{count:,} tallies in {time.perf_counter() - started:.1f} s")
            return
        if daily:
            today = timezone.localdate()
            written = derive.cold_snaps_tick(today=today)
            # Raises that ended yesterday: the rules take over again.
            ended = TierRaise.objects.filter(ends_on=today - dt.timedelta(days=1))
            written += derive.schedules_refresh(
                person_ids=ended.values_list("person_id", flat=True).distinct(), today=today
            )
        elif region:
            written = derive.schedules_refresh_prefix(prefix=region.rstrip("0") or region)
        else:
            ids = Person.objects.values_list("pk", flat=True).iterator(10000)
            written = derive.schedules_refresh(person_ids=ids)
        self.stdout.write(f"{written:,} schedules written in {time.perf_counter() - started:.1f} s")
