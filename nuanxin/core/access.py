"""The one gate (DESIGN §3.1): every row a user reaches is reached through here.

A user's *reach* is the union of their memberships. A membership is a role in a
region: the region gives a code prefix (成华区 → ``510108``), the role the
actions (view, change, reveal, export, audit). Each action is checked against
the regions where the user holds it: a user who may export in one region and
only view in another exports from the first only.

Field roles that work *for* people rather than *over* an area — volunteers,
partner contacts, provider accounts — reach nobody by region; they reach what a
task, a pairing or a referral names. The apps that own those records declare
them with `register_link`.

The faces of the system use four things, and nothing else:

- ``Model.objects.restrict(user, action)`` — the rows `user` may reach for
  `action` (every model that carries a region or a person has it: see
  `RestrictedQuerySet`);
- ``get_or_404(queryset, user, action, pk=…)`` — one row: 404 when it is out of
  sight (exactly like a missing one), 403 when in sight but not allowed;
- ``require(user, action, obj)`` — the same check on a row a service holds,
  before a write and again after it, inside the transaction;
- ``scope(user, action)`` — the same rule as an object, for code that is not a
  queryset: raw SQL (`RegionScope.sql`), the ledger importer's per-row check,
  buttons on a page (`can`).

``user=None`` is the system itself (commands, the demo, jobs started by no
one): it reaches everything. A web request always has a user (anonymous
included), so None never comes from a page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nuanxin.regions.districts import district_field
from nuanxin.regions.models import code_range, prefix_q


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", gettext_lazy("City administrator")
    DISTRICT_OFFICER = "district_officer", gettext_lazy("District officer")
    STREET_OFFICER = "street_officer", gettext_lazy("Street officer")
    COMMUNITY_WORKER = "community_worker", gettext_lazy("Community worker")
    GRID_WORKER = "grid_worker", gettext_lazy("Grid worker")
    SOCIAL_WORKER = "social_worker", gettext_lazy("Social worker")
    VOLUNTEER = "volunteer", gettext_lazy("Volunteer")
    PARTNER_CONTACT = "partner_contact", gettext_lazy("Partner organisation contact")
    INSPECTOR = "inspector", gettext_lazy("Inspector")


class Action(models.TextChoices):
    VIEW = "view", gettext_lazy("view")
    CHANGE = "change", gettext_lazy("change")
    REVEAL = "reveal", gettext_lazy("reveal masked fields")
    EXPORT = "export", gettext_lazy("export")
    AUDIT = "audit", gettext_lazy("read the audit log")


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
    # Reach by link only (see `register_link`), never by region.
    Role.VOLUNTEER: frozenset(),
    Role.PARTNER_CONTACT: frozenset(),
}

LINK_ROLES = frozenset({Role.VOLUNTEER, Role.PARTNER_CONTACT})


# --- where a user may do what ------------------------------------------------------


@dataclass(frozen=True)
class RegionScope:
    """The region codes one user may act on for one action.

    ``prefixes`` is None for the system (everywhere); otherwise the code
    prefixes of the memberships that grant the action, with any prefix already
    covered by a shorter one dropped (fewer OR branches in every query).
    """

    prefixes: tuple[str, ...] | None

    @property
    def everywhere(self) -> bool:
        return self.prefixes is None

    @property
    def nowhere(self) -> bool:
        return self.prefixes == ()

    def covers(self, code: str | None) -> bool:
        if self.prefixes is None:
            return True
        return bool(code) and any(code.startswith(p) for p in self.prefixes)

    def q(self, field: str = "region_id") -> models.Q:
        """A condition on `field` (a region code) matching the scope."""
        if self.prefixes is None:
            return models.Q()
        if not self.prefixes:
            return models.Q(pk__in=[])  # nowhere
        q = prefix_q(self.prefixes[0], field)
        for prefix in self.prefixes[1:]:
            q |= prefix_q(prefix, field)
        return q

    def sql(self, column: str, district_column: str = "") -> tuple[str, list]:
        """The scope as SQL for raw queries: OR of code ranges on `column`.

        With NUANXIN_DISTRICT_ROUTING and the table's `district_column`, a scope
        within one district also names it, as `restriction` does.
        """
        if self.prefixes is None:
            return "1 = 1", []
        parts, params = [], []
        for prefix in self.prefixes:
            low, high = code_range(prefix)
            parts.append(f"({column} >= %s AND {column} < %s)")
            params += [low, high or "~"]
        where = " OR ".join(parts) or "1 = 0"
        if settings.DISTRICT_ROUTING and district_column and self.district:
            return f"({where}) AND {district_column} = %s", [*params, self.district]
        return where, params

    def touches(self, code: str) -> bool:
        """Does the scope hold this region, or some part of it (a street of a district)?"""
        from nuanxin.regions.models import significant

        if self.prefixes is None:
            return True
        prefix = significant(code)
        return any(p.startswith(prefix) or prefix.startswith(p) for p in self.prefixes)

    def held_at(self, level) -> RegionScope:
        """The part of the scope held at `level` (a regions.Level) or above: a district
        officer's scope at DISTRICT is theirs, a community worker's is empty."""
        from nuanxin.regions.models import PREFIX_LENGTH

        if self.prefixes is None:
            return self
        return RegionScope(tuple(p for p in self.prefixes if len(p) <= PREFIX_LENGTH[level]))

    @property
    def district(self) -> str | None:
        """The one district every region of the scope lies in (None: several, the city)."""
        if not self.prefixes or any(len(p) < 6 for p in self.prefixes):
            return None
        found = {p[:6] for p in self.prefixes}
        return found.pop() if len(found) == 1 else None

    def widest(self) -> str:
        """The first (widest) prefix, for pages that open on "your area"; "" if none."""
        return (self.prefixes or ("",))[0] if self.prefixes is not None else ""


EVERYWHERE = RegionScope(None)


def _collapse(prefixes: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for p in sorted(set(prefixes), key=lambda p: (len(p), p)):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


class Reach:
    """A user's memberships as (role, prefix) pairs, read once per request."""

    def __init__(self, memberships: Iterable[tuple[str, str]]):
        self.memberships = tuple(memberships)
        self.roles = frozenset(role for role, _prefix in self.memberships)
        self._scopes: dict[str, RegionScope] = {}

    def scope(self, action: str) -> RegionScope:
        if action not in self._scopes:
            self._scopes[action] = RegionScope(
                _collapse(
                    prefix
                    for role, prefix in self.memberships
                    if action in ROLE_ACTIONS.get(role, ())
                )
            )
        return self._scopes[action]

    def holds(self, role: str, code: str) -> bool:
        """Does the user hold `role` in this region or one above it?"""
        return any(r == role and code.startswith(p) for r, p in self.memberships)

    @property
    def has_link_role(self) -> bool:
        return bool(self.roles & LINK_ROLES)


