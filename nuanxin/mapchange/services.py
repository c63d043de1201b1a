"""Administrative changes of the map (区划调整): rename, merge, split, recode.

Each runs in one transaction with set-based UPDATEs (one per table and code, never a
loop over rows), records an `AdministrativeChange` with what moved, and is audited.
``dry_run=True`` runs the very same change and rolls it back: the preview's counts
are the change's own. A change is never edited or undone; another change corrects it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.accounts.models import Membership
from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.regions import changes as moves
from nuanxin.regions import districts
from nuanxin.regions.models import (
    AdministrativeChange,
    ChangeKind,
    ChangeMove,
    Level,
    Region,
    ancestor_codes,
    level_of,
)
from nuanxin.registry.models import Person
from nuanxin.visits.models import CoverageMonth

from .followers import ALL, FROM_CUT, MOVING, region_columns
from .selectors import last_signed_month, latest_move_cut


@dataclasses.dataclass
class Outcome:
    change: AdministrativeChange
    counts: dict[str, int]
    warnings: list[str]
    dry_run: bool
    # Staff memberships on the retired community moved by a merge, or, on a split, left
    # on the community for the administrator to review: "name (username): role".
    staff_moved: list[str] = dataclasses.field(default_factory=list)
    staff_to_review: list[str] = dataclasses.field(default_factory=list)


class _DryRun(Exception):
    pass


def _require_admin(user, *codes: str) -> None:
    """City administrators only, over the regions the change touches."""
    if user is None:
        return
    if access.Role.CITY_ADMIN not in access.roles_of(user):
        raise PermissionDenied(_("Only the city administrator changes the map."))
    for code in codes:
        access.require_region(user, access.Action.CHANGE, code)


def _current(code: str, *, level: Level | None = None, field: str = "code") -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise ValidationError({field: _("No region has the code %(code)s.") % {"code": code}})
    if region.retired:
        raise ValidationError(
            {
                field: _("%(name)s (%(code)s) was retired on %(day)s.")
                % {"name": region.name, "code": region.code, "day": region.retired_on}
            }
        )
    if level is not None and region.level != level:
        raise ValidationError(
            {field: _("%(name)s is not a %(level)s.") % {"name": region.name, "level": level.label}}
        )
    return region


def _new_code(code: str, *, level: Level, field: str) -> str:
    code = (code or "").strip()
    try:
        found = level_of(code)
    except ValueError:
        raise ValidationError(
            {field: _("%(code)s is not a region code.") % {"code": code}}
        ) from None
    if found != level:
        raise ValidationError(
            {field: _("The new code must be a %(level)s's.") % {"level": level.label}}
        )
    if Region.objects.filter(code=code).exists():
        raise ValidationError({field: _("The code %(code)s is taken.") % {"code": code}})
    return code


def _cut_month(effective_on: dt.date, today: dt.date, communities: list[Region]) -> dt.date:
    """The first month under the new map: the month the change takes effect in."""
    if effective_on > today:
        raise ValidationError({"effective_on": _("A change takes effect today or earlier.")})
    cut = effective_on.replace(day=1)
    # People moved by merges and splits are remapped month by month: their cuts never go back.
    latest = list(
        AdministrativeChange.objects.filter(kind__in=[ChangeKind.MERGE, ChangeKind.SPLIT])
        .order_by("-cut_month")
        .values_list("cut_month", flat=True)[:1]
    )
    # People who moved house into or out of these communities count by month too.
    moved = latest_move_cut([c.code for c in communities])
    if moved is not None:
        latest = sorted([*latest, moved], reverse=True)
    if latest and latest[0] > cut:
        raise ValidationError(
            {
                "effective_on": _(
                    "An earlier change already counts from %(month)s: this one cannot take"
                    " effect before it."
                )
                % {"month": latest[0].strftime("%Y-%m")}
            }
        )
    signed = last_signed_month([c.code for c in communities], cut)
    if signed:
        raise ValidationError(
            {
                "effective_on": _(
                    "The figures of %(month)s are signed off: the change can take effect from"
                    " the month after at the earliest."
                )
                % {"month": signed.strftime("%Y-%m")}
            }
        )
    return cut


def _record_people(change, old: str, new: str, *, people=None) -> None:
    """Remember where each moved person counted before the change (one INSERT … SELECT)."""
    sql = f"""
        INSERT INTO {ChangeMove._meta.db_table}
            (change_id, person_id, old_region_id, new_region_id, cut_month)
        SELECT %s, id, region_id, %s, %s FROM {Person._meta.db_table} WHERE region_id = %s
    """
    params = [change.pk, new, change.cut_month, old]
    if people is not None:
        ids = list(people)
        if not ids:
            return
        sql += f" AND id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _move_code(old: str, new: str, cut: dt.date, counts: Counter) -> None:
    """Everything of `old` that follows a merge or split goes to `new`: an UPDATE per table."""
    for follower in MOVING:
        value = follower.value(new)
        rows = follower.rows(old, cut).exclude(**{follower.column: value})
        counts[follower.key] += rows.update(
            **districts.moved(follower.model, follower.column, value)
        )
    if districts.district_of_code(old) != districts.district_of_code(new):
        districts.parents_followed()


def _move_people(ids: list[int], old_codes: list[str], new: str, cut: dt.date, counts: Counter):
    """A split by people: their rows (in the community being split) go to `new`."""
    households = set(
        Person.objects.filter(pk__in=ids, household__isnull=False).values_list(
            "household_id", flat=True
        )
    )
    for follower in MOVING:
        model = follower.model
        if follower.label == "registry.Household":
            qs = model._base_manager.filter(pk__in=households, region_id__in=old_codes)
        elif follower.label == "registry.Person":
            qs = model._base_manager.filter(pk__in=ids, **{f"{follower.column}__in": old_codes})
        else:
            continue
        _follow(follower, qs, new, counts)
    person_rows_move(ids, old_codes, new, cut, counts)


def person_rows_move(ids, old_codes: list[str], new: str, cut: dt.date, counts: Counter) -> None:
    """What hangs on these people (visit duty, that month's visits and tallies, open
    work) goes from `old_codes` to `new`: a split by people, and a person's move."""
    for follower in MOVING:
        model = follower.model
        if follower.label in ("registry.Person", "registry.Household"):
            continue
        if "person" not in {f.name for f in model._meta.concrete_fields}:
            continue  # not a person's: stays with the community
        qs = model._base_manager.filter(person_id__in=ids, **{f"{follower.match}__in": old_codes})
        if follower.rule == FROM_CUT:
            qs = qs.filter(month__gte=cut)
        elif follower.rule != ALL and follower.open_q is not None:
            qs = qs.filter(follower.open_q)
        _follow(follower, qs, new, counts)
    if any(districts.district_of_code(c) != districts.district_of_code(new) for c in old_codes):
        districts.parents_followed(ids)


