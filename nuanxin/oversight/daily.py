"""The oversight app's daily job: each configured district's spot-check samples for the day."""

import datetime as dt

from nuanxin.regions.models import Level, Region

from . import services
from .models import SpotCheckSetting


def spot_check_draws_daily(*, today: dt.date) -> int:
    """Draw today's sample for every street of a district that set up spot-checks.

    A stored draw is never redrawn (the sample is fixed once drawn), so a second
    run finds them all and writes nothing. Returns the number of draws written.
    """
    drawn = 0
    for setting in SpotCheckSetting.objects.select_related("region"):
        streets = Region.objects.filter(level=Level.STREET, code__startswith=setting.region.prefix)
        for street in streets:
            drawn += services.spot_check_draw_scheduled(street=street, day=today)
    return drawn
