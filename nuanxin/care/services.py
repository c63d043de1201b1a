"""Writes for care arrangements: agreements, absences and substitutes.

Every write fetches through the gate (`get_or_404(..., CHANGE, for_update=True)`),
validates with `full_clean`, runs in a transaction, re-checks the scope of
the row as stored and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.core.validators import clean_id_number, clean_phone
from nuanxin.regions.models import Level, Region, ancestor_codes, level_of
from nuanxin.registry.selectors import person_for_change

from .models import (
    SUBSTITUTE_WITHIN,
    ActivityKind,
    CareAbsence,
    CareAgreement,
    CareCheck,
    CaregiverKind,
    CareSubstitute,
    GuardianEvaluation,
    GuardianSituation,
    Measure,
    Pairing,
    PairingActivity,
    Screening,
    ScreeningItem,
    ScreeningStatus,
)


def _street_of(region_id: str) -> Region:
    code = next(c for c in ancestor_codes(region_id) if level_of(c) == Level.STREET)
    return Region.objects.get(code=code)


def _party(
    *,
    caregiver_kind: str,
    caregiver_name: str,
    caregiver_phone: str,
    caregiver_id_number: str = "",
    organisation_id: int | None = None,
) -> dict:
    """The caregiver's fields, checked and normalised (phone, ID number)."""
    errors: dict[str, str] = {}
    if caregiver_kind not in CaregiverKind.values:
        errors["caregiver_kind"] = _("Say who the caregiver is.")
    name = (caregiver_name or "").strip()
    if not name:
        errors["caregiver_name"] = _("Enter the caregiver's name.")
    phone = ""
    try:
        phone = clean_phone((caregiver_phone or "").strip())
    except ValidationError as exc:
        errors["caregiver_phone"] = exc.messages[0]
    id_number = (caregiver_id_number or "").strip().upper()
    if id_number:
        try:
            id_number = clean_id_number(id_number).number
        except ValidationError as exc:
            errors["caregiver_id_number"] = exc.messages[0]
    organisation = None
    if organisation_id is not None:
        from nuanxin.directory.models import Organisation

        organisation = Organisation.objects.filter(pk=organisation_id, active=True).first()
        if organisation is None:
            errors["organisation"] = _("No such organisation in the directory.")
    if errors:
        raise ValidationError(errors)
    return {
        "caregiver_kind": caregiver_kind,
        "caregiver_name": name,
        "caregiver_phone": phone,
        "caregiver_id_number": id_number,
        "organisation": organisation,
    }


def _masked_party(party: dict) -> dict:
    # The audit log keeps identifiers masked, like every page that shows them.
    return {
        "caregiver": party["caregiver_name"],
        "phone": mask_phone(party["caregiver_phone"]),
        "id_number": mask_id_number(party["caregiver_id_number"]),
    }


def _tiers_refresh(person_id: int) -> None:
    """An agreement is what makes a dispersed 特困 person's caregiver reliable (a tier fact)."""
    from nuanxin.visits.derive import schedules_refresh

    schedules_refresh(person_ids=[person_id])


def _author(user):
    return user if getattr(user, "is_authenticated", False) else None


def _created(user, obj, *, exclude, request, changes, object_repr: str = ""):
    """Validate and save a new row, re-check the user reaches it, audit its creation."""
    obj.full_clean(exclude=exclude)
    obj.save()
    access.recheck(user, access.Action.CHANGE, obj)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=obj,
        request=request,
        object_repr=object_repr,
        changes=changes,
    )
    return obj


def _updated(user, obj, fields: list[str], *, request, changes):
    """Save the changed fields of a row and audit the update."""
    obj.save(update_fields=fields)
    audit_record(user=user, action=AuditAction.UPDATE, obj=obj, request=request, changes=changes)
    return obj


