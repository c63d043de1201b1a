"""Oversight's ledgers: the daily spot-check report, the rescue season and the monthly report as
xlsx, one writer (`core.xlsx`) for the pages and `nuanxin export KIND`.

Every export reads the rows the user may *export* (not only view), and is audited.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.xlsx import LedgerSheet, write_ledger
from nuanxin.regions.models import Level, Region

from . import selectors
from .models import Outcome

REQUEST_LABELS = [
    ("opened", gettext_lazy("opened")),
    ("resolved", gettext_lazy("resolved")),
    ("breached", gettext_lazy("past a response time")),
]
SPOT_LABELS = [
    ("drawn", gettext_lazy("drawn")),
    ("reached", gettext_lazy("reached")),
    ("problems", gettext_lazy("problems")),
    ("follow_ups", gettext_lazy("follow-ups opened")),
    ("follow_ups_closed", gettext_lazy("follow-ups closed")),
]
RECT_LABELS = [
    ("opened", gettext_lazy("opened this month")),
    ("overdue", gettext_lazy("overdue now")),
]


# --- sheets ------------------------------------------------------------------------------------


def spot_check_sheets(found: selectors.Report) -> list[LedgerSheet]:
    headers = [
        _("Street"),
        _("Region code"),
        _("Drawn"),
        _("Reached"),
        _("Problems"),
        _("Follow-ups opened"),
        _("Follow-ups closed"),
    ]
    rows = [
        [r.name, r.code, r.drawn, r.reached, r.problems, r.follow_ups_opened, r.follow_ups_closed]
        for r in [*found.rows, found.total]
    ]
    title = _("Spot-checks %(day)s") % {"day": found.day.isoformat()}
    return [LedgerSheet(title=title, headers=headers, rows=rows)]


def season_sheets(found: selectors.SeasonReport) -> list[LedgerSheet]:
    labels = [str(label) for _code, label in Outcome.choices]

    def sheet(title, first, rows):
        return LedgerSheet(
            title=title,
            headers=[first, _("Encounters"), *labels],
            rows=[[key, row["total"], *[row["outcomes"][c] for c in Outcome.values]]
                  for key, row in rows],
        )  # fmt: skip

    totals = {"total": found.total, "outcomes": found.by_outcome}
    return [
        sheet(_("By district"), _("District"),
              [(d["name"], d) for d in found.by_district] + [(_("Total"), totals)]),
        sheet(_("By week"), _("ISO week"), [(w["week"], w) for w in found.by_week]),
    ]  # fmt: skip


def monthly_sheets(found) -> list[LedgerSheet]:
    """The monthly report: the same figures as the print view, in its order."""
    figures = [
        *[(_("Requests"), label, found.requests[key]) for key, label in REQUEST_LABELS],
        *[(_("Spot-checks"), label, found.spot_checks[key]) for key, label in SPOT_LABELS],
        *[(_("Rectifications"), label, found.rectifications[key]) for key, label in RECT_LABELS],
        *[(_("Street rescue"), line.label, line.value) for line in found.rescue],
        (_("Street rescue"), _("Total"), found.rescue_total),
    ]
    coverage = [*found.coverage, found.coverage_total]
    return [
        LedgerSheet(
            title=_("Coverage"),
            headers=[
                _("Region"),
                _("Region code"),
                _("In scope"),
                _("Visited"),
                _("Explained"),
                _("Missed"),
                _("Rate"),
                _("Communities signed off"),
            ],
            rows=(
                [
                    c.name,
                    c.code,
                    c.in_scope,
                    c.visited,
                    c.explained,
                    c.missed,
                    f"{c.rate:.2%}",
                    c.communities_signed,
                ]
                for c in coverage
            ),
        ),  # fmt: skip
        LedgerSheet(
            title=_("People"),
            headers=[_("Group"), _("Item"), _("People")],
            rows=[
                *[[_("Category"), line.label, line.value] for line in found.people_by_category],
                *[[_("Tier"), line.label, line.value] for line in found.people_by_tier],
            ],
        ),
        LedgerSheet(
            title=_("Visits"),
            headers=[_("Method"), _("Visits")],
            rows=[[line.label, line.value] for line in found.visits_by_method],
        ),
        LedgerSheet(
            title=_("Casework and oversight"),
            headers=[_("Area"), _("Figure"), _("Value")],
            rows=[list(f) for f in figures],
        ),
    ]


def write(target, sheets, *, user, request, kind: str, region: Region, label: str, rows: int):
    """Write the sheets and audit the export."""
    write_ledger(target, sheets)
    audit_record(
        user=user,
        action=AuditAction.EXPORT,
        request=request,
        object_type=f"oversight.{kind}",
        object_id=region.code,
        object_repr=f"{region} {label}",
        changes={"rows": rows},
    )
    return rows


# --- `nuanxin export KIND` ---------------------------------------------------------------------


def _region(user, code: str) -> Region:
    """The region a command names (the city when none), which the user may export as a whole."""
    code = (code or "").strip()
    region = (
        Region.objects.filter(level=Level.CITY).order_by("code").first()
        if not code
        else Region.objects.filter(code=code.ljust(12, "0") if len(code) < 12 else code).first()
    )
    if region is None:
        raise Http404
    access.require_region(user, access.Action.EXPORT, region.code)
    return region


def spot_checks_export(*, user, target, region: str = "", reveal=False, reason="", request=None):
    """Yesterday's spot-check report (names no person: `reveal` changes nothing)."""
    area = _region(user, region)
    day = timezone.localdate() - dt.timedelta(days=1)
    found = selectors.report(user=user, region=area, day=day, action=access.Action.EXPORT)
    return write(target, spot_check_sheets(found), user=user, request=request,
                 kind="spotcheckreport", region=area, label=str(day), rows=len(found.rows))  # fmt: skip


def rescue_export(*, user, target, region: str = "", reveal=False, reason="", request=None):
    """The current winter's street-rescue season (or the last one), by district and week."""
    area = _region(user, region)
    start, end = selectors.winter_of(timezone.localdate())
    found = selectors.season_report(
        user=user, region=area, start=start, end=end, action=access.Action.EXPORT
    )
    return write(target, season_sheets(found), user=user, request=request, kind="rescuereport",
                 region=area, label=f"{start}–{end}", rows=found.total)  # fmt: skip
