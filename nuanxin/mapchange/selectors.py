"""Reads of administrative changes: the city administrator's alone."""

from django.db.models import QuerySet
from django.http import Http404

from nuanxin.core import access
from nuanxin.regions.models import AdministrativeChange


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
