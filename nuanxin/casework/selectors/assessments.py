"""Reads for casework: needs assessments, always scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from nuanxin.core import access
from nuanxin.registry.models import Person
from nuanxin.visits import derive, rebuild

from ..models import AdlItem, Assessment

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


def assessments_of(*, user, person: Person) -> QuerySet[Assessment]:
    return (
        Assessment.objects.restrict(user, access.Action.VIEW)
        .filter(person_id=person.pk)
        .select_related("created_by")
        .prefetch_related("assessors")
        .order_by("-version")
    )


def assessment_list(*, user, person_id: int | None = None) -> QuerySet[Assessment]:
    qs = Assessment.objects.restrict(user, access.Action.VIEW)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    return qs.select_related("person").prefetch_related("assessors").order_by("-id")


def assessment_get(*, user, pk: int) -> Assessment:
    return access.get_or_404(
        Assessment.objects.select_related("person", "help_request", "created_by").prefetch_related(
            "assessors"
        ),
        user,
        pk=pk,
    )


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


def assessment_facts(ids, today) -> dict[int, dict]:
    """The tier rules' facts from each person's latest assessment (one query a batch)."""
    latest: dict[int, dict] = {}
    rows = Assessment.objects.filter(person_id__in=ids).order_by("person_id", "-version")
    for person_id, adl_dependent, loneliness in rows.values_list(
        "person_id", "adl_dependent", "loneliness"
    ):
        latest.setdefault(
            person_id, {"adl_dependent": adl_dependent, "loneliness": loneliness or ""}
        )
    return latest


def assessment_facts_sql(today) -> rebuild.FactsSQL:
    """`assessment_facts` for the set-based schedule rebuild: the latest version's facts."""
    table = Assessment._meta.db_table
    return rebuild.FactsSQL(
        sql=f"SELECT a.person_id, a.adl_dependent AS adl_dependent, "
        f"COALESCE(a.loneliness, '') AS loneliness FROM {table} a "
        f"WHERE a.person_id IN ({{people}}) AND a.version = "
        f"(SELECT MAX(b.version) FROM {table} b WHERE b.person_id = a.person_id)",
        params=[],
        fields=("adl_dependent", "loneliness"),
    )


def ready() -> None:
    """Called from AppConfig.ready: the latest assessment feeds the tier rules."""
    derive.register_facts(assessment_facts, sql=assessment_facts_sql)