_NOBODY = Reach(())


def reach(user) -> Reach:
    """The user's reach, cached on the user object for the request."""
    if user is None:
        raise ValueError("the system has no memberships; use scope(None, …)")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = getattr(user, "_nuanxin_reach", None)
    if cached is None:
        from nuanxin.regions.models import PREFIX_LENGTH

        # Plain values, not model rows: this runs on every request.
        cached = Reach(
            (role, code[: PREFIX_LENGTH[level]])
            for role, code, level in user.memberships.filter(active=True).values_list(
                "role", "region__code", "region__level"
            )
        )
        user._nuanxin_reach = cached
    return cached


def forget(user) -> None:
    """Drop the cached reach (after a membership of this user object changed)."""
    if user is not None and hasattr(user, "_nuanxin_reach"):
        del user._nuanxin_reach


def scope(user, action: str = Action.VIEW) -> RegionScope:
    return EVERYWHERE if user is None else reach(user).scope(action)


def can(user, action: str, region_code: str | None = None) -> bool:
    """May `user` do `action` somewhere (or, given a code, over that region)?

    For deciding what a page offers. Rows are reached with `restrict`, one row
    with `get_or_404`, writes are guarded by `require`.
    """
    found = scope(user, action)
    if region_code is None:
        return not found.nowhere
    return found.covers(region_code)


def roles_of(user) -> frozenset[str]:
    return frozenset() if user is None else reach(user).roles


def holds_role(user, role: str, code: str) -> bool:
    return user is not None and reach(user).holds(role, code)


