"""Reads of the registry, always through the gate (`Person.objects.restrict`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404

from nuanxin.core import access, idnumber
from nuanxin.regions.models import prefix_q, significant

from .models import Enrollment, Person, PersonMove

# A search of this many digits matches what a masked identifier shows (its last
# four); a longer one needs the right to reveal the identifier it matches.
VISIBLE_DIGITS = 4


def identifier_digits(text: str) -> str:
    """The digits (and a final X) of a search for an ID number or phone; "" for a name."""
    lowered = (text or "").strip().lower().replace(" ", "")
    if lowered.rstrip("x").isdigit() and len(lowered) >= VISIBLE_DIGITS:
        return lowered.upper()
    return ""


def person_search_q(text: str, *, user, prefix: str = "") -> Q:
    """Name, pinyin, initials (`cay` → 蔡阿姨), or the tail of an ID number or phone.

    Digits match only what the user could read: the last four of a masked
    identifier; a longer tail only where the user may reveal it, and a phone in
    clear for people a task names. `prefix` is the path to the person
    ("person__" from a help request).
    """
    text = text.strip()
    if not text:
        return Q()
    lowered = text.lower().replace(" ", "")
    if lowered.isascii() and lowered.isalpha():
        return Q(**{f"{prefix}name_initials__startswith": lowered}) | Q(
            **{f"{prefix}name_pinyin__startswith": lowered}
        )
    digits = identifier_digits(text)
    if not digits:
        return Q(**{f"{prefix}name__contains": text})

    def tail(*fields) -> Q:
        q = Q(pk__in=[])
        for field in fields:
            q |= Q(**{f"{prefix}{field}__endswith": digits})
        return q

    def where(action) -> Q:
        # The residence, and the registration (人户分离: that area sees the person too).
        found = access.scope(user, action)
        return found.q(f"{prefix}region_id") | found.q(f"{prefix}registered_region_id")

    if len(digits) == VISIBLE_DIGITS:
        masked = where(access.Action.VIEW) & tail("id_number", "phone", "phone2")
    else:
        exact = Q(**{f"{prefix}id_number": digits})
        if len(digits) == 15 and digits.isdigit():
            # A first-generation number from an old ledger: the person's 18 digits.
            exact |= Q(**{f"{prefix}id_number": idnumber.upgrade_15(digits)})
        masked = where(access.Action.REVEAL) & (tail("id_number", "phone", "phone2") | exact)
    # People a task names: their phone is shown in clear, never their ID number.
    linked = access.link_q(Person, user, access.Action.VIEW)
    if linked is not None:
        if prefix:
            linked = Q(**{f"{prefix}in": Person.objects.filter(linked)})
        masked |= linked & tail("phone")
    return masked


def person_list(
    *,
    user,
    region: str = "",
    category: str = "",
    tier: str = "",
    status: str = "",
    q: str = "",
    action: str = access.Action.VIEW,
) -> QuerySet[Person]:
    """People the user may reach for `action`, filtered; categories prefetched (no query per row).

    Filters by tier or category never match people the user sees only through a
    task (those fields are not theirs to read).
    """
    qs = Person.objects.restrict(user, action).select_related("region")
    if region:
        # The people of an area: those who live there and those registered there (人户分离).
        where = significant(region)
        qs = qs.filter(prefix_q(where, "region_id") | prefix_q(where, "registered_region_id"))
    if category or tier:
        qs = qs.restrict(user, action, links=False)
    if category:
        qs = qs.filter(
            pk__in=Enrollment.objects.active_on().filter(category=category).values("person_id")
        )
    if tier:
        qs = qs.filter(tier=tier)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(person_search_q(q, user=user))
    return qs.prefetch_related(
        Prefetch(
            "enrollments", queryset=Enrollment.objects.active_on(), to_attr="active_enrollments"
        )
    )


PROFILE_RELATED = ("region", "region__parent", "region__parent__parent", "household")


def person_get(*, user, pk: int, action: str = access.Action.VIEW, history: bool = False) -> Person:
    """One person: 404 out of sight (like a missing one), 403 in sight but not allowed.

    ``history=True`` for pages that show more than the task view (visits,
    assessments, the timeline): a person reached only through a task or a
    referral, or only through their place of registration, is then out of sight.
    """
    person = access.get_or_404(
        Person.objects.select_related(*PROFILE_RELATED), user, action, pk=pk, links=not history
    )
    if history and not access.by_residence(user, access.Action.VIEW, person):
        # Reached through the registration only (人户分离): the history of visits,
        # assessments and casework belongs to where the person lives.
        raise Http404
    return person


def person_for_change(*, user, pk: int) -> Person:
    """The person's row, locked for a write inside the caller's transaction (404 / 403)."""
    return access.get_or_404(Person, user, access.Action.CHANGE, pk=pk, for_update=True)


PROFILE_PREFETCH = (
    "enrollments",
    "disabilities",
    "contacts",
    "consents",
    "consents__given_by_guardian",
    "devices",
    "household__members",
)


def person_profile(*, user, pk: int, action: str = access.Action.VIEW) -> Person:
    """One person with all the profile shows: one read through the gate (`person_get`),
    then the related rows (`profile_of`)."""
    return profile_of(person_get(user=user, pk=pk, action=action))


def profile_of(person: Person) -> Person:
    """Fetch onto a person already reached through the gate (`person_get`) the rows the
    profile shows; `active_enrollments` is set from the enrollments, with no query."""
    prefetch_related_objects([person], *PROFILE_PREFETCH)
    today = dt.date.today()
    person.active_enrollments = [e for e in person.enrollments.all() if e.is_active_on(today)]
    return person


def person_for_timeline(*, user, pk: int) -> Person:
    """A person whose whole history `user` may read: by region, never by a link.

    Volunteers and provider accounts reach someone only for a task; the history
    of visits, consents and casework is not theirs to read (404, as if missing).
    """
    return person_get(user=user, pk=pk, history=True)


def household_members(*, user, person: Person) -> list[Person]:
    """The other members of the person's household that the user may see."""
    if not person.household_id:
        return []
    return list(
        Person.objects.restrict(user, access.Action.VIEW, links=False)
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
    )


def person_moves(*, user, person: Person) -> list[PersonMove]:
    """The person's moves (their residence history), for those who reach them by residence."""
    if not access.by_residence(user, access.Action.VIEW, person):
        return []
    return list(PersonMove.objects.filter(person=person).select_related("from_region", "to_region"))
