"""Reads for help requests: scoped lists, SLA breaches, the duty source, the visit receiver."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.core import access, cards, duties
from nuanxin.core.duties import Duty
from nuanxin.registry.selectors import identifier_digits, person_search_q

from ..models import OPEN_STATUSES, HelpRequest, RequestEvent, Urgency

# Roles that oversee an area: their worklist holds every open request there.
# Everybody else (the workers) sees the requests assigned to them, and those
# nobody owns yet in the area they may change.
OVERSEER_ROLES = {
    access.Role.CITY_ADMIN,
    access.Role.DISTRICT_OFFICER,
    access.Role.STREET_OFFICER,
    access.Role.INSPECTOR,
}


# --- breaches ------------------------------------------------------------------------


def breach_q(now: dt.datetime) -> tuple[Q, Q]:
    """(first contact breached, resolution breached), as conditions on a row.

    A deadline is breached when it passed with nothing done while the request is
    open, or when the thing was done after it.
    """
    first = Q(first_contact_due_at__isnull=False) & (
        Q(first_contact_at__isnull=True, status__in=OPEN_STATUSES, first_contact_due_at__lt=now)
        | Q(first_contact_at__gt=F("first_contact_due_at"))
    )
    resolve = Q(resolve_due_at__isnull=False) & (
        Q(resolved_at__isnull=True, status__in=OPEN_STATUSES, resolve_due_at__lt=now)
        | Q(resolved_at__gt=F("resolve_due_at"))
    )
    return first, resolve


def with_breaches(qs: QuerySet, now: dt.datetime) -> QuerySet:
    """Annotate `first_contact_breached` and `resolve_breached` (no extra query)."""
    first, resolve = breach_q(now)
    return qs.annotate(
        first_contact_breached=Case(
            When(first, then=True), default=False, output_field=BooleanField()
        ),
        resolve_breached=Case(When(resolve, then=True), default=False, output_field=BooleanField()),
    )


# --- lists and records ----------------------------------------------------------------


def requests_visible(user, action: str = access.Action.VIEW) -> QuerySet[HelpRequest]:
    """Requests whose region the user reaches for `action` (none for link-only roles)."""
    return HelpRequest.objects.restrict(user, action)


def request_list(
    *,
    user,
    status: str = "",
    urgency: str = "",
    need: str = "",
    source: str = "",
    breached: bool = False,
    mine: bool = False,
    open_only: bool = False,
    q: str = "",
    region: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[HelpRequest]:
    """Requests in scope, filtered, with breach flags; person, region and assignees prefetched."""
    now = now or timezone.now()
    qs = with_breaches(requests_visible(user).within(region), now)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if need:
        qs = qs.filter(need_type=need)
    if source:
        qs = qs.filter(source=source)
    if breached:
        first, resolve = breach_q(now)
        qs = qs.filter(first | resolve)
    if mine:
        qs = qs.filter(
            pk__in=HelpRequest.assignees.through.objects.filter(user=user).values("helprequest_id")
        )
    q = (q or "").strip()
    if q:
        match = Q(caller_name__contains=q) | person_search_q(q, user=user, prefix="person__")
        digits = identifier_digits(q)
        if digits:
            # A caller's phone is masked like anyone's: the last four, or more to whoever may
            # reveal it.
            action = access.Action.VIEW if len(digits) == 4 else access.Action.REVEAL
            match |= access.scope(user, action).q("region_id") & Q(caller_phone__endswith=digits)
        number = q.lstrip("#")
        if number.isdigit() and len(number) <= 12:
            match |= Q(pk=int(number))
        qs = qs.filter(match)
    return qs.select_related("person", "region").prefetch_related("assignees")


def help_request_for(*, user, person, pk) -> HelpRequest | None:
    """The help request a create page links to (?request=ID), if it is this person's."""
    if not str(pk or "").isdigit() or len(str(pk)) > 18:
        return None
    return requests_visible(user).filter(pk=int(pk), person_id=person.pk).first()


def request_get(*, user, pk: int, now: dt.datetime | None = None) -> HelpRequest:
    """One request with its history; 404 outside the user's scope, like a missing one."""
    now = now or timezone.now()
    hr = (
        with_breaches(requests_visible(user), now)
        .select_related("person", "region", "merged_into", "created_by", "follow_up")
        .prefetch_related(
            "assignees",
            Prefetch("events", queryset=RequestEvent.objects.select_related("by")),
            "duplicates",
        )
        .filter(pk=pk)
        .first()
    )
    if hr is None:
        raise Http404
    return hr


def can_change(user, hr: HelpRequest) -> bool:
    return access.can(user, access.Action.CHANGE, hr.region_id)