@transaction.atomic
def care_agreement_create(
    *,
    user,
    person_id: int,
    caregiver_kind: str,
    caregiver_name: str,
    caregiver_phone: str,
    duties: list[str],
    care_level: str,
    monthly_fee_fen: int,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    caregiver_id_number: str = "",
    organisation_id: int | None = None,
    renews_id: int | None = None,
    note: str = "",
    request=None,
) -> CareAgreement:
    """Sign an agreement between the person's street, the person and a caregiver.

    Two agreements of one person may not overlap: a renewal starts after the
    one it renews ends (the old one is ended the day before when it ran on).
    """
    person = person_for_change(user=user, pk=person_id)
    party = _party(
        caregiver_kind=caregiver_kind,
        caregiver_name=caregiver_name,
        caregiver_phone=caregiver_phone,
        caregiver_id_number=caregiver_id_number,
        organisation_id=organisation_id,
    )
    renews = None
    if renews_id is not None:
        renews = access.get_or_404(
            CareAgreement, user, access.Action.CHANGE, pk=renews_id, for_update=True
        )
        if renews.person_id != person.pk:
            raise ValidationError({"renews": _("That agreement is about someone else.")})
        if renews.ends_on is None or renews.ends_on >= starts_on:
            renews.ends_on = starts_on - dt.timedelta(days=1)
            renews.full_clean(exclude=["person", "street", "organisation", "renews"])
            renews.save(update_fields=["ends_on"])
    agreement = CareAgreement(
        person=person,
        region_id=person.region_id,
        street=_street_of(person.region_id),
        duties=list(dict.fromkeys(duties or [])),
        care_level=care_level,
        monthly_fee_fen=monthly_fee_fen,
        starts_on=starts_on,
        ends_on=ends_on,
        renews=renews,
        note=(note or "").strip(),
        created_by=_author(user),
        **party,
    )
    agreement.full_clean(exclude=["person", "street", "renews", "created_by"])
    overlapping = (
        CareAgreement.objects.filter(person=person)
        .exclude(ends_on__lt=starts_on)
        .exclude(pk=getattr(renews, "pk", None))
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if overlapping.exists():
        raise ValidationError(
            {"starts_on": _("This person already has an agreement for those dates.")}
        )
    agreement.save()
    access.recheck(user, access.Action.CHANGE, agreement)
    _tiers_refresh(person.pk)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=agreement,
        request=request,
        object_repr=f"{person} · {agreement.caregiver_name}",
        changes={
            **_masked_party(party),
            "duties": agreement.duties,
            "care_level": care_level,
            "monthly_fee_fen": monthly_fee_fen,
            "period": [str(starts_on), str(ends_on or "")],
            "renews": getattr(renews, "pk", None),
        },
    )
    return agreement


@transaction.atomic
def care_agreement_end(
    *, user, agreement_id: int, ends_on: dt.date, reason: str = "", request=None
) -> CareAgreement:
    agreement = access.get_or_404(
        CareAgreement, user, access.Action.CHANGE, pk=agreement_id, for_update=True
    )
    if ends_on < agreement.starts_on:
        raise ValidationError({"ends_on": _("The agreement cannot end before it starts.")})
    before = agreement.ends_on
    agreement.ends_on = ends_on
    agreement.save(update_fields=["ends_on"])
    _tiers_refresh(agreement.person_id)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=agreement,
        request=request,
        reason=reason,
        changes={"ends_on": [str(before or ""), str(ends_on)]},
    )
    return agreement


@transaction.atomic
def care_agreement_document_attach(*, user, agreement_id: int, document, request=None):
    """Attach the signed agreement: a PDF, JPG or PNG of at most 10 MB (checked like a
    consent's document, by its content and not only its name)."""
    from nuanxin.registry.services import consent_document_check

    agreement = access.get_or_404(
        CareAgreement, user, access.Action.CHANGE, pk=agreement_id, for_update=True
    )
    try:
        consent_document_check(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.messages}) from None
    agreement.document = document
    agreement.save(update_fields=["document"])  # the stored name is known once saved
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=agreement,
        request=request,
        changes={"document": agreement.document.name},
    )
    return agreement


def care_agreement_document_open(*, user, agreement: CareAgreement, request=None):
    """The signed document opened for reading, with its content type; the read is audited.

    The caller fetched the agreement through the gate (404 otherwise)."""
    from django.http import Http404

    from nuanxin.registry.services import DOCUMENT_TYPES

    if not agreement.document:
        raise Http404
    ext = agreement.document.name.rsplit(".", 1)[-1].lower()
    _magic, mime = DOCUMENT_TYPES.get(ext, (b"", "application/octet-stream"))
    handle = agreement.document.open("rb")
    audit_record(
        user=user,
        action=AuditAction.VIEW,
        obj=agreement,
        request=request,
        changes={"document": agreement.document.name},
    )
    return handle, mime, ext


