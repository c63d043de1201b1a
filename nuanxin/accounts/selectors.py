"""Reads about users: who works where."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Prefetch, QuerySet

from nuanxin.core import access
from nuanxin.core.access import Role
from nuanxin.regions.models import ancestor_codes

from . import lockout
from .models import ApiToken, Membership, User


def users_over(region_code: str, roles: Iterable[str]) -> QuerySet[User]:
    """Active users holding one of `roles` in this region or a region above it (one query)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__active=True,
            memberships__role__in=list(roles),
            memberships__region_id__in=ancestor_codes(region_code),
        )
        .distinct()
        .order_by("username")
    )


def usual_workers(region_codes) -> Callable[[str], User | None]:
    """Who the work of each of these regions falls to by default, in one query: a function
    of a region code answering the grid worker of that region or its community, else the
    community worker there (the first by login name when several share one), else None.
    Active users only."""
    codes = set(region_codes) | {code[:12] for code in region_codes}
    memberships = (
        Membership.objects.filter(
            active=True,
            user__is_active=True,
            role__in=[Role.GRID_WORKER, Role.COMMUNITY_WORKER],
            region_id__in=codes,
        )
        .select_related("user")
        .order_by("user__username")
    )
    first: dict[tuple[str, str], User] = {}
    for m in memberships:
        first.setdefault((m.role, m.region_id), m.user)

    def worker(region_code: str) -> User | None:
        for role in (Role.GRID_WORKER, Role.COMMUNITY_WORKER):
            found = [first[role, c] for c in {region_code, region_code[:12]} if (role, c) in first]
            if found:
                return min(found, key=lambda user: user.username)
        return None

    return worker


def usual_worker(region_code: str) -> User | None:
    """Who a person's work falls to by default: the worker of their grid, else of their
    community (the first by login name when several share one), else nobody."""
    return usual_workers({region_code})(region_code)


# --- who may lift whose login lock -----------------------------------------------------

# Officers who may lift a lock, by rank: above a user means holding one of these
# over every region the user works in, at a wider region or a higher rank.
OFFICER_RANK = {Role.CITY_ADMIN: 3, Role.DISTRICT_OFFICER: 2}


def is_officer(user) -> bool:
    """Does `user` hold a role that may lift locks (somewhere)?"""
    return bool(access.roles_of(user) & set(OFFICER_RANK))


def is_city_admin(user) -> bool:
    return Role.CITY_ADMIN in access.roles_of(user)


def is_above(officer, user: User, memberships: Iterable[Membership] | None = None) -> bool:
    """Is `officer` above `user`: every active membership of the user lies under one of
    the officer's city-admin or district-officer regions, in a narrower region or
    at a lower rank? Staff accounts answer to the city administrator only.

    `memberships` are the user's active memberships with their regions, when the
    caller has them prefetched.
    """
    if officer is None:
        return True  # the system
    if not getattr(officer, "is_authenticated", False) or officer.pk == user.pk:
        return False
    held = [
        (OFFICER_RANK[role], prefix)
        for role, prefix in access.reach(officer).memberships
        if role in OFFICER_RANK
    ]
    if not held:
        return False
    if user.is_staff or user.is_superuser:
        held = [(rank, prefix) for rank, prefix in held if rank == OFFICER_RANK[Role.CITY_ADMIN]]
    if memberships is None:
        memberships = user.memberships.filter(active=True).select_related("region")
    theirs = [(OFFICER_RANK.get(m.role, 1), m.region.prefix) for m in memberships]
    if not theirs:
        return False  # nobody's region: only the system lifts their lock
    return all(
        any(
            code.startswith(prefix) and (len(code) > len(prefix) or rank > their_rank)
            for rank, prefix in held
        )
        for their_rank, code in theirs
    )


@dataclass(frozen=True)
class UserLock:
    user: User
    lock: lockout.Lock


def name_locks_for(officer) -> list[UserLock]:
    """Locks on the users `officer` is above (three queries whatever the number)."""
    if not is_officer(officer):
        return []
    locks = lockout.name_locks()
    names = {lock.username for lock in locks}
    users = {
        u.username: u
        for u in User.objects.filter(username__in=names).prefetch_related(
            Prefetch(
                "memberships",
                Membership.objects.filter(active=True).select_related("region"),
                to_attr="active_memberships",
            )
        )
    }
    return [
        UserLock(users[lock.username], lock)
        for lock in locks
        if lock.username in users
        and is_above(officer, users[lock.username], users[lock.username].active_memberships)
    ]


def address_locks_for(officer) -> list[lockout.Lock]:
    """Locked addresses: the city administrator's to see and lift (an address has no region)."""
    return lockout.address_locks() if is_city_admin(officer) else []


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


# --- staff: who may list and add them ------------------------------------------------


def can_import_roster(user) -> bool:
    """The staff roster is the city administrator's to import."""
    return is_city_admin(user)


def roster_scope(user) -> access.RegionScope:
    """Where `user` may staff from a roster: the city administrator's regions (the system:
    everywhere)."""
    if user is None:
        return access.EVERYWHERE
    return access.RegionScope(
        tuple(prefix for role, prefix in access.reach(user).memberships if role == Role.CITY_ADMIN)
    )


def staff_scope(user) -> access.RegionScope:
    """Whose accounts an officer may list: memberships in the regions where they are city
    administrator or district officer (the system: everywhere)."""
    if user is None:
        return access.EVERYWHERE
    return access.RegionScope(
        tuple(prefix for role, prefix in access.reach(user).memberships if role in OFFICER_RANK)
    )


def staff_memberships(user, *, region: str = "", role: str = "", text: str = ""):
    """Memberships (with their user and region) in `user`'s staff scope, filtered; by region
    code, then role, then username."""
    from nuanxin.regions.models import prefix_q, significant

    scope = staff_scope(user)
    qs = Membership.objects.filter(scope.q("region_id")).select_related("user", "region")
    if scope.nowhere:
        return qs.none()
    if region:
        qs = qs.filter(prefix_q(significant(region), "region_id"))
    if role:
        qs = qs.filter(role=role)
    if text:
        qs = qs.filter(
            models.Q(user__username__icontains=text) | models.Q(user__full_name__icontains=text)
        )
    return qs.order_by("region_id", "role", "user__username")


def communities_for_grids(user):
    """The communities under which `user` may add a grid: those of their staff scope (the
    regions where they are city administrator or district officer)."""
    from nuanxin.regions.models import Level, Region

    scope = staff_scope(user)
    if scope.nowhere:
        return Region.objects.none()
    return Region.objects.filter(scope.q("code"), level=Level.COMMUNITY).order_by("code")
