"""The one gate, checked against a brute-force reading of DESIGN §3.1.

A person is reachable by a user for an action iff the user is active and some
active membership's role grants the action and the person's region code starts
with that membership region's prefix; or a link provider names the person for
the user and the action. One row answers 404 out of sight and 403 in sight but
not allowed; the field view follows from the same reach.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuanxin.accounts.models import Membership, User
from nuanxin.core import access, fieldviews
from nuanxin.core.access import Action, Role
from nuanxin.regions import districts
from nuanxin.regions.models import Level, Region, code_range, level_of, prefix_q
from nuanxin.regions.services import chengdu_load, region_get_or_create
from nuanxin.registry.models import Enrollment, Person

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
def links():
    """A link provider the test controls (VIEW only, like a task's); withdrawn afterwards."""
    linked: dict[int, list[int]] = {}

    def provider(user, action):
        if action != Action.VIEW or not access.has_link_role(user):
            return None
        return Q(pk__in=linked.get(user.pk, []))

    access.register_link("registry.Person", provider)
    access.register_link("registry.Person", provider)  # registering twice must not double it
    assert access._links["registry.person"].count(provider) == 1
    yield linked
    access.unregister_link("registry.Person", provider)


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
    # A fresh object: the gate caches the reach on the user instance.
    return User.objects.get(pk=user.pk), [(p.pk, p.region_id) for p in people]


def _pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


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
            assert _pks(Person.objects.restrict(user, action)) == expected, (action, memberships)
            by_region = brute_visible(user_active, memberships, people, action)
            assert _pks(Person.objects.restrict(user, action, links=False)) == by_region
            for pk, code in people:
                assert access.can(user, action, code) == (pk in by_region)
            assert access.can(user, action) == any(
                active and action in access.ROLE_ACTIONS[role] and user_active
                for role, _region, active in memberships
            )
        transaction.set_rollback(True)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    memberships=memberships_st,
    person_codes=people_st,
    link_mask=st.lists(st.booleans(), min_size=12, max_size=12),
    action=st.sampled_from(Action.values),
)
def test_it_answers_404_out_of_sight_and_403_in_sight(
    tree, links, memberships, person_codes, link_mask, action
):
    """get_or_404: missing or unseen → 404; seen but not allowed → 403; else the row."""
    with transaction.atomic():
        user, people = _make(True, memberships, person_codes)
        linked = [pk for (pk, _c), keep in zip(people, link_mask, strict=False) if keep]
        links[user.pk] = linked
        seen = brute_visible(True, memberships, people, Action.VIEW, linked)
        allowed = brute_visible(True, memberships, people, action, linked)
        for pk, _code in people:
            if pk not in seen:
                with pytest.raises(Http404):
                    access.get_or_404(Person, user, action, pk=pk)
            elif pk not in allowed:
                with pytest.raises(PermissionDenied):
                    access.get_or_404(Person, user, action, pk=pk)
            else:
                assert access.get_or_404(Person, user, action, pk=pk).pk == pk
            person = Person.objects.get(pk=pk)
            assert access.allows(user, action, person) == (pk in allowed)
        with pytest.raises(Http404):
            access.get_or_404(Person, user, action, pk=10**12)  # missing reads the same
        transaction.set_rollback(True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(memberships=memberships_st, person_codes=people_st, action=st.sampled_from(Action.values))
def test_it_scopes_related_rows_and_raw_sql_the_same_way(tree, memberships, person_codes, action):
    """A model whose region is its person's (gate_region), and the SQL form of the scope."""
    with transaction.atomic():
        user, people = _make(True, memberships, person_codes)
        for pk, _code in people:
            Enrollment.objects.create(person_id=pk, category="dibao")
        direct = _pks(Person.objects.restrict(user, action))
        through = set(Enrollment.objects.restrict(user, action).values_list("person_id", flat=True))
        assert direct == through
        where, params = access.scope(user, action).sql("region_id")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Person._meta.db_table} WHERE {where}", params)
            assert {row[0] for row in cursor.fetchall()} == direct
        transaction.set_rollback(True)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(memberships=memberships_st, person_codes=people_st)
def test_it_decides_the_field_view_from_the_same_reach(tree, links, memberships, person_codes):
    with transaction.atomic():
        user, people = _make(True, memberships, person_codes)
        links[user.pk] = [pk for pk, _code in people]
        reveal = brute_visible(True, memberships, people, Action.REVEAL)
        view = brute_visible(True, memberships, people, Action.VIEW)
        objects = list(Person.objects.filter(pk__in=[pk for pk, _c in people]))
        views = fieldviews.people_views(user, objects)
        for person in objects:
            expected = (
                fieldviews.FULL
                if person.pk in reveal
                else fieldviews.MASKED
                if person.pk in view
                else fieldviews.TASK
            )
            assert views[person.pk].kind == expected
            assert fieldviews.person_view(user, person).kind == expected
        transaction.set_rollback(True)


