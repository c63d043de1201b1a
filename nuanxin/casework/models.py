"""Casework (DESIGN §1): needs turned into owned, dated work.

- A **help request** (求助) comes from the hotline, a walk-in, the person's own
  call, a visit finding, a spot-check or another department; it is triaged
  (urgency and SLA), assigned, worked and resolved — or rejected / merged.
- A **needs assessment** (需求评估) is a social worker's structured view of a
  person; versioned, the latest one feeds the tier rules.
- A **referral** (转介) asks a service provider from the directory to do a job.
- A **service task** is a concrete job on a schedule (once, daily, weekly); each
  occurrence is a duty, done or missed.
- A **care plan** (帮扶方案) has goals, measures and a session schedule whose
  sessions are duties.
- An **application** tracks help given to apply for assistance (低保, 临时救助 …).

Every record carries the person's region code (`region_id`, copied at creation)
so lists and duties are scoped by one indexed prefix match.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nuanxin.core import access
from nuanxin.regions.districts import DistrictField, district_check

# --- help requests ------------------------------------------------------------


class Source(models.TextChoices):
    HOTLINE = "hotline", _("hotline")
    WALK_IN = "walk_in", _("walk-in")
    OWN_CALL = "own_call", _("the person's own call")
    VISIT = "visit", _("visit finding")
    SPOT_CHECK = "spot_check", _("phone spot-check")
    DEPARTMENT = "department", _("referral from another department")


class NeedType(models.TextChoices):
    LIVING_SUPPLIES = "living_supplies", _("living supplies")
    WATER = "water", _("water")
    HEATING = "heating", _("heating")
    REPAIRS = "repairs", _("repairs")
    MEDICAL = "medical", _("medical care")
    MEDICINE = "medicine", _("medicine")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    SAFETY = "safety", _("safety hazard")
    POLICY = "policy", _("policy and applications")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class RequestAction(models.TextChoices):
    """What a step in a request's life was: stored as a code, read in the reader's language."""

    CREATE = "create", _("receive")
    TRIAGE = "triage", _("triage")
    ASSIGN = "assign", _("assign")
    CONTACT = "contact", _("record first contact")
    START = "start", _("start work")
    RESOLVE = "resolve", _("resolve")
    CLOSE = "close", _("close")
    REJECT = "reject", _("reject")
    MERGE = "merge", _("merge into another request")
    MERGED_IN = "merged_in", _("a duplicate merged in")
    LINK = "link", _("link to a registry person")


class RequestStatus(models.TextChoices):
    NEW = "new", _("new")
    TRIAGED = "triaged", _("triaged")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged into another request")


# Statuses in which a request still needs somebody (and its SLA still runs).
OPEN_STATUSES = (
    RequestStatus.NEW,
    RequestStatus.TRIAGED,
    RequestStatus.ASSIGNED,
    RequestStatus.IN_PROGRESS,
)


class SlaRule(models.Model):
    """How fast each urgency must be answered: data the city admin edits."""

    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, unique=True)
    first_contact_hours = models.PositiveSmallIntegerField(_("first contact within (hours)"))
    resolve_hours = models.PositiveSmallIntegerField(_("resolved within (hours)"))

    class Meta:
        ordering = ["resolve_hours"]
        verbose_name = _("response time rule")
        verbose_name_plural = _("response time rules")

    def __str__(self):
        return self.get_urgency_display()


class HelpRequest(models.Model):
    person = models.ForeignKey(
        "registry.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
        verbose_name=_("person"),
    )
    # An unregistered caller, until linked to a registry record.
    caller_name = models.CharField(_("caller's name"), max_length=60, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=40, blank=True)
    caller_address = models.CharField(_("caller's address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        verbose_name=_("region"),
        help_text=_("Where the need is: the person's region, or the caller's."),
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    need_type = models.CharField(_("need"), max_length=20, choices=NeedType.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="help_requests_assigned",
        verbose_name=_("assigned to"),
    )
    received_at = models.DateTimeField(_("received at"))
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    # Deadlines, set at triage from the SLA rule of the urgency.
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    reject_reason = models.CharField(_("reason for rejecting"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    # The visit finding it came from, when it did.
    follow_up = models.OneToOneField(
        "visits.FollowUp",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_request",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("casework_helprequest")]
        ordering = ["-received_at", "-id"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [
            models.Index(fields=["region", "status"], name="casework_req_region_status"),
            models.Index(fields=["status", "resolve_due_at"], name="casework_req_status_due"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_need_type_display()}"

    @property
    def who(self) -> str:
        return self.person.name if self.person_id else self.caller_name


class RequestEvent(models.Model):
    """One step in a request's life: who moved it from which status to which, and why."""

    gate_region = "request__region_id"

    request = models.ForeignKey(HelpRequest, models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    from_status = models.CharField(max_length=12, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=RequestStatus.choices)
    action = models.CharField(_("action"), max_length=12, choices=RequestAction.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)  # the worker's own words
    district = DistrictField(source="request")

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"

    @property
    def label(self) -> str:
        """The step in words, then the worker's note: "triage: no hot water in winter"."""
        words = self.get_action_display() if self.action else ""
        return ": ".join(part for part in (str(words), self.note) if part)


# --- needs assessment ---------------------------------------------------------


class AdlItem(models.TextChoices):
    """The six activities of daily living (Katz)."""

    FEEDING = "feeding", _("feeding")
    BATHING = "bathing", _("bathing")
    DRESSING = "dressing", _("dressing")
    TOILETING = "toileting", _("toileting")
    TRANSFERRING = "transferring", _("getting in and out of bed")
    CONTINENCE = "continence", _("continence")


class AdlLevel(models.TextChoices):
    INDEPENDENT = "independent", _("independent")
    NEEDS_HELP = "needs_help", _("needs some help")
    DEPENDENT = "dependent", _("dependent")


class Loneliness(models.TextChoices):
    NONE = "none", _("not lonely")
    SOME = "some", _("sometimes lonely")
    SEVERE = "severe", _("often lonely, withdrawn")


class Assessment(models.Model):
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="assessments", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"))  # 1, 2, … per person
    assessed_on = models.DateField(_("assessed on"))
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assessments", verbose_name=_("assessed by")
    )
    help_request = models.ForeignKey(
        HelpRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("help request"),
    )
    living_conditions = models.TextField(_("living conditions"), blank=True)
    adl = models.JSONField(_("activities of daily living"), default=dict)  # AdlItem -> AdlLevel
    adl_dependent = models.PositiveSmallIntegerField(
        _("activities needing help"), default=0, editable=False
    )  # items not "independent", kept for the tier rules
    health = models.TextField(_("health"), blank=True)
    safety = models.TextField(_("safety"), blank=True)
    psychological = models.TextField(_("psychological state"), blank=True)
    loneliness = models.CharField(
        _("loneliness"), max_length=10, choices=Loneliness.choices, blank=True
    )
    social_support = models.TextField(_("social and family support"), blank=True)
    finances = models.TextField(_("finances"), blank=True)
    summary = models.TextField(pgettext_lazy("assessment", "summary"))
    recommendations = models.TextField(_("recommended measures"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-version"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        constraints = [
            district_check("casework_assessment"),
            models.UniqueConstraint(
                fields=["person", "version", "district"], name="casework_assessment_version"
            ),
        ]

    def __str__(self):
        return f"{self.person} v{self.version}"


# --- referrals ----------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    COMPLETED = "completed", _("completed")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class Referral(models.Model):
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="referrals", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    provider = models.ForeignKey(
        "directory.ServiceProvider",
        models.PROTECT,
        related_name="referrals",
        verbose_name=_("provider"),
    )
    help_request = models.ForeignKey(
        HelpRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("help request"),
    )
    asked = models.TextField(_("what is asked"))
    sent_on = models.DateField(_("sent on"))
    due_on = models.DateField(_("to be done by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The completion note, or the reason it was declined.
    outcome = models.TextField(pgettext_lazy("referral", "outcome"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("casework_referral")]
        ordering = ["-sent_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["status", "due_on"], name="casework_referral_open"),
        ]

    def __str__(self):
        return f"{self.provider} ← {self.person}"


# --- service tasks ------------------------------------------------------------


class TaskKind(models.TextChoices):
    WATER = "water", _("water delivery")
    RUBBISH = "rubbish", _("taking out rubbish")
    MEDICINE = "medicine", _("buying medicine")
    SHOPPING = "shopping", _("buying daily necessities")
    HOSPITAL_ESCORT = "hospital_escort", _("accompanying to hospital")
    HEATING_CHECK = "heating_check", _("heating check")
    RECTIFICATION = "rectification", _("safety rectification")
    OTHER = "other", _("other")


class Recurrence(models.TextChoices):
    ONCE = "once", _("once")
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")


class TaskStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    FINISHED = "finished", _("finished")
    CANCELLED = "cancelled", _("cancelled")


class ServiceTask(models.Model):
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="service_tasks", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    kind = models.CharField(_("task"), max_length=20, choices=TaskKind.choices)
    details = models.CharField(_("details"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_tasks",
        verbose_name=_("assigned to"),
    )
    recurrence = models.CharField(
        _("repeats"), max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE
    )
    starts_on = models.DateField(_("first on"))
    # One of the two ends a recurring task: a number of occurrences or a last date.
    occurrences = models.PositiveSmallIntegerField(_("number of times"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.ACTIVE
    )
    help_request = models.ForeignKey(
        HelpRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_tasks",
        verbose_name=_("help request"),
    )
    follow_up = models.ForeignKey(
        "visits.FollowUp", models.SET_NULL, null=True, blank=True, related_name="service_tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("casework_servicetask")]
        ordering = ["-starts_on", "-id"]
        verbose_name = _("service task")
        verbose_name_plural = _("service tasks")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.person}"


class OccurrenceStatus(models.TextChoices):
    DUE = "due", _("due")
    DONE = "done", _("done")
    MISSED = "missed", _("missed")
    CANCELLED = "cancelled", _("cancelled")


class TaskOccurrence(models.Model):
    """One day's instance of a service task: a duty, done or not."""

    task = models.ForeignKey(ServiceTask, models.CASCADE, related_name="occurrence_set")
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    region_id = models.CharField(max_length=15)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )  # copied from the task, so a volunteer's list is one indexed query
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.DUE
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Sent by a phone with "done" so a retry changes nothing: unique per author.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task occurrence")
        verbose_name_plural = _("task occurrences")
        constraints = [
            district_check("casework_taskoccurrence"),
            models.UniqueConstraint(
                fields=["task", "due_on", "district"], name="casework_occurrence_day"
            ),
            models.UniqueConstraint(
                fields=["done_by", "client_id", "district"],
                condition=models.Q(client_id__isnull=False),
                name="casework_occurrence_client_id_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on", "region_id"], name="casework_occ_due"),
            models.Index(fields=["assignee", "status", "due_on"], name="casework_occ_assignee"),
        ]

    def __str__(self):
        return f"{self.task} {self.due_on}"


# --- care plans ---------------------------------------------------------------


class PlanKind(models.TextChoices):
    PSYCHOLOGICAL = "psychological", _("psychological care")
    HOME_SERVICE = "home_service", _("home service")
    LIVING_ASSISTANCE = "living_assistance", _("living assistance")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CLOSED = "closed", _("closed")


class CarePlan(models.Model):
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="care_plans", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    goals = models.TextField(_("goals"))
    measures = models.TextField(_("measures"), blank=True)
    responsible = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="care_plans", verbose_name=_("responsible workers")
    )
    assessment = models.ForeignKey(
        Assessment,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_plans",
        verbose_name=_("assessment"),
    )
    help_request = models.ForeignKey(
        HelpRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_plans",
        verbose_name=_("help request"),
    )
    starts_on = models.DateField(_("first session on"))
    recurrence = models.CharField(
        _("sessions"), max_length=10, choices=Recurrence.choices, default=Recurrence.WEEKLY
    )
    sessions = models.PositiveSmallIntegerField(_("number of sessions"))
    review_on = models.DateField(_("review on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.TextField(pgettext_lazy("care plan", "outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("casework_careplan")]
        ordering = ["-starts_on", "-id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.person}"


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    PHONE = "phone", _("phone")


class CareSession(models.Model):
    """One planned session of a care plan: a duty until it is held (or cancelled)."""

    plan = models.ForeignKey(CarePlan, models.CASCADE, related_name="session_set")
    person = models.ForeignKey("registry.Person", models.CASCADE, related_name="+")
    region_id = models.CharField(max_length=15)
    number = models.PositiveSmallIntegerField(_("session"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.DUE
    )
    held_on = models.DateField(_("held on"), null=True, blank=True)
    mode = models.CharField(_("how"), max_length=10, choices=SessionMode.choices, blank=True)
    notes = models.TextField(_("session notes"), blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("care session")
        verbose_name_plural = _("care sessions")
        constraints = [
            district_check("casework_caresession"),
            models.UniqueConstraint(
                fields=["plan", "number", "district"], name="casework_session_number"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on", "region_id"], name="casework_session_due"),
        ]

    def __str__(self):
        return f"{self.plan} #{self.number}"


# --- assistance applications --------------------------------------------------


class Scheme(models.TextChoices):
    DIBAO = "dibao", _("minimum living allowance (低保)")
    TEKUN = "tekun", _("extreme-poverty support (特困)")
    TEMPORARY = "temporary", _("temporary assistance (临时救助)")
    DISABILITY_LIVING = "disability_living", _("living subsidy for disabled people")
    DISABILITY_CARE = "disability_care", _("care subsidy for severely disabled people")
    ELDERLY_ALLOWANCE = "elderly_allowance", _("elderly allowance")
    MEDICAL = "medical", _("medical assistance")
    OTHER = "other", _("other")


class ApplicationStatus(models.TextChoices):
    PREPARING = "preparing", _("gathering documents")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", pgettext_lazy("application", "refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Application(models.Model):
    person = models.ForeignKey(
        "registry.Person", models.PROTECT, related_name="applications", verbose_name=_("person")
    )
    region_id = models.CharField(max_length=15, db_index=True)
    scheme = models.CharField(_("applied for"), max_length=20, choices=Scheme.choices)
    details = models.CharField(_("details"), max_length=300, blank=True)
    help_request = models.ForeignKey(
        HelpRequest,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("help request"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PREPARING,
    )
    documents = models.JSONField(_("documents gathered"), default=list, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=300, blank=True)
    helped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("casework_application")]
        ordering = ["-created_at", "-id"]
        verbose_name = _("assistance application")
        verbose_name_plural = _("assistance applications")

    def __str__(self):
        return f"{self.get_scheme_display()} — {self.person}"