def _follow(follower, qs, new: str, counts: Counter) -> None:
    value = follower.value(new)
    counts[follower.key] += qs.exclude(**{follower.column: value}).update(
        **districts.moved(follower.model, follower.column, value)
    )


def _move_grid(change, grid: Region, new_code: str, parent: Region, counts: Counter) -> Region:
    """A grid keeps its people, duties and staff under a new code in another community."""
    new_grid = Region(code=new_code, name=grid.name, level=Level.GRID, parent=parent)
    new_grid.full_clean()
    new_grid.save()
    _record_people(change, grid.code, new_code)
    _move_code(grid.code, new_code, change.cut_month, counts)
    counts["memberships"] += Membership.objects.filter(region_id=grid.code).update(
        region_id=new_code
    )
    grid.retired_on, grid.successor = change.effective_on, new_grid
    grid.save(update_fields=["retired_on", "successor"])
    counts["grids"] += 1
    return new_grid


def _forget_coverage(codes, since: dt.date | None) -> None:
    """Drop the stored monthly figures the change alters (they are recounted on read)."""
    affected = {a for code in codes for a in ancestor_codes(code)}
    qs = CoverageMonth.objects.filter(region_code__in=affected)
    if since is not None:
        qs = qs.filter(month__gte=since)
    qs.delete()


def _staff_line(membership: Membership) -> str:
    user = membership.user
    return f"{user.full_name or user.username} ({user.username}): {membership.get_role_display()}"


def _move_memberships(change, b: Region, a: Region, counts: Counter, *, user, request) -> list:
    """B's staff are given A as well (a membership on A, new or reactivated), audited.

    Their membership on B stays: B's history (earlier visits, tallies, sign-offs)
    stays under B's code, and the worker who knew those people keeps reading it.
    B is retired, so nothing new is filed under it; the administrator ends the
    membership on B when the handover is done.
    """
    moved = list(
        Membership.objects.filter(region=b, active=True)
        .select_related("user")
        .order_by("user__username", "role")
    )
    held = {
        (m.user_id, m.role): m
        for m in Membership.objects.filter(
            region=a, user_id__in={m.user_id for m in moved}, role__in={m.role for m in moved}
        )
    }
    for membership in moved:
        on_a = held.get((membership.user_id, membership.role))
        if on_a is None:
            Membership.objects.create(user=membership.user, role=membership.role, region=a)
        elif not on_a.active:
            on_a.active = True
            on_a.save(update_fields=["active"])
    counts["memberships"] += len(moved)
    if moved:
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            request=request,
            object_type="accounts.membership",
            object_repr=f"{b.name} → {a.name}"[:200],
            changes={
                "change": change.pk,
                "from": b.code,
                "to": a.code,
                "memberships": [[m.user.username, m.role] for m in moved],
            },
        )
    return [_staff_line(m) for m in moved]


def _finish(change, counts: Counter, warnings, *, user, request, dry_run, **staff) -> Outcome:
    change.counts = {k: v for k, v in sorted(counts.items()) if v}
    change.save(update_fields=["counts"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=change,
        request=request,
        changes={
            "kind": change.kind,
            "from": change.from_code,
            "to": change.to_code,
            "name": change.name,
            "effective_on": change.effective_on.isoformat(),
            "counts": change.counts,
        },
    )
    outcome = Outcome(change, change.counts, warnings, dry_run, **staff)
    if dry_run:
        raise _DryRunDone(outcome)
    return outcome


class _DryRunDone(_DryRun):
    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome


def _run(apply, *, dry_run: bool) -> Outcome:
    try:
        with transaction.atomic():
            return apply()
    except _DryRunDone as done:
        return done.outcome


def _new_change(user, **fields) -> AdministrativeChange:
    change = AdministrativeChange(
        applied_by=user if getattr(user, "is_authenticated", False) else None, **fields
    )
    change.full_clean()
    change.save()
    return change


# --- the four kinds -------------------------------------------------------------------


def change_rename(*, user, code: str, name: str, request=None, dry_run=False) -> Outcome:
    name = (name or "").strip()

    def apply():
        region = _current(code)
        _require_admin(user, region.code)
        if not name:
            raise ValidationError({"name": _("Give the new name.")})
        if name == region.name:
            raise ValidationError({"name": _("That is its name already.")})
        today = timezone.localdate()
        change = _new_change(
            user,
            kind=ChangeKind.RENAME,
            from_code=region.code,
            name=name,
            old_name=region.name,
            effective_on=today,
            cut_month=today.replace(day=1),
        )
        region.name = name
        region.full_clean()
        region.save(update_fields=["name"])
        return _finish(change, Counter(regions=1), [], user=user, request=request, dry_run=dry_run)

    return _run(apply, dry_run=dry_run)


def change_merge(
    *, user, code: str, into: str, effective_on: dt.date, request=None, dry_run=False, today=None
) -> Outcome:
    """Community `code` (B) joins `into` (A) from `effective_on`: B's people, households,
    grids, duties and open work move to A; B's history stays readable under B; B retires."""
    today = today or timezone.localdate()

    def apply():
        b = _current(code, level=Level.COMMUNITY)
        a = _current(into, level=Level.COMMUNITY, field="into")
        if a.code == b.code:
            raise ValidationError({"into": _("A community cannot merge into itself.")})
        _require_admin(user, a.code, b.code)
        cut = _cut_month(effective_on, today, [a, b])
        change = _new_change(
            user,
            kind=ChangeKind.MERGE,
            from_code=b.code,
            to_code=a.code,
            name=a.name,
            old_name=b.name,
            effective_on=effective_on,
            cut_month=cut,
        )
        counts: Counter = Counter()
        grids = list(Region.objects.filter(parent=b, level=Level.GRID, retired_on__isnull=True))
        mapping = []
        for grid in grids:
            new_grid = _move_grid(change, grid, moves.next_grid_code(a), a, counts)
            mapping.append([grid.code, new_grid.code])
        change.grids = mapping
        change.save(update_fields=["grids"])
        _record_people(change, b.code, a.code)
        _move_code(b.code, a.code, cut, counts)
        b.retired_on, b.successor = effective_on, a
        b.save(update_fields=["retired_on", "successor"])
        _forget_coverage([a.code, b.code, *(c for pair in mapping for c in pair)], cut)
        staff = _move_memberships(change, b, a, counts, user=user, request=request)
        return _finish(
            change, counts, [], user=user, request=request, dry_run=dry_run, staff_moved=staff
        )

    return _run(apply, dry_run=dry_run)


def change_split(
    *,
    user,
    code: str,
    new_code: str,
    name: str,
    effective_on: dt.date,
    grids: list[str] = (),
    people: list[str] = (),
    request=None,
    dry_run=False,
    today=None,
) -> Outcome:
    """A new community `new_code` takes some of `code`'s grids (with everyone in them)
    and/or the people named (person numbers or ID numbers) from `effective_on`."""
    today = today or timezone.localdate()
    name = (name or "").strip()

    def apply():
        c = _current(code, level=Level.COMMUNITY)
        n_code = _new_code(new_code, level=Level.COMMUNITY, field="new_code")
        if not name:
            raise ValidationError({"name": _("Give the new community's name.")})
        street = _current(moves.parent_code(n_code), level=Level.STREET, field="new_code")
        _require_admin(user, c.code, street.code)
        wanted = [g.strip() for g in grids if g and g.strip()]
        chosen = list(
            Region.objects.filter(
                code__in=wanted, parent=c, level=Level.GRID, retired_on__isnull=True
            )
        )
        if len(chosen) != len(set(wanted)):
            unknown = sorted(set(wanted) - {g.code for g in chosen})
            raise ValidationError(
                {
                    "grids": _("Not a grid of %(name)s: %(codes)s")
                    % {"name": c.name, "codes": ", ".join(unknown)}
                }
            )
        person_ids = _people_in(c, people)
        if not chosen and not person_ids:
            raise ValidationError({"grids": _("Choose the grids or the people that move.")})
        cut = _cut_month(effective_on, today, [c])
        change = _new_change(
            user,
            kind=ChangeKind.SPLIT,
            from_code=c.code,
            to_code=n_code,
            name=name,
            old_name=c.name,
            effective_on=effective_on,
            cut_month=cut,
        )
        new = Region(code=n_code, name=name, level=Level.COMMUNITY, parent=street)
        new.full_clean()
        new.save()
        counts: Counter = Counter()
        mapping = []
        for grid in chosen:
            new_grid = _move_grid(change, grid, n_code + grid.code[12:], new, counts)
            mapping.append([grid.code, new_grid.code])
        change.grids = mapping
        change.save(update_fields=["grids"])
        if person_ids:
            stay_codes = list(
                Person.objects.filter(pk__in=person_ids).values_list("region_id", flat=True)
            )
            for old in sorted(set(stay_codes)):
                _record_people(change, old, n_code, people=person_ids)
            _move_people(person_ids, sorted(set(stay_codes)), n_code, cut, counts)
        _forget_coverage([c.code, n_code, *(x for pair in mapping for x in pair)], cut)
        # Who works the whole community is the administrator's call: listed, left as they are.
        review = [
            _staff_line(m)
            for m in Membership.objects.filter(region=c, active=True)
            .select_related("user")
            .order_by("user__username", "role")
        ]
        return _finish(
            change,
            counts,
            [],
            user=user,
            request=request,
            dry_run=dry_run,
            staff_to_review=review,
        )

    return _run(apply, dry_run=dry_run)


def _people_in(community: Region, named) -> list[int]:
    """Person numbers or ID numbers, each someone living in `community` (grids included)."""
    named = [str(x).strip() for x in named if str(x).strip()]
    if not named:
        return []
    numbers = [x for x in named if x.isdigit() and len(x) < 15]
    ids = [x.upper() for x in named if x not in numbers]
    found = dict(
        Person.objects.within(community.code)
        .filter(pk__in=[int(x) for x in numbers])
        .values_list("pk", "pk")
    )
    by_id = dict(
        Person.objects.within(community.code)
        .filter(id_number__in=ids)
        .values_list("id_number", "pk")
    )
    unknown = [x for x in numbers if int(x) not in found] + [x for x in ids if x not in by_id]
    if unknown:
        raise ValidationError(
            {
                "people": _("Nobody of %(name)s is %(who)s.")
                % {"name": community.name, "who": ", ".join(unknown[:10])}
            }
        )
    return sorted(set(found) | set(by_id.values()))


def change_recode(*, user, old: str, new: str, request=None, dry_run=False) -> Outcome:
    """The same place under a new official code: every row of every table follows,
    history included; the old codes stay, retired, pointing at their successors."""

    def apply():
        region = _current(old, field="old")
        if region.level == Level.CITY:
            raise ValidationError({"old": _("The city's code does not change here.")})
        new_code = _new_code(new, level=Level(region.level), field="new")
        parent = _current(moves.parent_code(new_code), field="new")
        _require_admin(user, region.code, parent.code)
        today = timezone.localdate()
        change = _new_change(
            user,
            kind=ChangeKind.RECODE,
            from_code=region.code,
            to_code=new_code,
            name=region.name,
            old_name=region.name,
            effective_on=today,
            cut_month=today.replace(day=1),
        )
        old_prefix = region.prefix
        new_prefix = new_code[: len(old_prefix)]
        old_rows = list(moves.subtree(region))
        mapped = {r.code: new_prefix + r.code[len(old_prefix) :] for r in old_rows}
        Region.objects.bulk_create(
            [
                Region(
                    code=mapped[r.code],
                    name=r.name,
                    level=r.level,
                    parent_id=parent.code if r.code == region.code else mapped[r.parent_id],
                    retired_on=r.retired_on,
                    successor_id=mapped.get(r.successor_id, r.successor_id),
                )
                for r in old_rows
            ]
        )
        counts: Counter = Counter(regions=len(old_rows))
        for model, column in region_columns():
            if model is Region:
                continue
            label = model._meta.label
            n = moves.rewrite_prefix(model._base_manager.all(), column, old_prefix, new_prefix)
            counts[_count_key(label)] += n
        if districts.district_of_code(old_prefix) != districts.district_of_code(new_prefix):
            districts.parents_followed()
        # Regions elsewhere retired into this one now point at its new code.
        for r in Region.objects.filter(successor_id__in=list(mapped)).exclude(
            code__in=list(mapped)
        ):
            r.successor_id = mapped[r.successor_id]
            r.save(update_fields=["successor"])
        for r in old_rows:
            r.retired_on = r.retired_on or today
            r.successor_id = mapped[r.code]
        Region.objects.bulk_update(old_rows, ["retired_on", "successor"])
        _forget_coverage([region.code, new_code], None)
        return _finish(change, counts, [], user=user, request=request, dry_run=dry_run)

    return _run(apply, dry_run=dry_run)


_KEYS = {f.label: f.key for f in MOVING}


def _count_key(label: str) -> str:
    return _KEYS.get(label) or label.split(".")[1].lower()
