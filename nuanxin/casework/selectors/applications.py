"""Reads for casework: assistance applications, always scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from nuanxin.core import access

from ..models import Application


def application_list(
    *, user, scheme: str = "", status: str = "", person_id: int | None = None
) -> QuerySet[Application]:
    qs = Application.objects.restrict(user, access.Action.VIEW)
    if scheme:
        qs = qs.filter(scheme=scheme)
    if status:
        qs = qs.filter(status=status)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.select_related("person", "helped_by")


def application_get(*, user, pk: int) -> Application:
    return access.get_or_404(
        Application.objects.select_related("person", "helped_by", "help_request"), user, pk=pk
    )


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