def test_it_shows_each_view_only_its_fields():
    full, masked, task = fieldviews.FULL_VIEW, fieldviews.MASKED_VIEW, fieldviews.TASK_VIEW
    assert full.shows("birth_date") and full.shows("tier")
    assert not masked.shows("birth_date") and masked.shows("tier") and masked.shows("id_number")
    for field in ("birth_date", "tier", "categories", "id_number", "visits", "disabilities"):
        assert not task.shows(field)
    for field in ("name", "address", "phone"):
        assert task.shows(field)
    assert fieldviews.FieldView(fieldviews.TASK, frozenset({"age"})).shows("age")


def test_it_shows_link_roles_nobody_without_a_link(tree, links):
    for role in access.LINK_ROLES:
        user, people = _make(True, [(role, CITY, True)], ["510108001001001", "510104002002"])
        assert not Person.objects.restrict(user).exists()
        assert access.scope(user, Action.VIEW).nowhere
        assert fieldviews.view_by_region(user, "510108001001001").task
        links[user.pk] = [people[0][0]]
        assert _pks(Person.objects.restrict(user)) == {people[0][0]}
        assert not Person.objects.restrict(user, links=False).exists()
        # A link lets them view; it never lets them change, reveal or export.
        for action in (Action.CHANGE, Action.REVEAL, Action.EXPORT, Action.AUDIT):
            assert not Person.objects.restrict(user, action).exists()
            with pytest.raises(PermissionDenied):
                access.get_or_404(Person, user, action, pk=people[0][0])


def test_it_ignores_a_task_link_for_officers(tree, links):
    # The test's link is for link roles only: an officer's reach is their region.
    user, people = _make(True, [(Role.COMMUNITY_WORKER, "510108001001", True)], ["510104001001"])
    links[user.pk] = [people[0][0]]
    assert not Person.objects.restrict(user).exists()


def test_it_gives_inactive_users_and_memberships_nothing(tree):
    user, _people = _make(False, [(Role.CITY_ADMIN, CITY, True)], ["510108001001"])
    assert not Person.objects.restrict(user).exists()
    assert not access.can(user, Action.VIEW)
    user, _people = _make(True, [(Role.CITY_ADMIN, CITY, False)], ["510108001001"])
    assert not Person.objects.restrict(user).exists()
    assert access.roles_of(user) == set()


def test_it_gives_anonymous_users_nothing_and_the_system_everything(tree):
    from django.contrib.auth.models import AnonymousUser

    _make(True, [], ["510108001001"])
    assert not Person.objects.restrict(AnonymousUser()).exists()
    assert access.scope(AnonymousUser(), Action.VIEW).nowhere
    with pytest.raises(Http404):
        access.get_or_404(Person, AnonymousUser(), pk=Person.objects.get().pk)
    # user=None is the system itself (commands, jobs): it reaches every row.
    assert Person.objects.restrict(None).count() == 1
    assert access.scope(None, Action.CHANGE).everywhere
    access.require(None, Action.CHANGE, Person.objects.get())


def test_it_checks_the_row_as_stored_after_a_write(tree):
    user, people = _make(True, [(Role.COMMUNITY_WORKER, "510108001001", True)], ["510108001001"])
    person = Person.objects.get(pk=people[0][0])
    access.recheck(user, Action.CHANGE, person)
    moved = districts.moved(Person, "region_id", "510104001001")
    Person.objects.filter(pk=person.pk).update(**moved)  # moved under its feet
    with pytest.raises(PermissionDenied):
        access.recheck(user, Action.CHANGE, person)


def test_it_collapses_nested_prefixes():
    assert access._collapse(["510108001", "5101", "510104", "510108"]) == ("5101",)
    assert access._collapse(["510108", "5101080", "510104"]) == ("510104", "510108")
    assert access._collapse([]) == ()


def test_it_tells_what_part_of_a_region_a_scope_holds():
    street = access.RegionScope(("510108001",))
    assert street.touches("510108000000") and street.touches("510108001001")
    assert not street.touches("510104000000")
    assert street.held_at(Level.DISTRICT).nowhere
    officer = access.RegionScope(("510108", "510104001"))
    assert officer.held_at(Level.DISTRICT).prefixes == ("510108",)
    assert officer.held_at(Level.CITY).nowhere
    assert access.EVERYWHERE.held_at(Level.CITY).everywhere


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


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("510108000000", "510108"), ("510108", "510108"), ("510108010001001", "510108010001001")],
)
def test_it_reads_a_padded_code_or_a_prefix_as_the_same_area(code, prefix):
    from nuanxin.regions.models import significant

    assert significant(code) == prefix


@pytest.mark.parametrize("bad", ["abc", "5101080", "", "51010800000x"])
def test_it_refuses_what_is_not_a_region_code(bad):
    from nuanxin.regions.models import significant

    with pytest.raises(ValueError):
        significant(bad)
