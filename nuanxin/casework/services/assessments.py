"""Writes for casework: needs assessments (需求评估), versioned per person.

Each new assessment is the next version for its person; the latest one feeds
the tier rules (conditions `min_adl_dependent`, `loneliness` in
nuanxin.visits.rules), so creating one recomputes the person's schedule.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.accounts.selectors import users_over
from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_for_change
from nuanxin.visits import derive

from ..models import AdlItem, AdlLevel, Assessment, HelpRequest, Loneliness

# Who may sign an assessment: social workers and the community's own staff.
ASSESSOR_ROLES = (
    access.Role.SOCIAL_WORKER,
    access.Role.COMMUNITY_WORKER,
    access.Role.GRID_WORKER,
    access.Role.STREET_OFFICER,
)

TEXT_FIELDS = (
    "living_conditions",
    "health",
    "safety",
    "psychological",
    "social_support",
    "finances",
    "summary",
    "recommendations",
)


def check_help_request(help_request: HelpRequest | None, person: Person) -> None:
    if help_request is not None and help_request.person_id != person.pk:
        raise ValidationError({"help_request": _("That help request is about another person.")})


def _check_adl(adl: dict) -> dict:
    adl = dict(adl or {})
    missing = [item for item in AdlItem.values if adl.get(item) not in AdlLevel.values]
    if missing:
        raise ValidationError(
            {
                "adl": _("Rate each of the six daily activities (missing: %(items)s).")
                % {"items": ", ".join(str(AdlItem(m).label) for m in missing)}
            }
        )
    extra = set(adl) - set(AdlItem.values)
    if extra:
        raise ValidationError(
            {"adl": _("Unknown daily activity: %(items)s") % {"items": ", ".join(sorted(extra))}}
        )
    return {item: adl[item] for item in AdlItem.values}


def adl_dependent_count(adl: dict) -> int:
    """How many of the six activities are not done independently."""
    return sum(
        1 for item in AdlItem.values if adl.get(item, AdlLevel.INDEPENDENT) != AdlLevel.INDEPENDENT
    )


def _check_assessors(assessors, region_code: str) -> list:
    assessors = list({u.pk: u for u in assessors or ()}.values())
    if not assessors:
        raise ValidationError({"assessors": _("Name at least one assessor.")})
    qualified = set(
        users_over(region_code, ASSESSOR_ROLES)
        .filter(pk__in=[u.pk for u in assessors])
        .values_list("pk", flat=True)
    )
    wrong = [str(u) for u in assessors if u.pk not in qualified]
    if wrong:
        raise ValidationError(
            {
                "assessors": _("Not a social worker or community worker of this area: %(names)s")
                % {"names": ", ".join(wrong)}
            }
        )
    return assessors


@transaction.atomic
def assessment_create(
    *,
    user,
    person: Person,
    assessed_on: dt.date,
    assessors,
    adl: dict,
    summary: str,
    loneliness: str = "",
    help_request: HelpRequest | None = None,
    request=None,
    **texts,
) -> Assessment:
    """Record the next version of a person's needs assessment and refresh their tier."""
    # Locked, so two writers number their versions one after the other.
    person = person_for_change(user=user, pk=person.pk)
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    check_help_request(help_request, person)
    if loneliness and loneliness not in Loneliness.values:
        raise ValidationError({"loneliness": _("Choose a loneliness level from the list.")})
    adl = _check_adl(adl)
    assessors = _check_assessors(assessors, person.region_id)
    previous = Assessment.objects.filter(person=person).aggregate(v=Max("version"))["v"] or 0
    assessment = Assessment(
        person=person,
        region_id=person.region_id,
        version=previous + 1,
        assessed_on=assessed_on,
        help_request=help_request,
        adl=adl,
        adl_dependent=adl_dependent_count(adl),
        loneliness=loneliness,
        summary=(summary or "").strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **{k: (v or "").strip() for k, v in texts.items()},
    )
    if assessed_on and assessed_on > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError({"assessed_on": _("An assessment cannot be dated in the future.")})
    assessment.full_clean()
    assessment.save()
    assessment.assessors.set(assessors)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=assessment,
        request=request,
        changes={
            "version": assessment.version,
            "adl_dependent": assessment.adl_dependent,
            "loneliness": assessment.loneliness,
        },
    )
    derive.schedules_refresh(person_ids=[person.pk])
    return assessment