@transaction.atomic
def care_absence_report(
    *,
    user,
    agreement_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    reported_at: dt.datetime | None = None,
    request=None,
) -> CareAbsence:
    """The caregiver cannot serve from `starts_at` to `ends_at`.

    `reported_at` is when she told the street (now by default; an officer may
    record a call taken earlier, never a time to come): a substitute is due
    24 hours after it.
    """
    agreement = access.get_or_404(
        CareAgreement, user, access.Action.CHANGE, pk=agreement_id, for_update=True
    )
    now = timezone.now()
    reported_at = reported_at or now
    if reported_at > now:
        raise ValidationError({"reported_at": _("A report cannot come from the future.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the caregiver cannot serve.")})
    if agreement.ends_on is not None and timezone.localtime(starts_at).date() > agreement.ends_on:
        raise ValidationError({"starts_at": _("The agreement has ended by then.")})
    absence = CareAbsence(
        agreement=agreement,
        person_id=agreement.person_id,
        region_id=agreement.region_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        reported_at=reported_at,
        substitute_due_at=reported_at + SUBSTITUTE_WITHIN,
        recorded_by=_author(user),
    )
    _created(
        user,
        absence,
        exclude=["agreement", "person", "recorded_by"],
        request=request,
        object_repr=f"{agreement} · {absence.reason}"[:200],
        changes={
            "from": starts_at.isoformat(),
            "until": ends_at.isoformat(),
            "reported_at": reported_at.isoformat(),
        },
    )
    return absence


@transaction.atomic
def care_substitute_name(
    *,
    user,
    absence_id: int,
    caregiver_kind: str,
    caregiver_name: str,
    caregiver_phone: str,
    caregiver_id_number: str = "",
    organisation_id: int | None = None,
    agreement_id: int | None = None,
    request=None,
) -> CareSubstitute:
    """Name another party to take on the same duties for the dates of the absence."""
    absence = access.get_or_404(
        CareAbsence.objects.select_related("agreement"),
        user,
        access.Action.CHANGE,
        pk=absence_id,
        for_update=True,
    )
    if agreement_id is not None and absence.agreement_id != agreement_id:
        raise ValidationError({"absence_id": _("That absence belongs to another agreement.")})
    if CareSubstitute.objects.filter(absence=absence).exists():
        raise ValidationError({"absence_id": _("A substitute is already named.")})
    party = _party(
        caregiver_kind=caregiver_kind,
        caregiver_name=caregiver_name,
        caregiver_phone=caregiver_phone,
        caregiver_id_number=caregiver_id_number,
        organisation_id=organisation_id,
    )
    if party["caregiver_phone"] == absence.agreement.caregiver_phone:
        raise ValidationError({"caregiver_phone": _("The substitute must be another party.")})
    substitute = CareSubstitute(
        absence=absence,
        region_id=absence.region_id,
        named_at=timezone.now(),
        named_by=_author(user),
        **party,
    )
    _created(
        user,
        substitute,
        exclude=["absence", "named_by"],
        request=request,
        object_repr=f"{absence.agreement} · {substitute.caregiver_name}"[:200],
        changes={**_masked_party(party), "absence": absence.pk},
    )
    return substitute


@transaction.atomic
def care_check_record(
    *,
    user,
    agreement_id: int,
    checked_on: dt.date,
    unannounced: bool,
    duties_performed: list[str],
    home_ok: bool,
    satisfaction: str,
    findings: str = "",
    rectification_owner=None,
    rectification_due_on: dt.date | None = None,
    request=None,
) -> CareCheck:
    """Record a check of the caregiver; findings open a rectification task.

    `duties_performed` names the agreed duties found done; every other agreed
    duty is recorded as not performed. Findings need an owner and a deadline.
    """
    from nuanxin.casework.models import TaskKind
    from nuanxin.casework.services.service_tasks import service_task_create

    agreement = access.get_or_404(
        CareAgreement, user, access.Action.CHANGE, pk=agreement_id, for_update=True
    )
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("A check cannot be recorded in the future.")})
    if checked_on < agreement.starts_on:
        raise ValidationError({"checked_on": _("The agreement had not started then.")})
    performed = set(duties_performed or [])
    strangers = performed - set(agreement.duties)
    if strangers:
        raise ValidationError({"duties_performed": _("Only the agreed duties can be checked.")})
    findings = (findings or "").strip()
    task = None
    if findings:
        errors = {}
        if rectification_owner is None:
            errors["rectification_owner"] = _("Name who puts the findings right.")
        if rectification_due_on is None:
            errors["rectification_due_on"] = _("Give a deadline for the rectification.")
        elif rectification_due_on < checked_on:
            errors["rectification_due_on"] = _("The deadline cannot come before the check.")
        if errors:
            raise ValidationError(errors)
        try:
            task = service_task_create(
                user=user,
                person_id=agreement.person_id,
                kind=TaskKind.RECTIFICATION,
                starts_on=rectification_due_on,
                details=findings[:300],
                assignee=rectification_owner,
                request=request,
            )
        except ValidationError as exc:
            # The task's own fields, named as the check's form names them.
            names = {"assignee": "rectification_owner", "starts_on": "rectification_due_on"}
            if hasattr(exc, "error_dict"):
                raise ValidationError(
                    {names.get(k, k): v for k, v in exc.error_dict.items()}
                ) from None
            raise
    check = CareCheck(
        agreement=agreement,
        person_id=agreement.person_id,
        region_id=agreement.region_id,
        checked_on=checked_on,
        unannounced=bool(unannounced),
        duties_performed={d: d in performed for d in agreement.duties},
        home_ok=bool(home_ok),
        satisfaction=satisfaction,
        findings=findings,
        rectification=task,
        checked_by=_author(user),
    )
    _created(
        user,
        check,
        exclude=["agreement", "person", "rectification", "checked_by"],
        request=request,
        changes={
            "unannounced": check.unannounced,
            "duties_performed": check.duties_performed,
            "satisfaction": satisfaction,
            "rectification": getattr(task, "pk", None),
        },
    )
    return check


