import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.visits import services as visit_services

from . import selectors

TREND_MONTHS = 12


@login_required
def home(request):
    """The home page for each role: field workers see today's work first, officers the figures."""
    today = timezone.localdate()
    area = selectors.trend_region(user=request.user)
    if area is not None:
        # Finished months are counted once and kept; the trend then reads them.
        visit_services.coverage_months_store(region=area, months=TREND_MONTHS, today=today)
    home = selectors.home_for(user=request.user, today=today, months=TREND_MONTHS, region=area)
    trend = {
        "months": [_month_label(today, len(home.trend) - 1 - i) for i in range(len(home.trend))],
        # The running month plots reached over due so far, and says it is partial.
        "rates": [round((f.on_track if f.partial else f.rate) * 100, 1) for f in home.trend],
        "partial": [f.partial for f in home.trend],
        "partial_label": _("so far"),
        # A click on a month opens that month's coverage.
        "link": f"{reverse('visits:coverage')}?region={home.region.code}&month="
        if home.region
        else "",
    }
    return render(
        request,
        "dashboard/home.html",
        {"home": home, "trend": trend, "month_str": f"{today:%Y-%m}"},
    )


def _month_label(today: dt.date, back: int) -> str:
    m = today.replace(day=1)
    for _step in range(back):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return f"{m:%Y-%m}"
