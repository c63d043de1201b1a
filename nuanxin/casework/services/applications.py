"""Writes for casework: helping a person apply for assistance (低保, 临时救助 …).

Status moves through TRANSITIONS only: preparing → submitted → approved or
refused; withdrawn from preparing or submitted. Submitting needs the date it
was submitted; a decision needs its date and what was decided.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.registry.models import Person
from nuanxin.registry.selectors import person_for_change

from ..models import Application, HelpRequest, Scheme
from ..models import ApplicationStatus as S
from .assessments import check_help_request

TRANSITIONS: dict[str, set[str]] = {
    S.PREPARING: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.APPROVED, S.REFUSED, S.WITHDRAWN},
    S.APPROVED: set(),
    S.REFUSED: set(),
    S.WITHDRAWN: set(),
}
DECIDED = {S.APPROVED, S.REFUSED}

_ID = gettext_lazy("ID card")
_HUKOU = gettext_lazy("household register (户口簿)")
_INCOME = gettext_lazy("income certificate")
_DISABILITY = gettext_lazy("disability certificate (残疾证)")
_BANK = gettext_lazy("bank card")
_PROPERTY = gettext_lazy("property and assets statement")
_MEDICAL = gettext_lazy("medical bills and records")
_CONSENT = gettext_lazy("authorisation to check family finances")

# Documents usually gathered for each scheme: offered as a checklist.
COMMON_DOCUMENTS = {
    Scheme.DIBAO: [_ID, _HUKOU, _INCOME, _PROPERTY, _CONSENT, _BANK],
    Scheme.TEKUN: [_ID, _HUKOU, _INCOME, _PROPERTY, _DISABILITY, _CONSENT, _BANK],
    Scheme.TEMPORARY: [_ID, _HUKOU, _INCOME, _MEDICAL, _BANK],
    Scheme.DISABILITY_LIVING: [_ID, _HUKOU, _DISABILITY, _BANK],
    Scheme.DISABILITY_CARE: [_ID, _HUKOU, _DISABILITY, _BANK],
    Scheme.ELDERLY_ALLOWANCE: [_ID, _HUKOU, _BANK],
    Scheme.MEDICAL: [_ID, _HUKOU, _MEDICAL, _INCOME, _BANK],
    Scheme.OTHER: [_ID, _HUKOU],
}


def common_documents(scheme: str = "") -> list[str]:
    """The checklist offered for a scheme (all common documents when none is given)."""
    docs = COMMON_DOCUMENTS.get(scheme) or [d for ds in COMMON_DOCUMENTS.values() for d in ds]
    return list(dict.fromkeys(str(d) for d in docs))


def _documents(documents) -> list[str]:
    return list(dict.fromkeys(d.strip() for d in documents or () if d and d.strip()))


@transaction.atomic
def application_create(
    *,
    user,
    person: Person,
    scheme: str,
    details: str = "",
    documents=(),
    help_request: HelpRequest | None = None,
    request=None,
) -> Application:
    """Start helping a person apply: status "gathering documents"."""
    # Read again, locked, through the gate: the caller's copy may be stale.
    person = person_for_change(user=user, pk=person.pk)
    check_help_request(help_request, person)
    application = Application(
        person=person,
        region_id=person.region_id,
        scheme=scheme,
        details=(details or "").strip(),
        documents=_documents(documents),
        help_request=help_request,
        helped_by=user if getattr(user, "is_authenticated", False) else None,
    )
    application.full_clean()
    application.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=application,
        request=request,
        changes={"scheme": scheme, "documents": application.documents},
    )
    return application


@transaction.atomic
def application_update(
    *,
    user,
    application: Application,
    status: str | None = None,
    documents=None,
    details: str | None = None,
    submitted_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    decision: str | None = None,
    request=None,
) -> Application:
    """Update documents or details, or move the status on (with its dates)."""
    application = access.get_or_404(
        Application, user, access.Action.CHANGE, pk=application.pk, for_update=True
    )
    before = {
        "status": application.status,
        "documents": list(application.documents),
        "details": application.details,
    }
    if documents is not None:
        application.documents = _documents(documents)
    if details is not None:
        application.details = details.strip()
    if status and status != application.status:
        if status not in TRANSITIONS.get(application.status, set()):
            raise ValidationError(
                {
                    "status": _("An application that is %(status)s cannot become %(to)s.")
                    % {"status": application.get_status_display(), "to": S(status).label}
                    if status in S.values
                    else _("Unknown status.")
                }
            )
        if status == S.SUBMITTED:
            if not submitted_on:
                raise ValidationError({"submitted_on": _("Give the date it was submitted.")})
            application.submitted_on = submitted_on
        if status in DECIDED:
            errors = {}
            if not decided_on:
                errors["decided_on"] = _("Give the date of the decision.")
            if not (decision or "").strip():
                errors["decision"] = _("Say what was decided.")
            if errors:
                raise ValidationError(errors)
            if application.submitted_on and decided_on < application.submitted_on:
                raise ValidationError(
                    {"decided_on": _("The decision cannot come before the submission.")}
                )
            application.decided_on = decided_on
            application.decision = decision.strip()
        if status == S.WITHDRAWN and decision:
            application.decision = decision.strip()
        application.status = status
    application.full_clean()
    application.save()
    after = {
        "status": application.status,
        "documents": application.documents,
        "details": application.details,
    }
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=application, request=request, changes=changes
    )
    return application
