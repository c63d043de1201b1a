import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from . import selectors


@login_required
def home(request):
    """The home page for each role: field workers see today's work first, officers the figures."""
    today = timezone.localdate()
    home = selectors.home_for(user=request.user, today=today)
    trend = {
        "months": [_month_label(today, len(home.trend) - 1 - i) for i in range(len(home.trend))],
        "rates": [round(f.rate * 100, 1) for f in home.trend],
    }
    return render(
        request,
        "dashboard/home.html",
        {"home": home, "trend": trend, "month_str": f"{today:%Y-%m}"},
    )


def _month_label(today: dt.date, back: int) -> str:
    m = today.replace(day=1)
    for _ in range(back):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return f"{m:%Y-%m}"