# --- pairing (结对帮扶) --------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    user,
    organisation_id: int,
    person_id: int,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    school: str = "",
    grade: str = "",
    request=None,
) -> Pairing:
    """Pair a partner organisation with a child (one open pairing per child)."""
    from nuanxin.directory.models import Organisation

    person = person_for_change(user=user, pk=person_id)
    organisation = Organisation.objects.filter(pk=organisation_id, active=True).first()
    if organisation is None:
        raise ValidationError({"organisation_id": _("No such partner organisation.")})
    if Pairing.objects.filter(person=person).active_on(starts_on).exists() or (
        Pairing.objects.filter(person=person, ends_on__isnull=True).exists()
    ):
        raise ValidationError({"person_id": _("This child already has a partner.")})
    pairing = Pairing(
        organisation=organisation,
        person=person,
        region_id=person.region_id,
        starts_on=starts_on,
        ends_on=ends_on,
        school=(school or "").strip(),
        grade=(grade or "").strip(),
        created_by=_author(user),
    )
    _created(
        user,
        pairing,
        exclude=["organisation", "person", "created_by"],
        request=request,
        changes={"organisation": organisation.pk, "person": person.pk, "from": str(starts_on)},
    )
    return pairing


@transaction.atomic
def pairing_end(*, user, pairing_id: int, ends_on: dt.date, request=None) -> Pairing:
    pairing = access.get_or_404(
        Pairing, user, access.Action.CHANGE, pk=pairing_id, for_update=True, links=False
    )
    if ends_on < pairing.starts_on:
        raise ValidationError({"ends_on": _("The pairing cannot end before it starts.")})
    pairing.ends_on = ends_on
    return _updated(user, pairing, ["ends_on"], request=request, changes={"ends_on": str(ends_on)})


@transaction.atomic
def pairing_activity_record(
    *,
    user,
    pairing_id: int,
    kind: str,
    held_on: dt.date,
    note: str = "",
    outcome: str = "met",
    request=None,
) -> PairingActivity:
    """A partner's activity with their child; a visit is recorded as a `Visit` too
    (method "partner", by the pairing partner), so it counts where visits count."""
    from nuanxin.visits.models import Method, WithWhom
    from nuanxin.visits.services import visit_record

    pairing = access.get_or_404(
        Pairing.objects.select_related("person"),
        user,
        access.Action.CHANGE,
        pk=pairing_id,
        for_update=True,
    )
    today = timezone.localdate()
    if not pairing.starts_on <= held_on <= today:
        raise ValidationError({"held_on": _("Choose a day from the pairing's start to today.")})
    if pairing.ends_on is not None and held_on > pairing.ends_on:
        raise ValidationError({"held_on": _("The pairing had ended by then.")})
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": _("Choose the activity.")})
    visit = None
    if kind == ActivityKind.VISIT:
        # A partner reaches the child through the pairing, never by region: the pairing
        # (checked above) is what lets them record this visit, so it is written on the
        # system's behalf and then signed with the partner's name.
        by_region = access.allows(user, access.Action.CHANGE, pairing.person) and not (
            access.has_link_role(user)
        )
        visit, _created = visit_record(
            user=user if by_region else None,
            person_id=pairing.person_id,
            visited_on=held_on,
            method=Method.PARTNER,
            with_whom=WithWhom.PAIRING_PARTNER,
            outcome=outcome,
            notes=(note or "").strip(),
            request=request,
        )
        if not by_region:
            visit.recorded_by = _author(user)
            visit.save(update_fields=["recorded_by"])
    activity = PairingActivity(
        pairing=pairing,
        person_id=pairing.person_id,
        region_id=pairing.region_id,
        kind=kind,
        held_on=held_on,
        note=(note or "").strip(),
        visit=visit,
        recorded_by=_author(user),
    )
    activity.full_clean(exclude=["pairing", "person", "visit", "recorded_by"])
    activity.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=activity,
        request=request,
        changes={"kind": kind, "held_on": str(held_on), "visit": getattr(visit, "pk", None)},
    )
    return activity


