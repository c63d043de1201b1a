"""Reads of administrative changes: the pages are the city administrator's alone; the
API lists the changes of the regions a user may audit."""

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import AdministrativeChange, ChangeMove, prefix_q
from nuanxin.visits.models import CoverageSignoff


def is_city_admin(user) -> bool:
    return user is None or access.Role.CITY_ADMIN in access.roles_of(user)


def _require(user) -> None:
    # A page that does not exist for anyone else (404, as for a menu they never see).
    if not is_city_admin(user):
        raise Http404


def change_list(*, user) -> QuerySet[AdministrativeChange]:
    _require(user)
    return AdministrativeChange.objects.select_related("applied_by")


def change_get(*, user, pk: int) -> AdministrativeChange:
    _require(user)
    change = AdministrativeChange.objects.select_related("applied_by").filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


def change_list_audited(*, user) -> QuerySet[AdministrativeChange]:
    """The changes that touch a region the user may audit (its old or its new code),
    newest first: every change for the city administrator, none for a role that audits
    nowhere."""
    audited = access.scope(user, access.Action.AUDIT)
    return (
        AdministrativeChange.objects.select_related("applied_by")
        .filter(audited.q("from_code") | audited.q("to_code"))
        .order_by("-applied_at", "-id")
    )


def latest_move_cut(codes) -> "dt.date | None":
    """The latest month from which a person's move (registry.PersonMove) into or out of
    these communities counts: a change of the map cannot take effect before it."""
    where = None
    for code in codes:
        q = prefix_q(code[:12], "old_region_id") | prefix_q(code[:12], "new_region_id")
        where = q if where is None else where | q
    if where is None:
        return None
    return (
        ChangeMove.objects.filter(where, change__isnull=True)
        .order_by("-cut_month")
        .values_list("cut_month", flat=True)
        .first()
    )


def last_signed_month(region_ids, since: dt.date) -> dt.date | None:
    """The latest month from `since` on whose coverage one of these regions signed off:
    a change of the map, or a person's move, may not reopen it."""
    return (
        CoverageSignoff.objects.filter(region_id__in=list(region_ids), month__gte=since)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
