"""Reads for casework: assistance applications, always scoped."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from nuanxin.core import access

from ..models import Application


def application_list(
    *, user, scheme: str = "", status: str = "", person_id: int | None = None
) -> QuerySet[Application]:
    qs = Application.objects.filter(access.region_q(user, access.Action.VIEW, "region_id"))
    if scheme:
        qs = qs.filter(scheme=scheme)
    if status:
        qs = qs.filter(status=status)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.select_related("person", "helped_by")


def application_get(*, user, pk: int) -> Application:
    application = (
        Application.objects.filter(access.region_q(user, access.Action.VIEW, "region_id"))
        .select_related("person", "helped_by", "help_request")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