# --- screening (摸排) ----------------------------------------------------------------------

SCREENING_LEVELS = (Level.DISTRICT, Level.STREET)


@transaction.atomic
def screening_open(
    *,
    user,
    region_code: str,
    categories: list[str],
    deadline: dt.date,
    title: str = "",
    request=None,
) -> Screening:
    """Open a screening of some categories in a district or street: every person in scope
    (active enrolment, alive and here) gets a result to record. Two queries for the people."""
    from nuanxin.registry.models import Category, Enrollment, Status

    errors = {}
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level not in SCREENING_LEVELS:
        errors["region"] = _("Choose a district or a street.")
    cats = list(dict.fromkeys(categories or []))
    if not cats or any(c not in Category.values for c in cats):
        errors["categories"] = _("Choose the categories to screen.")
    if deadline is not None and deadline < timezone.localdate():
        errors["deadline"] = _("The deadline cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    access.require_region(user, access.Action.CHANGE, region.code)
    screening = Screening(
        title=(title or "").strip() or _("Screening of %(region)s") % {"region": region.name},
        region=region,
        categories=cats,
        deadline=deadline,
        opened_by=_author(user),
    )
    screening.full_clean(exclude=["region", "opened_by"])
    screening.save()
    people = (
        Enrollment.objects.restrict(user, access.Action.CHANGE, links=False)
        .within(region.code)
        .active_on(timezone.localdate())
        .filter(category__in=cats)
        .exclude(person__status__in=[Status.DECEASED, Status.MOVED])
        .values_list("person_id", "person__region_id")
        .distinct()
    )
    ScreeningItem.objects.bulk_create(
        [
            ScreeningItem(screening=screening, person_id=pid, region_id=code)
            for pid, code in dict(people).items()
        ],
        batch_size=500,
    )
    access.recheck(user, access.Action.CHANGE, screening)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=screening,
        request=request,
        changes={"region": region.code, "categories": cats, "deadline": str(deadline)},
    )
    return screening


@transaction.atomic
def screening_result_record(
    *,
    user,
    screening_id: int,
    person_id: int,
    measure: str,
    reason: str = "",
    request=None,
) -> ScreeningItem:
    """A person's result: a measure taken, or "none needed" with the reason."""
    item = access.get_or_404(
        ScreeningItem.objects.select_related("screening"),
        user,
        access.Action.CHANGE,
        screening_id=screening_id,
        person_id=person_id,
        for_update=True,
    )
    if item.screening.status != ScreeningStatus.OPEN:
        raise ValidationError({"__all__": _("The screening is closed.")})
    if measure not in Measure.values:
        raise ValidationError({"measure": _("Choose the measure taken.")})
    reason = (reason or "").strip()
    if measure == Measure.NONE and not reason:
        raise ValidationError({"reason": _("Say why no measure is needed.")})
    before = item.measure
    item.measure = measure
    item.reason = reason
    item.done_at = timezone.now()
    item.done_by = _author(user)
    item.full_clean(exclude=["screening", "person", "done_by"])
    return _updated(
        user,
        item,
        ["measure", "reason", "done_at", "done_by"],
        request=request,
        changes={"measure": [before, measure], "reason": reason},
    )


