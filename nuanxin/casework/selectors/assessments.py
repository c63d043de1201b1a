"""Reads for casework: needs assessments, always scoped."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from nuanxin.core import access
from nuanxin.registry.models import Person

from ..models import AdlItem, Assessment, HelpRequest

# Fields compared between two versions (the detail page highlights what changed).
COMPARED = (
    "living_conditions",
    "health",
    "safety",
    "psychological",
    "loneliness",
    "social_support",
    "finances",
    "summary",
    "recommendations",
)


def person_for(*, user, pk: int, action: str = access.Action.VIEW) -> Person:
    """A person reached by region for `action` (never through a link: casework is staff work)."""
    person = (
        Person.objects.filter(access.region_q(user, action, "region_id"))
        .select_related("region")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def help_request_for(*, person: Person, pk) -> HelpRequest | None:
    """The help request a create page links to (?request=ID), if it is this person's."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return HelpRequest.objects.filter(pk=pk, person_id=person.pk).first()


def assessments_of(*, user, person: Person) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(access.region_q(user, access.Action.VIEW, "region_id"))
        .filter(person_id=person.pk)
        .select_related("created_by")
        .prefetch_related("assessors")
        .order_by("-version")
    )


def assessment_list(*, user, person_id: int | None = None) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(access.region_q(user, access.Action.VIEW, "region_id"))
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    return qs.select_related("person").prefetch_related("assessors").order_by("-id")


def assessment_get(*, user, pk: int) -> Assessment:
    assessment = (
        Assessment.objects.filter(access.region_q(user, access.Action.VIEW, "region_id"))
        .select_related("person", "help_request", "created_by")
        .prefetch_related("assessors")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def previous_of(assessment: Assessment) -> Assessment | None:
    return (
        Assessment.objects.filter(person_id=assessment.person_id, version__lt=assessment.version)
        .order_by("-version")
        .first()
    )


def changed_fields(assessment: Assessment, previous: Assessment | None) -> set[str]:
    """Names of fields (and ADL items, as "adl:<item>") that differ from the previous version."""
    if previous is None:
        return set()
    changed = {f for f in COMPARED if getattr(assessment, f) != getattr(previous, f)}
    changed |= {
        f"adl:{item}"
        for item in AdlItem.values
        if assessment.adl.get(item) != previous.adl.get(item)
    }
    return changed


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