def has_link_role(user) -> bool:
    return user is not None and reach(user).has_link_role


# --- links: what a task, a pairing or a referral names ---------------------------------

# model label ("registry.person") -> providers: (user, action) -> Q or None.
LinkProvider = Callable[[object, str], "models.Q | None"]
_links: dict[str, list[LinkProvider]] = defaultdict(list)
# Counts every change to the providers: what is kept of a compiled gate names it.
_links_changes = 0
# Fields of a person a link shows beyond the task view's name, address and phone.
_link_fields: dict[LinkProvider, frozenset[str]] = {}


def register_link(model: str, provider: LinkProvider, *, fields: Iterable[str] = ()) -> None:
    """Declare rows of `model` ("app.Model") that a user reaches through a link.

    `provider(user, action)` answers a Q on that model (or None: no link for
    this user and action). Called from the owning app's AppConfig.ready. For
    people, `fields` names what the link shows beyond name, address and phone
    (a pairing shows the child's age and guardian).
    """
    global _links_changes
    label = model.lower()
    if provider not in _links[label]:
        _links[label].append(provider)
        _links_changes += 1
    if fields:
        _link_fields[provider] = frozenset(fields)


def unregister_link(model: str, provider: LinkProvider) -> None:
    """Withdraw a link provider (tests that declare their own links clean up with it)."""
    global _links_changes
    providers = _links.get(model.lower(), [])
    if provider in providers:
        providers.remove(provider)
        _links_changes += 1
    _link_fields.pop(provider, None)


def _label(model) -> str:
    return model._meta.label_lower


def links_generation() -> int:
    """Changes whenever a link provider is registered or withdrawn."""
    return _links_changes


def link_q(model, user, action: str) -> models.Q | None:
    """The rows of `model` linked to `user` for `action`, or None when there are none."""
    if user is None:
        return None
    found = None
    for provider in _links.get(_label(model), ()):
        q = provider(user, action)
        if q is not None:
            found = q if found is None else found | q
    return found


def link_fields(model, user) -> list[tuple[LinkProvider, frozenset[str]]]:
    """(provider, extra fields) for the links of `model` that show more than the task view."""
    return [(p, _link_fields[p]) for p in _links.get(_label(model), ()) if p in _link_fields]


# --- the gate on querysets -----------------------------------------------------------


def region_field(model) -> str:
    """The path from a model to its region code (``region_id``, ``person__region_id`` …)."""
    return getattr(model, "gate_region", "region_id")


# 人户分离: a person registered (户籍地) in one area and living (居住地) in another is
# reached from both. `region_id` (the residence) is the main path: visits, duties,
# coverage and casework follow it. A model may declare a second path,
# `gate_registration` (a person's `registered_region_id`, an enrollment's
# `person__registered_region_id`): the area of registration reaches those rows for
# these actions only. It reads, reveals (with a reason, audited) and exports; it
# changes nothing through this path: corrections of a person, and their
# assistance categories, are made where they live, or by importing the
# registration's ledgers (the importer holds the registration region).
# Visits, duties, follow-ups and casework declare no second path, so the
# registration side never sees a visit unless it also holds the residence.
REGISTRATION_ACTIONS = frozenset({Action.VIEW, Action.REVEAL, Action.EXPORT})


def registration_field(model) -> str | None:
    """The path to a row's place of registration, for models that follow it too."""
    return getattr(model, "gate_registration", None)


