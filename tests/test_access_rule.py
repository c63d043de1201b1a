"""The one access rule, checked against a brute-force reading of DESIGN §3.1.

A person is visible to a user for an action iff the user is active and some
active membership's role grants the action and the person's region code starts
with that membership region's prefix; or, for `view` only, a link provider
names the person for the user.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuanxin.accounts.models import Membership, User
from nuanxin.core import access
from nuanxin.core.access import Action, Role
from nuanxin.regions.models import Level, Region, code_range, level_of, prefix_q
from nuanxin.regions.services import chengdu_load, region_get_or_create
from nuanxin.registry.models import Person

CITY = "510100000000"
DISTRICTS = ["510104", "510107", "510108"]

# A small tree under three real districts: 2 streets x 2 communities x 2 grids each.
TREE: list[tuple[str, str]] = []  # (code, parent code)
for _d in DISTRICTS:
    for _s in ("001", "002"):
        _street = f"{_d}{_s}000"
        TREE.append((_street, f"{_d}000000"))
        for _c in ("001", "002"):
            _community = f"{_d}{_s}{_c}"
            TREE.append((_community, _street))
            # Grid 999: its range's upper end is the next community's code.
            for _g in ("001", "999"):
                TREE.append((f"{_community}{_g}", _community))

CODES = [CITY] + [f"{d}000000" for d in DISTRICTS] + [code for code, _parent in TREE]
# People live in communities and grids, and sometimes hang at a street or district.
PERSON_CODES = CODES[1:]


def brute_prefix(code: str) -> str:
    """The significant digits of a code, worked out without the model."""
    if len(code) == 15:
        return code
    for zeros, keep in ((8, 4), (6, 6), (3, 9)):
        if code.endswith("0" * zeros):
            return code[:keep]
    return code


def brute_visible(user_active, memberships, people, action, linked=()):
    """Ids of the people the rule lets the user reach, the slow and obvious way."""
    if not user_active:
        return set()
    visible = set()
    for pk, code in people:
        for role, region, active in memberships:
            if (
                active
                and action in access.ROLE_ACTIONS[role]
                and code.startswith(brute_prefix(region))
            ):
                visible.add(pk)
    if action == Action.VIEW and any(
        active and role in access.LINK_ROLES for role, _region, active in memberships
    ):
        visible |= set(linked)
    return visible


@pytest.fixture
def tree(db):
    chengdu_load()
    for code, parent in TREE:
        region_get_or_create(code=code, name=code, parent=Region.objects.get(code=parent))


@pytest.fixture
def links(monkeypatch):
    """A link provider the test controls; the provider list is restored afterwards."""
    monkeypatch.setattr(access, "_link_providers", list(access._link_providers))
    linked: dict[int, list[int]] = {}

    def provider(user):
        return Person.objects.filter(pk__in=linked.get(user.pk, [])).values_list("pk")

    access.register_link(provider)
    access.register_link(provider)  # registering twice must not double anything
    assert access._link_providers.count(provider) == 1
    return linked


_names = itertools.count()

memberships_st = st.lists(
    st.tuples(st.sampled_from(Role.values), st.sampled_from(CODES), st.booleans()),
    max_size=4,
    unique_by=lambda m: (m[0], m[1]),
)
people_st = st.lists(st.sampled_from(PERSON_CODES), min_size=1, max_size=12)


def _make(user_active, memberships, person_codes):
    user = User.objects.create(username=f"u{next(_names)}", is_active=user_active)
    Membership.objects.bulk_create(
        Membership(user=user, role=role, region_id=region, active=active)
        for role, region, active in memberships
    )
    people = [
        Person.objects.create(name="测试", name_pinyin="ceshi", name_initials="cs", region_id=code)
        for code in person_codes
    ]
    # A fresh object: access caches memberships on the user instance.
    return User.objects.get(pk=user.pk), [(p.pk, p.region_id) for p in people]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    user_active=st.booleans(),
    memberships=memberships_st,
    person_codes=people_st,
    link_mask=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_it_matches_the_brute_force_rule(
    tree, links, user_active, memberships, person_codes, link_mask
):
    with transaction.atomic():
        user, people = _make(user_active, memberships, person_codes)
        linked = [
            pk for (pk, _code), keep in zip(people, link_mask[: len(people)], strict=True) if keep
        ]
        links[user.pk] = linked
        for action in Action.values:
            expected = brute_visible(user_active, memberships, people, action, linked)
            got = set(Person.objects.visible_to(user, action).values_list("pk", flat=True))
            assert got == expected, (action, memberships)
            for pk, code in people:
                by_region = pk in brute_visible(user_active, memberships, [(pk, code)], action)
                assert access.can(user, action, code) == by_region
                assert access.is_link_only(user, code) == (
                    pk not in brute_visible(user_active, memberships, [(pk, code)], Action.VIEW)
                )
            assert access.can(user, action) == any(
                active and action in access.ROLE_ACTIONS[role] and user_active
                for role, _region, active in memberships
            )
        transaction.set_rollback(True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(memberships=memberships_st, person_codes=people_st)
def test_it_scopes_other_fields_the_same_way(tree, memberships, person_codes):
    # region_q(field=...) is how related rows (visits, enrollments) get scoped.
    with transaction.atomic():
        user, people = _make(True, memberships, person_codes)
        direct = set(Person.objects.visible_to(user, Action.CHANGE).values_list("pk", flat=True))
        through = set(
            Person.objects.filter(
                access.region_q(user, Action.CHANGE, field="region__code")
            ).values_list("pk", flat=True)
        )
        assert direct == through
        transaction.set_rollback(True)


def test_it_shows_link_roles_nobody_without_a_link(tree, links):
    for role in access.LINK_ROLES:
        user, people = _make(True, [(role, CITY, True)], ["510108001001001", "510104002002"])
        assert not Person.objects.visible_to(user).exists()
        assert access.prefixes_for(user) == []
        assert access.is_link_only(user, "510108001001001")
        links[user.pk] = [people[0][0]]
        assert list(Person.objects.visible_to(user).values_list("pk", flat=True)) == [people[0][0]]
        # A link lets them view; it never lets them change, reveal or export.
        for action in (Action.CHANGE, Action.REVEAL, Action.EXPORT, Action.AUDIT):
            assert not Person.objects.visible_to(user, action).exists()


def test_it_ignores_links_for_officers(tree, links):
    # Links are the reach of link roles only: an officer's reach is their region.
    user, people = _make(True, [(Role.COMMUNITY_WORKER, "510108001001", True)], ["510104001001"])
    links[user.pk] = [people[0][0]]
    assert access.linked_person_ids(user) == []
    assert not Person.objects.visible_to(user).exists()


def test_it_gives_inactive_users_and_memberships_nothing(tree):
    user, _people = _make(False, [(Role.CITY_ADMIN, CITY, True)], ["510108001001"])
    assert not Person.objects.visible_to(user).exists()
    assert not access.can(user, Action.VIEW)
    user, _people = _make(True, [(Role.CITY_ADMIN, CITY, False)], ["510108001001"])
    assert not Person.objects.visible_to(user).exists()
    assert access.roles_of(user) == set()


def test_it_gives_anonymous_users_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    _make(True, [], ["510108001001"])
    assert not Person.objects.visible_to(AnonymousUser()).exists()
    assert not Person.objects.visible_to(None).exists()
    assert access.region_q(AnonymousUser()) is not None


def test_it_collapses_nested_prefixes():
    assert access._collapse(["510108001", "5101", "510104", "510108"]) == ["5101"]
    assert access._collapse(["510108", "5101080", "510104"]) == ["510108", "510104"]
    assert access._collapse([]) == []


@pytest.mark.parametrize(
    ("prefix", "low", "high"),
    [
        ("", "", None),
        ("5101", "5101", "5102"),
        ("510108", "510108", "510109"),
        ("510199", "510199", "510200"),
        ("5199", "5199", "5200"),
        ("0999", "0999", "1000"),
        ("9", "9", None),
        ("999999", "999999", None),
        ("510108010001", "510108010001", "510108010002"),
        # A grid stands for itself: "+1" would let in the next community's 12-digit code.
        ("510108010001999", "510108010001999", "5101080100019990"),
        ("510108010001001", "510108010001001", "5101080100010010"),
        ("999999999999999", "999999999999999", "9999999999999990"),
    ],
)
def test_it_computes_code_ranges(prefix, low, high):
    assert code_range(prefix) == (low, high)


@pytest.mark.parametrize(
    ("prefix", "inside", "outside"),
    [
        # The city: every district, street, community and grid under it.
        ("5101", ["510100000000", "510104000000", "510108010001002"], ["510200000000", "5100"]),
        # A district: not its neighbours, whatever the code length.
        (
            "510108",
            ["510108000000", "510108010001", "510108999999999"],
            ["510107999999", "510109000000", "510109"],
        ),
        # A community: its grids too.
        ("510108010001", ["510108010001", "510108010001002"], ["510108010002", "510108010000"]),
        # A 15-digit grid: itself only, not its sibling.
        ("510108010001001", ["510108010001001"], ["510108010001002", "510108010001"]),
        # Grid 999: not the next community, whose code is a prefix of "grid + 1".
        ("510108010001999", ["510108010001999"], ["510108010002", "510108010002000"]),
        # All nines: no upper bound, still nothing below.
        ("99", ["990000000000", "999999999999999"], ["989999999999"]),
        ("", ["510108010001"], []),
    ],
)
def test_it_matches_codes_by_prefix_in_the_database(db, prefix, inside, outside):
    Region.objects.bulk_create(
        (
            Region(code=code, name=code, level=Level.GRID if len(code) == 15 else Level.COMMUNITY)
            for code in inside + outside
        ),
        ignore_conflicts=True,  # the districts come from migrations
    )
    got = set(Region.objects.filter(prefix_q(prefix, "code")).values_list("code", flat=True))
    assert set(inside) <= got
    assert not (set(outside) & got)
    for code in inside + outside:
        assert (code in got) == code.startswith(prefix)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        (CITY, "5101"),
        ("510108000000", "510108"),
        ("510108010000", "510108010"),
        ("510108010001", "510108010001"),
        ("510108010001001", "510108010001001"),
    ],
)
def test_it_agrees_with_the_brute_prefix(code, prefix):
    region = Region(code=code, name="x", level=level_of(code))
    assert brute_prefix(code) == prefix
    assert region.prefix == prefix
    assert region.contains(code)


codes_st = st.one_of(st.from_regex(r"\A[0-9]{12}\Z"), st.from_regex(r"\A[0-9]{15}\Z"))


@settings(max_examples=500, deadline=None)
@given(
    code=codes_st,
    other=codes_st,
    length=st.sampled_from([4, 6, 9, 12, 15]),
    nines=st.integers(min_value=0, max_value=4),
)
def test_it_ranges_exactly_the_codes_under_a_prefix(code, other, length, nines):
    # Prefixes are cut from a real-shaped code, often ending in 9s (where "+1" carries).
    prefix = code[:length]
    prefix = prefix[: len(prefix) - nines] + "9" * nines
    low, high = code_range(prefix)
    following = str(int(prefix) + 1).zfill(len(prefix))  # the next region's digits
    candidates = (other, code, prefix.ljust(12, "0"), prefix.ljust(15, "0"), following[:12])
    for candidate in candidates:
        inside = low <= candidate and (high is None or candidate < high)
        assert inside == candidate.startswith(prefix), (prefix, candidate, low, high)
