"""What follows a community when the map changes, table by table.

Every column that holds a region code is named here once, with what a merge or a
split does to it (a recode moves every one of them, found by introspection):

- ``ALL``: every row follows (the people, their households, their visit duty);
- ``OPEN``: only the rows still open (work in progress: a due task, an open request);
- ``FROM_CUT``: rows of the first month under the new map and later (visits, tallies);
- ``STREET``: a street column of rows found by their region (and, with ``open_q``, open):
  it becomes the street of the region's successor, when a merge or split crosses
  streets (a current care agreement's street);
- ``STAYS``: history, read under the old code forever (past visits, sign-offs …),
  or reference data an administrator reviews (service areas; memberships on a split).

Staff memberships are moved by the change itself (services.py): a grid's go with the
grid, a merged community's active ones go to the community it joins; on a split the
preview lists the community's for review.

tests/test_mapchange.py fails when a model with a region column is missing here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.apps import apps
from django.db.models import Q

ALL, OPEN, FROM_CUT, STREET, STAYS = "all", "open", "from_cut", "street", "stays"


@dataclasses.dataclass(frozen=True)
class Follower:
    label: str  # "app.Model"
    column: str  # the attname holding the code ("region_id", "street_id" …)
    rule: str
    open_q: Q | None = None
    key: str = ""  # the count's name in a change's figures

    @property
    def model(self):
        return apps.get_model(self.label)

    @property
    def match(self) -> str:
        """The column a row of a region is found by."""
        return "region_id" if self.rule == STREET else self.column

    def value(self, new: str) -> str:
        """What the column becomes when the row's region goes to `new`."""
        if self.rule == STREET:
            from nuanxin.regions.models import Level, ancestor_codes, level_of

            return next(c for c in ancestor_codes(new) if level_of(c) == Level.STREET)
        return new

    def rows(self, code: str, cut_month: dt.date):
        """The rows of `code` that follow it to its successor."""
        qs = self.model._base_manager.filter(**{self.match: code})
        if self.rule in (OPEN, STREET) and self.open_q is not None:
            qs = qs.filter(self.open_q)
        elif self.rule == FROM_CUT:
            qs = qs.filter(month__gte=cut_month)
        return qs


def _f(label, rule, column="region_id", open_q=None, key=""):
    return Follower(label, column, rule, open_q, key or label.split(".")[1].lower())