@dataclasses.dataclass
class SlaCounts:
    open: int = 0
    breached: int = 0
    by_urgency: dict = dataclasses.field(default_factory=dict)  # urgency -> (open, breached)

    # For templates, which cannot index a dict by a variable.
    @property
    def urgent(self) -> tuple[int, int]:
        return self.by_urgency.get(Urgency.URGENT, (0, 0))

    @property
    def normal(self) -> tuple[int, int]:
        return self.by_urgency.get(Urgency.NORMAL, (0, 0))

    @property
    def low(self) -> tuple[int, int]:
        return self.by_urgency.get(Urgency.LOW, (0, 0))


def sla_counts(*, user, region: str = "", now: dt.datetime | None = None) -> SlaCounts:
    """Open requests and how many breached a deadline, per urgency (one query)."""
    now = now or timezone.now()
    first, resolve = breach_q(now)
    qs = requests_visible(user).within(region).filter(status__in=OPEN_STATUSES)
    rows = qs.values("urgency").annotate(n=Count("pk"), late=Count("pk", filter=first | resolve))
    counts = SlaCounts(by_urgency={u: (0, 0) for u in Urgency.values})
    for row in rows:
        counts.by_urgency[row["urgency"]] = (row["n"], row["late"])
        counts.open += row["n"]
        counts.breached += row["late"]
    return counts


# --- the duty source -------------------------------------------------------------------


def _moment(today: dt.date) -> dt.datetime:
    """'Now' for a worklist of `today`: the clock today, the end of the day otherwise."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))


def _next_deadline(hr: HelpRequest) -> tuple[str, dt.datetime | None]:
    if hr.first_contact_at is None and hr.first_contact_due_at is not None:
        return "first_contact", hr.first_contact_due_at
    return "resolve", hr.resolve_due_at


class RequestDuties:
    """Open help requests as duties: the next deadline (first contact, then resolution)."""

    kind = "help_request"

    def pending(self, *, user, today: dt.date, region: str = ""):
        """Every open request in reach (see core.duties: any deadline, any assignee)."""
        return [requests_visible(user).within(region).filter(status__in=OPEN_STATUSES)]

    def due(self, *, user, today: dt.date, until: dt.date, region: str = "", limit: int = 500):
        end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
        qs = self._open(user, region).filter(
            Q(first_contact_at__isnull=True, first_contact_due_at__lt=end)
            | Q(first_contact_at__isnull=False, resolve_due_at__lt=end)
        )
        if not (access.roles_of(user) & OVERSEER_ROLES):
            qs = qs.filter(
                Q(assignees=user)
                | (Q(assignees__isnull=True) & access.scope(user, access.Action.CHANGE).q())
            )
        now = _moment(today)
        return [self._duty(hr, user, now) for hr in qs[:limit]]

    def overdue(self, *, user, today: dt.date, region: str = "", limit: int = 500):
        now = _moment(today)
        first, resolve = breach_q(now)
        qs = self._open(user, region).filter(first | resolve)
        return [self._duty(hr, user, now) for hr in qs[:limit]]

    @staticmethod
    def _open(user, region: str) -> QuerySet[HelpRequest]:
        qs = requests_visible(user).within(region).filter(status__in=OPEN_STATUSES)
        return (
            qs.select_related("person")
            .prefetch_related("assignees")
            .order_by("first_contact_due_at", "id")
        )

    @staticmethod
    def _duty(hr: HelpRequest, user, now: dt.datetime) -> Duty:
        which, deadline = _next_deadline(hr)
        late = deadline is not None and deadline < now
        if which == "first_contact":
            label = _("First contact overdue") if late else _("First contact due")
        else:
            label = _("Resolution overdue") if late else _("Resolution due")
        assignees = list(hr.assignees.all())
        owner = next((u.pk for u in assignees if u.pk == user.pk), None)
        if owner is None and assignees:
            owner = assignees[0].pk
        person = hr.person
        return Duty(
            kind="help_request",
            # An unregistered caller has no person record yet: 0 stands for "none".
            person_id=hr.person_id or 0,
            person_name=person.name if person else hr.caller_name,
            region_id=hr.region_id,
            due_on=timezone.localtime(deadline).date() if deadline else hr.received_at.date(),
            tier=person.tier if person else "",
            label=_("Help request #%(n)s: %(what)s") % {"n": hr.pk, "what": label},
            link=reverse("casework:request_detail", args=[hr.pk]),
            owner_id=owner,
            address=person.address if person else hr.caller_address,
        )


# --- the dashboard card ------------------------------------------------------------------


class RequestsCard:
    """Officers' home page: open help requests in the area and how many are late."""

    position = 20
    template = "casework/_card_requests.html"

    def context(self, *, user, region, today) -> dict | None:
        if not access.can(user, access.Action.VIEW, region.code):
            return None
        return {"requests": sla_counts(user=user, region=region.prefix)}


# --- wiring ----------------------------------------------------------------------------


def ready() -> None:
    """Called from AppConfig.ready: register the duty source and the dashboard card."""
    duties.register(RequestDuties())
    cards.register(RequestsCard())