def restriction(model, user, action: str = Action.VIEW, *, links: bool = True) -> models.Q:
    """The condition `restrict` applies: the user's regions for `action`, or a link."""
    found = scope(user, action)
    if found.everywhere:
        return models.Q()
    q = found.q(region_field(model))
    if settings.DISTRICT_ROUTING and found.district and district_field(model) is not None:
        # Sharded by district (docs/scaling.md): an equality on the distribution column
        # sends the query to one shard; the range alone would go to all of them.
        q &= models.Q(district=found.district)
    second = registration_field(model)
    if second and action in REGISTRATION_ACTIONS and not found.nowhere:
        q |= found.q(second)
    if links:
        linked = link_q(model, user, action)
        if linked is not None:
            q |= linked
    return q


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows the gate. Models set `gate_region` when the code is not
    their own `region_id` (e.g. ``"person__region_id"``)."""

    def restrict(self, user, action: str = Action.VIEW, *, links: bool = True):
        """The rows `user` may reach for `action`.

        ``links=False`` leaves out what a task or referral names: pages that show
        a person's history (visits, assessments, the timeline) are for people
        reached by region, never by a link.
        """
        return self.filter(restriction(self.model, user, action, links=links))

    def within(self, code: str):
        """Only rows under a region (a padded code or a prefix); "" changes nothing."""
        from nuanxin.regions.models import significant

        if not code:
            return self
        return self.filter(prefix_q(significant(code), region_field(self.model)))


def _queryset(source) -> models.QuerySet:
    return source._default_manager.all() if isinstance(source, type) else source


def get_or_404(source, user, action: str = Action.VIEW, *, for_update=False, links=True, **lookup):
    """One row: 404 out of sight (like a missing one), 403 in sight but not allowed.

    `source` is a model or a queryset (with its select_related and prefetches).
    ``for_update`` locks the row for the caller's transaction.
    """
    qs = _queryset(source).restrict(user, Action.VIEW, links=links).filter(**lookup)
    routed = for_update and settings.DISTRICT_ROUTING and district_field(qs.model)
    if for_update and not routed:
        qs = qs.select_for_update()
    obj = qs.first()
    if obj is not None and routed:
        # Sharded by district, a row is locked on its own shard only: the gate's
        # condition (residence OR registration OR a link) spans them all, and Citus
        # refuses FOR UPDATE across shards. So the gate finds the row, then the lock
        # names its id and district; a row that moved district in between is gone.
        district = {routed.attname: getattr(obj, routed.attname)}
        obj = _queryset(source).select_for_update().filter(pk=obj.pk, **district).first()
    if obj is None:
        raise Http404
    if action != Action.VIEW:
        require(user, action, obj)
    return obj


def _follow(obj, path: str) -> str:
    if not path:
        return ""
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value


def region_of(obj) -> str:
    """A row's region code, following `gate_region` (may read a related row)."""
    return _follow(obj, region_field(type(obj)))


def registration_of(obj) -> str:
    """A row's place of registration ("" when its model declares none)."""
    return _follow(obj, registration_field(type(obj)) or "")


def by_residence(user, action: str, obj) -> bool:
    """May `user` do `action` on this row through its residence (its region) alone?

    For pages that show what follows the residence (visits, duties) beside a row
    the user may reach through its registration only.
    """
    return user is None or scope(user, action).covers(region_of(obj))


def allows(user, action: str, obj) -> bool:
    """May `user` do `action` on this row (by region, or through a link)?"""
    if user is None:
        return True
    found = scope(user, action)
    if found.covers(region_of(obj)):
        return True
    if (
        action in REGISTRATION_ACTIONS
        and registration_field(type(obj))
        and found.covers(registration_of(obj))
    ):
        return True
    linked = link_q(type(obj), user, action)
    if linked is None:
        return False
    return type(obj)._default_manager.filter(linked, pk=obj.pk).exists()


def require(user, action: str, obj, message: str = "") -> None:
    """Raise PermissionDenied (403) unless `user` may do `action` on `obj`.

    For rows the caller already knows are in sight; use `get_or_404` to fetch.
    """
    if not allows(user, action, obj):
        raise PermissionDenied(message or _("You may not do that here."))


def recheck(user, action: str, obj, message: str = "") -> None:
    """After a write, inside its transaction: is the row *as stored* still the user's?

    NetBox's rule: a trigger, a race or a field set by the write itself may have
    moved the row out of scope; raising here rolls the write back.
    """
    if user is None:
        return
    if not type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(message or _("That region is outside your scope."))


def require_region(user, action: str, code: str, message: str = "") -> None:
    """The same for a write that is about a region, not yet a row (a new record)."""
    if not scope(user, action).covers(code):
        raise PermissionDenied(message or _("That region is outside your scope."))


def require_somewhere(user, action: str) -> None:
    """404 for a page of an action the user holds nowhere (a menu they never see)."""
    if scope(user, action).nowhere:
        raise Http404