FOLLOWERS: list[Follower] = [
    _f("registry.Person", ALL, key="people"),
    _f("registry.Household", ALL, key="households"),
    # 户籍地: the registrations of a merged community or a split grid follow it; a split
    # by people moves a registration only where it was in the community being split.
    _f("registry.Person", ALL, column="registered_region_id", key="registrations"),
    _f("visits.VisitSchedule", ALL, key="visit_duties"),
    _f("visits.Visit", FROM_CUT, key="visits"),
    _f("visits.VisitTally", FROM_CUT, key="tallies"),
    _f("visits.FollowUp", OPEN, open_q=Q(closed_at__isnull=True), key="follow_ups"),
    _f(
        "casework.HelpRequest",
        OPEN,
        open_q=Q(status__in=["new", "triaged", "assigned", "in_progress"]),
        key="help_requests",
    ),
    _f("casework.Referral", OPEN, open_q=Q(status__in=["sent", "accepted"]), key="referrals"),
    _f("casework.ServiceTask", OPEN, open_q=Q(status="active"), key="service_tasks"),
    _f("casework.TaskOccurrence", OPEN, open_q=Q(status="due"), key="task_occurrences"),
    _f("casework.CarePlan", OPEN, open_q=Q(status="active"), key="care_plans"),
    _f("casework.CareSession", OPEN, open_q=Q(status="due"), key="care_sessions"),
    _f(
        "casework.Application",
        OPEN,
        open_q=Q(status__in=["preparing", "submitted"]),
        key="applications",
    ),
    _f("oversight.SpotCheckCall", OPEN, open_q=Q(status="pending"), key="spot_check_calls"),
    _f("oversight.Finding", OPEN, open_q=Q(status="open"), key="rectifications"),
    # Before the region moves (rows are found by it): a current agreement's street follows.
    _f(
        "care.CareAgreement",
        STREET,
        column="street_id",
        open_q=Q(ends_on__isnull=True),
        key="care_agreement_streets",
    ),
    _f("care.CareAgreement", OPEN, open_q=Q(ends_on__isnull=True), key="care_agreements"),
    _f("care.Pairing", OPEN, open_q=Q(ends_on__isnull=True), key="pairings"),
    _f("care.ScreeningItem", OPEN, open_q=Q(done_at__isnull=True), key="screening_items"),
    _f(
        "campaigns.Allocation",
        OPEN,
        open_q=Q(status__in=["allocated", "notified"]),
        key="allocations",
    ),
    _f("notices.Notice", OPEN, open_q=Q(status__in=["queued", "retrying"]), key="notices"),
    # History: read under the old code for ever.
    _f("registry.PersonMove", STAYS, column="from_region_id"),
    _f("registry.PersonMove", STAYS, column="to_region_id"),
    _f("visits.CoverageSignoff", STAYS),
    _f("visits.CoverageMonth", STAYS, column="region_code"),  # dropped and recounted
    _f("casework.Assessment", STAYS),
    _f("care.CareAbsence", STAYS),
    _f("care.CareSubstitute", STAYS),
    _f("care.CareCheck", STAYS),
    _f("care.PairingActivity", STAYS),
    _f("care.GuardianEvaluation", STAYS),
    _f("care.Screening", STAYS),
    _f("oversight.Encounter", STAYS),
    _f("oversight.Inspection", STAYS),
    _f("oversight.SpotCheckDraw", STAYS),  # a street's day
    _f("oversight.SpotCheckSetting", STAYS),  # a district's
    _f("oversight.SupervisionTeam", STAYS),
    _f("oversight.SupervisionPlan", STAYS),
    _f("oversight.Patrol", STAYS),
    _f("campaigns.Campaign", STAYS),
    _f("campaigns.Fund", STAYS),
    _f("campaigns.FundEntry", STAYS),
    _f("campaigns.FundEntry", STAYS, column="counterpart_id"),
    _f("campaigns.FundBalance", STAYS),
    # Reference data the administrator reviews after a change. Memberships: see above.
    _f("accounts.Membership", STAYS, key="memberships"),
    _f("directory.Organisation", STAYS),
    _f("directory.Hotline", STAYS),
    _f("regions.AreaCodeAlias", STAYS),  # districts only
]

MOVING = [f for f in FOLLOWERS if f.rule != STAYS]


def region_columns() -> list[tuple[object, str]]:
    """(model, attname) of every concrete column of the project holding a region code,
    many-to-many link tables included: what a recode rewrites."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model.__module__.startswith("nuanxin."):
            continue
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            points_at_region = target is not None and target._meta.label == "regions.Region"
            if points_at_region or field.name in ("region_id", "region_code"):
                found.append((model, field.attname))
    # The person-level history of earlier changes follows a recode too.
    found += [(apps.get_model("regions.ChangeMove"), c) for c in ("old_region_id", "new_region_id")]
    return found


def _labels():
    from django.utils.translation import gettext_lazy as _

    return {
        "people": _("people"),
        "households": _("households"),
        "registrations": _("people registered there"),
        "visit_duties": _("visit duties"),
        "visits": _("visits of the months under the new map"),
        "tallies": _("monthly tallies of those months"),
        "follow_ups": _("open follow-ups"),
        "help_requests": _("open help requests"),
        "referrals": _("open referrals"),
        "service_tasks": _("active service tasks"),
        "task_occurrences": _("due task occurrences"),
        "care_plans": _("active care plans"),
        "care_sessions": _("due care sessions"),
        "applications": _("open applications"),
        "spot_check_calls": _("pending spot-check calls"),
        "rectifications": _("open rectifications"),
        "care_agreements": _("current care agreements"),
        "care_agreement_streets": _("current care agreements signed for by another street"),
        "pairings": _("current pairings"),
        "screening_items": _("open screening items"),
        "allocations": _("undelivered allocations"),
        "notices": _("queued notices"),
        "grids": _("grids"),
        "memberships": _("staff memberships"),
        "regions": _("regions"),
    }


def counted(counts: dict) -> list[tuple[str, int]]:
    """A change's counts as (label in the reader's language, number)."""
    labels = _labels()
    return [(str(labels.get(key, key)), n) for key, n in counts.items() if n]