@transaction.atomic
def screening_close(*, user, screening_id: int, request=None) -> Screening:
    """Close the screening; refused while any person in scope has no result."""
    screening = access.get_or_404(
        Screening, user, access.Action.CHANGE, pk=screening_id, for_update=True
    )
    if screening.status != ScreeningStatus.OPEN:
        raise ValidationError({"__all__": _("The screening is already closed.")})
    still_open = ScreeningItem.objects.filter(screening=screening, done_at__isnull=True).count()
    if still_open:
        raise ValidationError(
            {
                "__all__": _(
                    "%(n)d people in scope have no result yet: the screening cannot close."
                )
                % {"n": still_open}
            }
        )
    screening.status = ScreeningStatus.CLOSED
    screening.closed_at = timezone.now()
    return _updated(
        user,
        screening,
        ["status", "closed_at"],
        request=request,
        changes={"status": [ScreeningStatus.OPEN, ScreeningStatus.CLOSED]},
    )


# --- guardianship of minors ----------------------------------------------------------------

# How long a red tier raised for a missing or unable guardian lasts before it is reviewed.
GUARDIAN_RAISE_DAYS = 180


@transaction.atomic
def guardian_evaluate(
    *,
    user,
    person_id: int,
    guardian_id: int,
    situation: str,
    evaluated_on: dt.date,
    unable_reason: str = "",
    lives_with_child: bool = True,
    request=None,
) -> GuardianEvaluation:
    """Record how a minor's guardian is placed to care. Missing or unable: the child is
    raised to red, with the situation as the reason, and is a blind spot until a measure."""
    from nuanxin.registry.models import Contact
    from nuanxin.visits.services import tier_raise

    person = person_for_change(user=user, pk=person_id)
    guardian = Contact.objects.filter(pk=guardian_id, person=person, is_guardian=True).first()
    if guardian is None:
        raise ValidationError({"guardian": _("Choose one of the child's guardians.")})
    age = person.age_on(evaluated_on)
    if age is not None and age >= 18:
        raise ValidationError({"__all__": _("Guardianship is recorded for minors.")})
    if evaluated_on > timezone.localdate():
        raise ValidationError({"evaluated_on": _("An evaluation cannot be in the future.")})
    evaluation = GuardianEvaluation.objects.filter(guardian=guardian).first() or (
        GuardianEvaluation(person=person, guardian=guardian)
    )
    before = evaluation.situation
    evaluation.region_id = person.region_id
    evaluation.situation = situation
    evaluation.unable_reason = unable_reason or ""
    evaluation.lives_with_child = bool(lives_with_child)
    evaluation.evaluated_on = evaluated_on
    evaluation.evaluated_by = _author(user)
    if situation != GuardianSituation.ABLE and before == GuardianSituation.ABLE:
        # A new gap: whatever was done before no longer answers it.
        evaluation.measure, evaluation.measure_on = "", None
    evaluation.full_clean(exclude=["person", "guardian", "evaluated_by"])
    evaluation.save()
    if situation != GuardianSituation.ABLE:
        why = evaluation.get_situation_display()
        if evaluation.unable_reason:
            why = f"{why}: {evaluation.get_unable_reason_display()}"
        tier_raise(
            user=user,
            person=person,
            tier="red",
            reason=_("Guardian %(name)s %(why)s") % {"name": guardian.name, "why": why},
            starts_on=evaluated_on,
            ends_on=evaluated_on + dt.timedelta(days=GUARDIAN_RAISE_DAYS),
            request=request,
        )
    audit_record(
        user=user,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=evaluation,
        request=request,
        changes={
            "situation": [before, situation],
            "unable_reason": evaluation.unable_reason,
            "evaluated_on": str(evaluated_on),
        },
    )
    return evaluation


@transaction.atomic
def guardian_measure_record(
    *, user, evaluation_id: int, measure: str, measure_on: dt.date | None = None, request=None
) -> GuardianEvaluation:
    """What was done for a child whose guardian is missing or unable."""
    evaluation = access.get_or_404(
        GuardianEvaluation, user, access.Action.CHANGE, pk=evaluation_id, for_update=True
    )
    if evaluation.situation == GuardianSituation.ABLE:
        raise ValidationError({"measure": _("The guardian is able to care: no measure is due.")})
    if not (measure or "").strip():
        raise ValidationError({"measure": _("Describe the measure taken.")})
    evaluation.measure = measure.strip()
    evaluation.measure_on = measure_on or timezone.localdate()
    evaluation.full_clean(exclude=["person", "guardian", "evaluated_by"])
    return _updated(
        user,
        evaluation,
        ["measure", "measure_on"],
        request=request,
        changes={"measure": evaluation.measure, "measure_on": str(evaluation.measure_on)},
    )
