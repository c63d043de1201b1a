"""Registration and residence (人户分离) and moving a person: issue #17 items 4 and 5.

A person registered (户籍地) in one area and living (居住地) in another is reached from
both: visits, duties and coverage follow the residence, assistance categories the
registration, and the registration side never sees a visit unless it holds the
residence too. A move keeps the history; coverage before and after it sums from grid
to city.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuanxin.core import access
from nuanxin.regions.models import ChangeMove, Region
from nuanxin.registry import services
from nuanxin.registry.models import Enrollment, Person, PersonMove, Status
from nuanxin.visits import selectors as visit_selectors
from nuanxin.visits.models import Visit, VisitSchedule
from tests.conftest import (
    BAOHE,
    CHENGHUA,
    CHUNXILU,
    CITY,
    HEMEI,
    HEMEI_GRID1,
    HEMEI_GRID2,
    JINJIANG,
    JINJIANG_COMMUNITY,
)
from tests.factories import make_person
from tests.test_mapchange import LAST_MONTH, THIS_MONTH, TODAY, assert_sums, blue, figures, visit


@pytest.fixture
def split_person(places):
    """Registered in 锦江区 (a 低保 of its ledgers), living in 和美社区 grid 1."""
    person = make_person(name="分离", region=HEMEI_GRID1, registered_region_id=JINJIANG_COMMUNITY)
    services.enrollment_add(
        user=None, person=person, category="dibao", start_date=LAST_MONTH - dt.timedelta(days=90)
    )
    person.refresh_from_db()
    return person


def test_it_defaults_the_registration_to_the_residence(places):
    person = make_person(name="同住", region=HEMEI_GRID1)
    assert person.registered_region_id == HEMEI_GRID1 and not person.lives_elsewhere


def test_it_lets_both_areas_see_the_person_and_only_the_residence_the_visits(
    split_person, community_worker, outsider
):
    hemei, jinjiang = community_worker, outsider
    visit(split_person, TODAY)
    for user in (hemei, jinjiang):
        assert Person.objects.restrict(user).filter(pk=split_person.pk).exists()
        assert Enrollment.objects.restrict(user).filter(person=split_person).exists()
        assert access.allows(user, "view", split_person)
        assert access.allows(user, "export", split_person)
    # The registration side changes nothing and sees no visit, duty or worklist line.
    assert not access.allows(jinjiang, "change", split_person)
    assert not Person.objects.restrict(jinjiang, "change").filter(pk=split_person.pk).exists()
    assert not Visit.objects.restrict(jinjiang).filter(person=split_person).exists()
    assert Visit.objects.restrict(hemei).filter(person=split_person).exists()
    due = TODAY + dt.timedelta(days=400)
    assert split_person.pk in {
        s.person_id for s in visit_selectors.schedule_due(user=hemei, until=due)
    }
    assert split_person.pk not in {
        s.person_id for s in visit_selectors.schedule_due(user=jinjiang, until=due)
    }
    with pytest.raises(PermissionDenied):
        services.person_update(user=jinjiang, person=split_person, note="not mine")


def test_it_counts_the_person_in_coverage_where_they_live(split_person):
    hemei = figures(HEMEI, THIS_MONTH)["total"]
    jinjiang = figures(JINJIANG, THIS_MONTH)["total"]
    assert hemei[0] == 1 and jinjiang[0] == 0


def test_it_hides_visits_and_actions_on_the_page_from_the_registration_side(
    client, split_person, community_worker, outsider
):
    client.force_login(outsider)
    page = client.get(split_person.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="timeline"' not in html
    assert 'id="section-consent"' not in html and 'id="section-device"' not in html
    assert 'id="section-enrollment"' in html
    assert reverse("registry:person_edit", args=[split_person.pk]) not in html
    assert reverse("registry:person_move", args=[split_person.pk]) not in html
    assert "lives elsewhere" in html or "户籍" in html
    assert client.get(reverse("registry:person_edit", args=[split_person.pk])).status_code == 403
    client.force_login(community_worker)
    html = client.get(split_person.get_absolute_url()).content.decode()
    assert 'id="timeline"' in html
    assert reverse("registry:person_move", args=[split_person.pk]) in html


def test_it_takes_both_places_on_the_person_form(client, community_worker):
    client.force_login(community_worker)
    data = {"name": "表单", "region": HEMEI_GRID2, "registered_region": "510104010001",
            "status": "active", "living": "alone"}  # fmt: skip
    answer = client.post(reverse("registry:person_create"), data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    person = Person.objects.get(name="表单")
    assert (person.region_id, person.registered_region_id) == (HEMEI_GRID2, JINJIANG_COMMUNITY)
    data |= {"name": "表单二", "registered_region": ""}
    assert client.post(reverse("registry:person_create"), data).status_code == 302
    assert Person.objects.get(name="表单二").registered_region_id == HEMEI_GRID2
    data |= {"name": "表单三", "registered_region": "999999999999"}
    assert client.post(reverse("registry:person_create"), data).status_code == 200
    assert not Person.objects.filter(name="表单三").exists()


# --- moving ----------------------------------------------------------------------------


def _every_level(month):
    found = {}
    for code in (CITY, CHENGHUA, JINJIANG, BAOHE, CHUNXILU, HEMEI):
        found[code] = figures(code, month)
    return found


def test_it_moves_a_person_keeping_past_months_and_summing_grid_to_city(
    places, community_worker, outsider
):
    mover, stayer = blue(HEMEI_GRID1), blue(HEMEI_GRID2)
    visit(mover, LAST_MONTH + dt.timedelta(days=2))
    visit(stayer, LAST_MONTH + dt.timedelta(days=2))
    visit(mover, THIS_MONTH)  # by the old area, this month: it moves with the person
    before = _every_level(LAST_MONTH)
    assert before[HEMEI]["total"][:2] == (2, 2)
    outcome = services.person_move(
        user=community_worker,
        person=mover,
        to_region=Region.objects.get(code=JINJIANG_COMMUNITY),
        on=TODAY,
        reason="搬到女儿家",
    )
    mover.refresh_from_db()
    assert mover.region_id == JINJIANG_COMMUNITY
    assert mover.registered_region_id == HEMEI_GRID1  # the registration stays
    assert outcome.counts.get("visits") == 1
    assert PersonMove.objects.get(person=mover).from_region_id == HEMEI_GRID1
    assert ChangeMove.objects.get(person_id=mover.pk, change__isnull=True).cut_month == THIS_MONTH
    # Last month reads as it did, at every level; this month counts the mover in 锦江区.
    after = _every_level(LAST_MONTH)
    assert after == before
    now = _every_level(THIS_MONTH)
    assert_sums(after)
    assert_sums(now)
    assert now[HEMEI]["total"][0] == 1
    assert now[JINJIANG]["total"][:2] == (1, 1)
    assert now[CITY]["total"][0] == before[CITY]["total"][0]
    # The old area's duty ended, the new area's began; both still see the history.
    assert VisitSchedule.objects.get(person_id=mover.pk).region_id == JINJIANG_COMMUNITY
    due = TODAY + dt.timedelta(days=400)
    assert mover.pk in {s.person_id for s in visit_selectors.schedule_due(user=outsider, until=due)}
    assert mover.pk not in {
        s.person_id for s in visit_selectors.schedule_due(user=community_worker, until=due)
    }
    # 和美 still reaches the person through the registration (no visits).
    assert Person.objects.restrict(community_worker).filter(pk=mover.pk).exists()


def test_it_marks_a_person_who_leaves_the_city_moved_away(places, community_worker):
    person = blue(HEMEI_GRID1)
    services.person_move(user=community_worker, person=person, to_region=None, on=TODAY)
    person.refresh_from_db()
    assert person.status == Status.MOVED and person.region_id == HEMEI_GRID1
    sched = VisitSchedule.objects.get(person_id=person.pk)
    assert not sched.active and sched.out_on <= TODAY
    assert PersonMove.objects.get(person=person).to_region is None
    assert not ChangeMove.objects.filter(person_id=person.pk).exists()


def test_it_refuses_the_wrong_role_and_bad_moves(places, inspector, outsider, community_worker):
    person = blue(HEMEI_GRID1)
    target = Region.objects.get(code=JINJIANG_COMMUNITY)
    with pytest.raises(PermissionDenied):
        services.person_move(user=inspector, person=person, to_region=target, on=TODAY)
    with pytest.raises(PermissionDenied):
        services.person_move(user=outsider, person=person, to_region=target, on=TODAY)
    with pytest.raises(ValidationError):
        services.person_move(
            user=community_worker, person=person, to_region=target, on=TODAY + dt.timedelta(1)
        )
    with pytest.raises(ValidationError):
        services.person_move(
            user=community_worker,
            person=person,
            to_region=Region.objects.get(code=HEMEI_GRID1),
            on=TODAY,
        )
    with pytest.raises(ValidationError):  # a district is not a place to live
        services.person_move(
            user=community_worker,
            person=person,
            to_region=Region.objects.get(code=JINJIANG),
            on=TODAY,
        )
    person.refresh_from_db()
    assert person.region_id == HEMEI_GRID1 and not PersonMove.objects.exists()


def test_it_previews_a_move_and_changes_nothing(places, community_worker):
    person = blue(HEMEI_GRID1)
    target = Region.objects.get(code=HEMEI_GRID2)
    outcome = services.person_move(
        user=community_worker, person=person, to_region=target, on=TODAY, dry_run=True
    )
    assert outcome.dry_run
    person.refresh_from_db()
    assert person.region_id == HEMEI_GRID1 and not PersonMove.objects.exists()


def test_it_moves_through_the_page_and_the_api(client, places, community_worker, inspector):
    from nuanxin.accounts.services import api_token_create

    person = blue(HEMEI_GRID1)
    url = reverse("registry:person_move", args=[person.pk])
    data = {"to_region": HEMEI_GRID2, "on": TODAY.isoformat(), "reason": "换房"}
    client.force_login(inspector)
    assert client.post(url, {**data, "apply": "1"}).status_code == 403
    client.force_login(community_worker)
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200 and 'name="apply"' in preview.content.decode()
    assert client.post(url, {**data, "apply": "1"}).status_code == 302
    person.refresh_from_db()
    assert person.region_id == HEMEI_GRID2
    token = api_token_create(user=community_worker, name="t")
    token = token[1] if isinstance(token, tuple) else token
    answer = client.post(
        f"/api/v1/persons/{person.pk}/move",
        data={"to_region": None, "on": TODAY.isoformat()},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.content
    person.refresh_from_db()
    assert person.status == Status.MOVED


# --- the gate: allows agrees with restrict, for random memberships and people ----------

CODES = [HEMEI_GRID1, HEMEI_GRID2, HEMEI, JINJIANG_COMMUNITY, BAOHE]
PREFIXES = [CITY, CHENGHUA, BAOHE, HEMEI, HEMEI_GRID1, JINJIANG, CHUNXILU]
ROLES = ["district_officer", "community_worker", "grid_worker", "inspector", "volunteer"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    memberships=st.lists(
        st.tuples(st.sampled_from(ROLES), st.sampled_from(PREFIXES)), min_size=0, max_size=3
    ),
    people=st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(CODES)), min_size=1,
                    max_size=4),
)  # fmt: skip
@pytest.mark.django_db
def test_it_allows_exactly_the_rows_restrict_returns(places_once, memberships, people):
    from django.db import transaction

    from nuanxin.accounts.models import Membership, User

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            user = User.objects.create(username="prop")
            Membership.objects.bulk_create(
                [Membership(user=user, role=r, region_id=p) for r, p in set(memberships)]
            )
            made = [
                Person.objects.create(name="测", region_id=lives, registered_region_id=reg)
                for lives, reg in people
            ]
            for action in access.Action.values:
                reached = set(Person.objects.restrict(user, action).values_list("pk", flat=True))
                assert reached == {p.pk for p in made if access.allows(user, action, p)}, action
                enrolled = [Enrollment.objects.create(person=p, category="dibao") for p in made]
                by_gate = set(
                    Enrollment.objects.restrict(user, action).values_list("pk", flat=True)
                )
                assert by_gate == {e.pk for e in enrolled if access.allows(user, action, e)}
                Enrollment.objects.filter(pk__in=[e.pk for e in enrolled]).delete()
                access.forget(user)
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def places_once(places):
    return None


# --- the ledger import: registration from the region columns, residence beside it ------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_imports_registration_and_residence_from_a_ledger(
    media, community_worker, outsider, jinjiang_person
):
    from tests.test_ledgers import ident, run_import, write_csv

    head = ["姓名", "性别", "身份证号", "区划代码", "居住地区划代码", "救助类别"]
    away, home, bad = ident(seq=12), ident(seq=14), ident(seq=16)
    path = write_csv(
        [
            head,
            ["住锦江", "女", away, HEMEI_GRID1, JINJIANG_COMMUNITY, "低保"],
            ["住本地", "女", home, HEMEI_GRID1, "", "低保"],
            ["无此地", "女", bad, HEMEI_GRID1, "999999999999", "低保"],
            # Registered in 锦江区: not the 和美 worker's ledger to import.
            ["别人的", "女", ident(seq=18), JINJIANG_COMMUNITY, HEMEI_GRID1, "低保"],
        ]
    )
    run = run_import(community_worker, path)
    assert run.summary["created"] == 2, run.summary
    split = Person.objects.get(id_number=away)
    assert (split.registered_region_id, split.region_id) == (HEMEI_GRID1, JINJIANG_COMMUNITY)
    same = Person.objects.get(id_number=home)
    assert same.registered_region_id == same.region_id == HEMEI_GRID1
    assert not Person.objects.filter(id_number=bad).exists()
    assert not Person.objects.filter(name="别人的").exists()
    # Both sides see the one living away; its duty is 锦江's.
    assert Person.objects.restrict(outsider).filter(pk=split.pk).exists()
    assert Person.objects.restrict(community_worker).filter(pk=split.pk).exists()
    assert not Person.objects.restrict(community_worker, "change").filter(pk=split.pk).exists()
    # Importing the same file again changes nothing: the same people, no conflicts.
    again = run_import(community_worker, path)
    assert again.summary["created"] == 0 and again.summary.get("updated", 0) == 0
    assert Person.objects.filter(id_number=away).count() == 1


def test_it_lists_the_person_under_both_areas(split_person, city_admin, community_worker):
    from nuanxin.registry.selectors import person_list

    for area in (HEMEI, JINJIANG):
        assert split_person in person_list(user=city_admin, region=area)
    assert split_person not in person_list(user=city_admin, region="510106000000")
    assert split_person in person_list(user=community_worker)


def test_it_shows_the_story_in_the_demo_city(db):
    import random

    from nuanxin.demo.city import city_seed
    from nuanxin.demo.registry import REGISTERED_ELSEWHERE, residence_seed

    city_seed(persons=600, seed=7, today=TODAY, run_steps=False)
    residence_seed(rng=random.Random(1), today=TODAY)
    elsewhere = Person.objects.exclude(registered_region_id=models_f("region_id"))
    assert elsewhere.count() == REGISTERED_ELSEWHERE
    assert all(p.registered_region_id[:6] == "510104" for p in elsewhere)
    move = PersonMove.objects.get()
    assert move.to_region_id and move.cut_month == TODAY.replace(day=1)
    assert ChangeMove.objects.filter(person_id=move.person_id, change__isnull=True).exists()
    residence_seed(rng=random.Random(1), today=TODAY)  # again: nothing more
    assert PersonMove.objects.count() == 1


def models_f(name):
    from django.db.models import F

    return F(name)


def test_it_keeps_the_history_from_the_registration_side(
    client, split_person, community_worker, outsider
):
    visit(split_person, TODAY)
    pages = [
        reverse("registry:person_timeline", args=[split_person.pk]),
        reverse("visits:person_visits", args=[split_person.pk]),
    ]
    client.force_login(outsider)
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.get(split_person.get_absolute_url()).status_code == 200
    client.force_login(community_worker)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_it_gives_both_places_in_the_api_and_finds_by_digits_from_both_sides(
    client, split_person, outsider
):
    from nuanxin.accounts.services import api_token_create
    from nuanxin.registry.selectors import person_list

    token = api_token_create(user=outsider, name="t")
    token = token[1] if isinstance(token, tuple) else token
    answer = client.get(
        f"/api/v1/persons/{split_person.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["region"], body["registered_region"]) == (HEMEI_GRID1, JINJIANG_COMMUNITY)
    timeline = client.get(
        f"/api/v1/persons/{split_person.pk}/timeline", headers={"Authorization": f"Bearer {token}"}
    )
    assert timeline.status_code == 404
    assert split_person in person_list(user=outsider, q=split_person.id_number[-4:])


def test_it_moves_between_grids_keeping_each_grids_past_month(places, community_worker):
    mover, stayer = blue(HEMEI_GRID1), blue(HEMEI_GRID2)
    for person in (mover, stayer):
        visit(person, LAST_MONTH + dt.timedelta(days=4))
    before = figures(HEMEI, LAST_MONTH)
    assert before[HEMEI_GRID1] == (1, 1, 0) and before[HEMEI_GRID2] == (1, 1, 0)
    services.person_move(
        user=community_worker,
        person=mover,
        to_region=Region.objects.get(code=HEMEI_GRID2),
        on=TODAY,
    )
    assert figures(HEMEI, LAST_MONTH) == before
    now = figures(HEMEI, THIS_MONTH)
    assert now[HEMEI_GRID2][0] == 2 and HEMEI_GRID1 not in now
    assert_sums({HEMEI: now})


def test_it_keeps_a_later_map_change_from_going_back_before_a_move(places, community_worker):
    from nuanxin.mapchange import services as mapchange
    from nuanxin.regions.services import region_create

    heping = region_create(
        code="510108010002", name="和平社区", parent=Region.objects.get(code=BAOHE)
    )
    person = blue(HEMEI_GRID1)
    services.person_move(user=community_worker, person=person, to_region=heping, on=TODAY)
    with pytest.raises(ValidationError):
        mapchange.change_merge(user=None, code=heping.code, into=HEMEI, effective_on=LAST_MONTH)


def test_it_never_reopens_a_signed_off_month_with_a_move(places, community_worker):
    from nuanxin.visits.services import coverage_sign

    person = blue(HEMEI_GRID1)
    target = Region.objects.get(code=JINJIANG_COMMUNITY)
    coverage_sign(user=community_worker, region_code=HEMEI, month=LAST_MONTH)
    with pytest.raises(ValidationError, match=LAST_MONTH.strftime("%Y-%m")):
        services.person_move(user=community_worker, person=person, to_region=target, on=LAST_MONTH)
    assert not PersonMove.objects.exists()
    services.person_move(user=community_worker, person=person, to_region=target, on=TODAY)
    assert PersonMove.objects.get().cut_month == THIS_MONTH
