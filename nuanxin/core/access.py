"""The one access rule (DESIGN §3.1).

A user's reach is the union of their memberships. A membership is a role in a
region: the region gives the code prefix, the role gives the actions. Field
roles that work *for* people rather than *over* an area — volunteers and
partner contacts — reach nobody by region; they reach exactly the people that
a task or a pairing names, which other apps declare with `register_link`.

Every page, API route, export, search and background job asks this module —
never its own filter — so that a rule changed here changes everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_WORKER = "grid_worker", _("Grid worker")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTNER_CONTACT = "partner_contact", _("Partner organisation contact")
    INSPECTOR = "inspector", _("Inspector")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CHANGE = "change", _("change")
    REVEAL = "reveal", _("reveal masked fields")
    EXPORT = "export", _("export")
    AUDIT = "audit", _("read the audit log")


_ALL = frozenset(Action.values)
_OFFICER = frozenset({Action.VIEW, Action.CHANGE, Action.REVEAL, Action.EXPORT})

# What each role may do over the people of its region.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: _ALL,
    Role.DISTRICT_OFFICER: _OFFICER,
    Role.STREET_OFFICER: _OFFICER,
    Role.COMMUNITY_WORKER: _OFFICER,
    Role.GRID_WORKER: frozenset({Action.VIEW, Action.CHANGE, Action.REVEAL}),
    Role.SOCIAL_WORKER: frozenset({Action.VIEW, Action.CHANGE, Action.REVEAL}),
    # Inspectors read ledgers; they change nothing and reveal nothing.
    Role.INSPECTOR: frozenset({Action.VIEW, Action.EXPORT}),
    # Reach by link only (see `linked_person_ids`), never by region.
    Role.VOLUNTEER: frozenset(),
    Role.PARTNER_CONTACT: frozenset(),
}

LINK_ROLES = frozenset({Role.VOLUNTEER, Role.PARTNER_CONTACT})

# Providers of "people this user is linked to": callables user -> QuerySet of
# person ids (values_list("person_id")). Casework registers task assignees,
# care registers pairings, and so on.
_link_providers: list[Callable] = []


def register_link(provider: Callable) -> None:
    if provider not in _link_providers:
        _link_providers.append(provider)


def _memberships(user) -> list[tuple[str, str]]:
    """(role, prefix) pairs, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_nuanxin_memberships", None)
    if cached is None:
        cached = [
            (m.role, m.region.prefix)
            for m in user.memberships.select_related("region").filter(active=True)
        ]
        user._nuanxin_memberships = cached
    return cached


def prefixes_for(user, action: str = Action.VIEW) -> list[str]:
    """Code prefixes under which `user` may perform `action`."""
    return sorted(
        {prefix for role, prefix in _memberships(user) if action in ROLE_ACTIONS.get(role, ())}
    )


def roles_of(user) -> set[str]:
    return {role for role, _prefix in _memberships(user)}


def can(user, action: str, region_code: str | None = None) -> bool:
    """May `user` do `action` somewhere (or, given a code, over that region)?"""
    prefixes = prefixes_for(user, action)
    if region_code is None:
        return bool(prefixes)
    return any(region_code.startswith(p) for p in prefixes)


def region_q(user, action: str = Action.VIEW, field: str = "region_id") -> models.Q:
    """A Q matching rows whose region code lies under the user's prefixes for `action`."""
    from nuanxin.regions.models import prefix_q

    q = models.Q(pk__in=[])
    for prefix in _collapse(prefixes_for(user, action)):
        q |= prefix_q(prefix, field)
    return q


def linked_person_ids(user):
    """Ids of the people some task or pairing links this user to (a list of subqueries)."""
    if not (roles_of(user) & LINK_ROLES):
        return []
    return [provider(user) for provider in _link_providers]


def is_link_only(user, region_code: str) -> bool:
    """True if the user reaches this region's people only through links.

    Such users see the fields their task needs (name, address, phone), never
    the whole record.
    """
    return not can(user, Action.VIEW, region_code)


def _collapse(prefixes: list[str]) -> list[str]:
    """Drop prefixes already covered by a shorter one (fewer OR branches)."""
    kept: list[str] = []
    for p in sorted(prefixes, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept
