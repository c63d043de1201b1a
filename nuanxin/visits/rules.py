"""Pure decisions, no queries: a person's tier from the rules, and the next due date.

Kept free of the database so the edge cases (month ends, policy versions, cold-snap
windows, the 24-hour rule) are tested directly and cheaply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

from nuanxin.core.tiers import TIER_RANK
from nuanxin.registry.models import CHILD_CATEGORIES

RANK = TIER_RANK


@dataclasses.dataclass
class Facts:
    """What the tier rules look at, gathered once per person."""

    categories: set[str]
    age: int | None
    living: str
    self_care: str
    severe_disability: bool
    has_guardian: bool
    has_carer: bool
    # From the latest needs assessment (casework, through derive.register_facts);
    # None / "" when never assessed.
    adl_dependent: int | None = None
    loneliness: str = ""


def facts_of(
    person, today: dt.date, *, enrollments=None, grades=None, contacts=None, extra=None
) -> Facts:
    """Facts from a person and their rows: enrollments as (category, start, end),
    disability grades, contacts as (is_guardian, is_emergency). Rows not given
    are read from the person's (prefetched) relations. `extra` holds the facts
    other apps contribute (`derive.register_facts`), by Facts field name."""
    if enrollments is None:
        enrollments = [(e.category, e.start_date, e.end_date) for e in person.enrollments.all()]
    if grades is None:
        grades = [d.grade for d in person.disabilities.all()]
    if contacts is None:
        contacts = [(c.is_guardian, c.is_emergency) for c in person.contacts.all()]
    categories = {
        category
        for category, start, end in enrollments
        if (start is None or start <= today) and (end is None or end >= today)
    }
    facts = Facts(
        categories=categories,
        age=person.age_on(today),
        living=person.living,
        self_care=person.self_care,
        severe_disability=any(g <= 2 for g in grades),
        has_guardian=any(guardian for guardian, _e in contacts),
        has_carer=any(guardian or emergency for guardian, emergency in contacts),
    )
    return dataclasses.replace(facts, **(extra or {}))


def rule_matches(conditions: dict, facts: Facts) -> bool:
    """True when every condition the rule sets holds (an unknown age never matches an age bound)."""
    for key, want in conditions.items():
        if key == "categories" and not (facts.categories & set(want)):
            return False
        if key == "any_enrollment" and bool(facts.categories) != bool(want):
            return False
        if key == "min_age" and (facts.age is None or facts.age < want):
            return False
        if key == "max_age" and (facts.age is None or facts.age > want):
            return False
        if key == "living" and facts.living not in want:
            return False
        if key == "self_care" and facts.self_care not in want:
            return False
        if key == "severe_disability" and facts.severe_disability != bool(want):
            return False
        if key == "has_guardian" and facts.has_guardian != bool(want):
            return False
        if key == "has_carer" and facts.has_carer != bool(want):
            return False
        # A person never assessed matches no assessment condition.
        if key == "min_adl_dependent" and (
            facts.adl_dependent is None or facts.adl_dependent < want
        ):
            return False
        if key == "loneliness" and facts.loneliness not in want:
            return False
    return True


@dataclasses.dataclass
class TierDecision:
    tier: str  # "" = not in scope
    why: str
    rule: object | None = None
    raised: object | None = None


def tier_decide(*, rules, raises, facts: Facts, today: dt.date) -> TierDecision:
    """The highest tier any active rule or current raise gives; a rule wins a tie."""
    best = TierDecision("", "")
    for rule in rules:
        if (
            rule.active
            and RANK[rule.tier] < RANK[best.tier]
            and rule_matches(rule.conditions, facts)
        ):
            best = TierDecision(rule.tier, rule_why(rule), rule=rule)
    for raised in raises:
        if raised.starts_on <= today <= raised.ends_on and RANK[raised.tier] < RANK[best.tier]:
            best = TierDecision(raised.tier, raise_why(raised), raised=raised)
    return best


# The reason is kept as the rule or raise it came from and worded when read, in the
# reader's language; the stored text is only the fallback for a rule since deleted.
def rule_why(rule) -> str:
    return _("Rule: %(name)s") % {"name": _(rule.name)}


def raise_why(raised) -> str:
    who = raised.created_by or _("a worker")
    return _("Raised by %(who)s until %(until)s: %(reason)s") % {
        "who": who,
        "until": raised.ends_on.isoformat(),
        "reason": raised.reason,
    }


def is_child(facts: Facts) -> bool:
    return bool(facts.categories & CHILD_CATEGORIES) or (facts.age is not None and facts.age < 18)


@dataclasses.dataclass(frozen=True)
class PolicyVersion:
    valid_from: dt.date
    max_gap_days: int
    methods: tuple[str, ...]
    major_change_hours: int = 24


@dataclasses.dataclass(frozen=True)
class SnapWindow:
    starts_on: dt.date
    ends_on: dt.date
    gap_days: int
    methods: tuple[str, ...]


def _last_for(methods, last_home, last_contact):
    """The last contact that counts under these methods (home only, or any)."""
    return last_contact if set(methods) - {"home"} else last_home


def due_compute(
    *,
    versions: list[PolicyVersion],
    since: dt.date,
    last_home: dt.date | None,
    last_contact: dt.date | None,
    snaps: list[SnapWindow] = (),
    major_change_at: dt.datetime | None = None,
    today: dt.date,
) -> tuple[dt.date | None, str]:
    """The next day a contact is due, and why ("policy", "cold_snap", "major_change").

    Policy versions apply from their date: under version v (from f_v until the next
    version), the person is due on max(last + gap_v, f_v); the first such day that
    falls inside its version's span wins. A cold snap adds its own gap inside its
    window; a snap that ended before `today` no longer counts (the normal policy
    resumes). A major change makes a contact due within its hours.
    """
    candidates: list[tuple[dt.date, str]] = []
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for i, v in enumerate(ordered):
        until = ordered[i + 1].valid_from if i + 1 < len(ordered) else None
        base = _last_for(v.methods, last_home, last_contact) or since
        day = max(base + dt.timedelta(days=v.max_gap_days), v.valid_from)
        if until is None or day < until:
            candidates.append((day, "policy"))
            break
    for snap in snaps:
        if snap.ends_on < today:
            continue
        base = _last_for(snap.methods, last_home, last_contact) or since
        day = max(base + dt.timedelta(days=snap.gap_days), snap.starts_on)
        if day <= snap.ends_on:
            candidates.append((day, "cold_snap"))
    if major_change_at is not None:
        hours = ordered[-1].major_change_hours if ordered else 24
        from django.utils import timezone

        deadline = timezone.localtime(major_change_at + dt.timedelta(hours=hours)).date()
        if last_contact is None or last_contact < timezone.localtime(major_change_at).date():
            candidates.append((deadline, "major_change"))
    if not candidates:
        return None, ""
    return min(candidates)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def required_visits(*, gap_days: int, days: int) -> int:
    """Visits a month of `days` days needs at a longest gap of `gap_days` (at least one)."""
    return max(1, days // gap_days)
