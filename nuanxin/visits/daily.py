"""The visits app's daily jobs (registered with `nuanxin.core.daily`).

Both recompute stored schedules from the rules, so running them twice on one day
writes the same values again: nothing changes the second time.
"""

import datetime as dt

from . import derive, rebuild
from .models import ColdSnap, TierRaise


def cold_snaps_daily(*, today: dt.date) -> int:
    """Alerts that start today take effect, alerts that ended yesterday let the policy resume."""
    written = derive.cold_snaps_tick(today=today, refresh=rebuild.schedules_rebuild)
    for snap in ColdSnap.objects.filter(starts_on=today).prefetch_related("districts"):
        for district in snap.districts.all():
            written += rebuild.schedules_rebuild(prefix=district.prefix, today=today)
    return written


def tier_raises_daily(*, today: dt.date) -> int:
    """Raises that ended yesterday: the rules decide the tier again."""
    ended = TierRaise.objects.filter(ends_on=today - dt.timedelta(days=1))
    return derive.schedules_refresh(
        person_ids=ended.values_list("person_id", flat=True).distinct(), today=today
    )
