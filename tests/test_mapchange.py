"""Administrative changes of the map: merge, split, recode, rename (issue #17 item 3).

Coverage of a month before a change reads as it did; of the month of the change and
later, under the new map; at every level the children sum to the parent, grid to city.
"""

import datetime as dt
import io
import itertools

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.models import Membership
from nuanxin.audit.models import AuditEvent
from nuanxin.mapchange import followers, services
from nuanxin.regions.models import AdministrativeChange, Region
from nuanxin.regions.services import region_create
from nuanxin.registry.models import Person
from nuanxin.registry.services import enrollment_add
from nuanxin.visits import selectors
from nuanxin.visits.models import CoverageMonth, FollowUp, Visit, VisitSchedule
from nuanxin.visits.services import visit_record
from tests.conftest import BAOHE, CHENGHUA, CITY, HEMEI, HEMEI_GRID1, HEMEI_GRID2
from tests.factories import make_person, make_user

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
HEPING = "510108010002"  # B: merged into 和美社区 (A)
HEPING_GRID = "510108010002001"
_names = (f"变{i}" for i in itertools.count())


def blue(region):
    """A person with a monthly visit duty, in scope since well before last month."""
    person = make_person(name=next(_names), region=region, birth=dt.date(1975, 1, 1))
    enrollment_add(
        user=None, person=person, category="dibao", start_date=LAST_MONTH - dt.timedelta(days=90)
    )
    person.refresh_from_db()
    assert person.tier == "blue"
    return person


def visit(person, day):
    visit_record(
        user=None,
        person_id=person.pk,
        visited_on=day,
        method="home",
        with_whom="community_worker",
        outcome="met",
    )


def figures(code, month):
    """{region: (in scope, visited, explained)} for a region and its children."""
    region = Region.objects.get(code=code)
    cov = selectors.coverage_compute(region=region, month=month, today=TODAY)
    out = {"total": (cov.total.in_scope, cov.total.visited, cov.total.explained)}
    out |= {c.code: (c.in_scope, c.visited, c.explained) for c in cov.children}
    return out


def the_map(month):
    """Every level's figures from the city down to the grids of 保和街道's communities."""
    found = {}
    for code in (
        CITY,
        CHENGHUA,
        BAOHE,
        *Region.objects.filter(parent_id=BAOHE).values_list("code", flat=True),
    ):
        found[code] = figures(code, month)
    return found


def assert_sums(found):
    """Each level's children sum to it, and a child's own figures are those its parent lists."""
    for code, rows in found.items():
        children = [v for c, v in rows.items() if c != "total"]
        total = tuple(map(sum, zip(*children, strict=False))) if children else (0, 0, 0)
        assert total == rows["total"], code
        for child, value in rows.items():
            if child not in ("total", code) and child in found:
                assert found[child]["total"] == value, (code, child)


@pytest.fixture
def heping(places):
    baohe = Region.objects.get(code=BAOHE)
    b = region_create(code=HEPING, name="和平社区", parent=baohe)
    region_create(code=HEPING_GRID, name="和平社区第一网格", parent=b)
    return b


@pytest.fixture
def people(heping):
    a1, a2 = blue(HEMEI_GRID1), blue(HEMEI_GRID2)
    b1, b2, b3 = blue(HEPING_GRID), blue(HEPING_GRID), blue(HEPING)
    for p in (a1, b1, b3):
        visit(p, LAST_MONTH + dt.timedelta(days=3))
    visit(b2, THIS_MONTH)  # this month, before the merge: counts for the new map
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2, "b3": b3}


def test_it_merges_a_community_keeping_past_months_as_they_were(people, city_admin):
    visit_record(  # open work: a follow-up from last month's visit, not yet closed
        user=None,
        person_id=people["b3"].pk,
        visited_on=LAST_MONTH + dt.timedelta(days=5),
        method="phone",
        with_whom="community_worker",
        outcome="met",
        findings=[{"kind": "follow_up", "text": "水管漏水"}],
    )
    before = the_map(LAST_MONTH)
    assert before[BAOHE][HEPING] == (3, 2, 0)
    worker = make_user("heping_grid", "grid_worker", HEPING_GRID)

    preview = services.change_merge(
        user=city_admin, code=HEPING, into=HEMEI, effective_on=TODAY, dry_run=True
    )
    assert preview.counts["people"] == 3 and preview.counts["grids"] == 1
    assert Region.objects.get(code=HEPING).retired_on is None  # a preview changes nothing
    assert not AdministrativeChange.objects.exists()

    outcome = services.change_merge(user=city_admin, code=HEPING, into=HEMEI, effective_on=TODAY)
    assert outcome.counts == preview.counts
    assert outcome.counts["follow_ups"] == 1
    follow_up = FollowUp.objects.get(person=people["b3"])
    assert follow_up.region_id == HEMEI and follow_up.visit.region_id == HEPING
    change = outcome.change
    new_grid = change.grids[0][1]
    assert new_grid.startswith(HEMEI) and new_grid == HEMEI + "003"
    b = Region.objects.get(code=HEPING)
    assert b.retired_on == TODAY and b.successor_id == HEMEI
    assert Region.objects.get(code=HEPING_GRID).successor_id == new_grid
    assert set(
        Person.objects.filter(region__code__startswith=HEMEI).values_list("pk", flat=True)
    ) == {p.pk for p in people.values()}
    assert VisitSchedule.objects.get(pk=people["b3"].pk).region_id == HEMEI
    # History stays: last month's visits are still filed under 和平社区.
    assert Visit.objects.filter(region_id__startswith=HEPING, month=LAST_MONTH).count() == 3
    assert Membership.objects.get(user=worker).region_id == new_grid  # the grid's staff follow
    assert AuditEvent.objects.filter(object_type="regions.administrativechange").count() == 1

    # Last month reads exactly as it did, at every level …
    assert the_map(LAST_MONTH) == before
    # … this month under the new map: 和平社区 is gone, 和美社区 holds all five.
    now = the_map(THIS_MONTH)
    assert HEPING not in now[BAOHE]
    assert now[BAOHE][HEMEI][:2] == (5, 1)
    assert now[HEMEI][new_grid] == (2, 1, 0)
    assert_sums(before)
    assert_sums(now)
    # Retired: offered nowhere for new data, refused by a second change.
    assert HEPING not in Region.objects.current().values_list("code", flat=True)
    with pytest.raises(ValidationError) as refused:
        make_person(name="新登记", region=HEPING, user=city_admin)
    assert list(refused.value.message_dict) == ["region"]
    with pytest.raises(ValidationError):
        services.change_merge(user=None, code=HEPING, into=HEMEI, effective_on=TODAY)


def test_it_splits_a_community_by_grid_and_by_person(people, city_admin):
    before = the_map(LAST_MONTH)
    new = "510108010003"
    outcome = services.change_split(
        user=city_admin,
        code=HEMEI,
        new_code=new,
        name="和顺社区",
        grids=[HEMEI_GRID2],
        people=[str(people["a1"].pk)],
        effective_on=TODAY,
    )
    assert outcome.counts["people"] == 2 and outcome.counts["grids"] == 1
    assert Region.objects.get(code=new + "002").parent_id == new
    assert Person.objects.get(pk=people["a1"].pk).region_id == new
    assert Region.objects.get(code=HEMEI).retired_on is None  # a split keeps the old one

    after = the_map(LAST_MONTH)
    assert after.pop(new) == {"total": (0, 0, 0)}  # last month: 和顺社区 did not exist yet
    assert after == before
    now = the_map(THIS_MONTH)
    assert now[BAOHE][new] == (2, 0, 0)
    assert HEMEI not in now[BAOHE]  # nobody left in 和美社区
    assert_sums(now)

    # And a merge after the split: months before either read as they did.
    services.change_merge(user=None, code=new, into=HEPING, effective_on=TODAY)
    after = the_map(LAST_MONTH)
    assert after.pop(new) == {"total": (0, 0, 0)}
    assert after == before
    assert_sums(the_map(THIS_MONTH))


def test_it_recodes_a_community_and_everything_follows(people, city_admin):
    CoverageMonth.objects.create(
        region_code=BAOHE, month=LAST_MONTH, in_scope=1, visited=1, explained=0
    )
    worker = make_user("heping_worker", "community_worker", HEPING)
    before = the_map(LAST_MONTH)[BAOHE][HEPING]
    new = "510108010009"
    out = io.StringIO()
    call_command("regions", "recode", HEPING, new, stdout=out)
    assert "applied change" in out.getvalue()
    assert Region.objects.get(code=new + "001").parent_id == new
    assert Region.objects.get(code=HEPING).successor_id == new
    assert Membership.objects.get(user=worker).region_id == new
    assert not Visit.objects.filter(region_id__startswith=HEPING).exists()  # history too
    assert the_map(LAST_MONTH)[BAOHE][new] == before
    assert not CoverageMonth.objects.filter(region_code=BAOHE).exists()  # ancestors recount


def test_it_renames_and_previews_from_the_command_line(people):
    out = io.StringIO()
    call_command("regions", "rename", HEPING, "和平新村", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()
    assert Region.objects.get(code=HEPING).name == "和平社区"
    call_command(
        "regions",
        "merge",
        HEPING,
        "--into",
        HEMEI,
        "--on",
        TODAY.isoformat(),
        "--dry-run",
        stdout=out,
    )
    assert "people: 3" in out.getvalue()
    assert Region.objects.get(code=HEPING).retired_on is None
    call_command("regions", "rename", HEPING, "和平新村", stdout=out)
    assert Region.objects.get(code=HEPING).name == "和平新村"


def test_it_lets_only_the_city_admin_change_the_map(people, district_officer):
    with pytest.raises(PermissionDenied):
        services.change_rename(user=district_officer, code=HEPING, name="x")
    with pytest.raises(ValidationError):  # not before a signed or earlier cut, not in the future
        services.change_merge(
            user=None, code=HEPING, into=HEMEI, effective_on=TODAY + dt.timedelta(days=1)
        )


def test_it_says_for_every_region_column_what_a_merge_does_to_it():
    named = {(f.label, f.column) for f in followers.FOLLOWERS}
    found = {
        (m._meta.label, c)
        for m, c in followers.region_columns()
        if not m._meta.auto_created
        and m._meta.label not in ("regions.Region", "regions.ChangeMove")
    }
    assert found - named == set()
    assert all(apps.get_model(label) for label, _c in named)


def test_it_previews_a_merge_on_the_page_before_applying_it(client, people, city_admin):
    client.force_login(city_admin)
    form = {"code": HEPING, "into": HEMEI, "effective_on": TODAY.isoformat()}
    page = client.post("/regions/changes/new/merge/", form)
    assert page.status_code == 200
    assert page.context["preview"].counts["people"] == 3
    assert (
        'name="apply"' in page.content.decode()
        and Region.objects.get(code=HEPING).retired_on is None
    )
    done = client.post("/regions/changes/new/merge/", {**form, "apply": "1"})
    change = AdministrativeChange.objects.get()
    assert done.status_code == 302 and done.url == f"/regions/changes/{change.pk}/"
    assert client.get(done.url).status_code == 200
    assert client.get("/regions/changes/").status_code == 200
    # Retired: the person form no longer offers 和平社区.
    assert HEPING not in client.get("/people/new/").content.decode()


def test_it_counts_the_month_of_a_backdated_merge_under_the_new_map(people):
    earlier = (LAST_MONTH - dt.timedelta(days=1)).replace(day=1)
    before = the_map(earlier)
    services.change_merge(
        user=None, code=HEPING, into=HEMEI, effective_on=LAST_MONTH + dt.timedelta(days=14)
    )
    assert the_map(earlier) == before
    last = the_map(LAST_MONTH)
    assert HEPING not in last[BAOHE]
    # Last month's visits to 和平社区's people moved with them: 和美社区 counts all five.
    assert last[BAOHE][HEMEI] == (5, 3, 0)
    assert_sums(last)


def test_it_never_backdates_a_merge_into_a_signed_off_month(people, community_worker):
    from nuanxin.visits.services import coverage_sign

    coverage_sign(user=community_worker, region_code=HEMEI, month=LAST_MONTH)
    with pytest.raises(ValidationError, match=LAST_MONTH.strftime("%Y-%m")):
        services.change_merge(
            user=None, code=HEPING, into=HEMEI, effective_on=LAST_MONTH + dt.timedelta(days=14)
        )
    assert not AdministrativeChange.objects.exists()
    change = services.change_merge(user=None, code=HEPING, into=HEMEI, effective_on=TODAY).change
    assert change.cut_month == THIS_MONTH


def test_it_gives_the_merged_communitys_staff_the_community_it_joins(client, people, city_admin):
    from nuanxin.accounts.services import membership_add

    heping = Region.objects.get(code=HEPING)
    moving = make_user("heping_worker", "community_worker", HEPING)
    both = make_user("both_worker", "community_worker", HEMEI)
    membership_add(user=both, role="community_worker", region=heping)
    gone = make_user("gone_worker", "inspector", HEPING)
    Membership.objects.filter(user=gone).update(active=False)
    assert not selectors_people(moving, HEMEI)

    client.force_login(city_admin)
    form = {"code": HEPING, "into": HEMEI, "effective_on": TODAY.isoformat()}
    page = client.post("/regions/changes/new/merge/", form)
    preview = page.context["preview"]
    assert preview.counts["memberships"] == 2
    assert [line.split(" ")[0] for line in preview.staff_moved] == ["both_worker", "heping_worker"]
    assert 'id="staff-moved"' in page.content.decode()
    assert not Membership.objects.filter(region_id=HEMEI, user=moving).exists()  # a preview

    client.post("/regions/changes/new/merge/", {**form, "apply": "1"})
    change = AdministrativeChange.objects.get()
    assert change.counts["memberships"] == 2
    assert {(m.region_id, m.active) for m in moving.memberships.all()} == {
        (HEMEI, True),
        (HEPING, True),
    }
    assert {(m.region_id, m.active) for m in both.memberships.all()} == {
        (HEMEI, True),
        (HEPING, True),
    }
    assert Membership.objects.get(user=gone).region_id == HEPING  # an ended one stays
    event = AuditEvent.objects.get(object_type="accounts.membership")
    assert event.changes["memberships"] == [
        ["both_worker", "community_worker"],
        ["heping_worker", "community_worker"],
    ]
    assert event.user == city_admin and event.changes["change"] == change.pk
    # The worker now reaches the people who moved with them, and still reads the
    # visits made to them under 和平社区's code before the merge.
    assert selectors_people(moving, HEMEI) == {p.pk for p in people.values()}
    moving = type(moving).objects.get(pk=moving.pk)
    history = Visit.objects.restrict(moving, "view").within(HEPING)
    assert history.exists()


def selectors_people(user, code):
    from nuanxin.core import access

    user = type(user).objects.get(pk=user.pk)  # a fresh user: no cached reach
    return set(
        Person.objects.restrict(user, access.Action.VIEW)
        .filter(pk__in=Person.objects.within(code).values("pk"))
        .values_list("pk", flat=True)
    )


def test_it_lists_a_split_communitys_staff_for_review_and_leaves_them(
    people, city_admin, community_worker
):
    arguments = {"code": HEMEI, "new_code": "510108010003", "name": "和顺社区",
                 "grids": [HEMEI_GRID2], "effective_on": TODAY}  # fmt: skip
    preview = services.change_split(user=city_admin, dry_run=True, **arguments)
    assert [line.split(" ")[0] for line in preview.staff_to_review] == ["hemei_worker"]
    assert preview.staff_moved == [] and "memberships" not in preview.counts
    outcome = services.change_split(user=city_admin, **arguments)
    assert outcome.staff_to_review == preview.staff_to_review
    assert Membership.objects.get(user=community_worker).region_id == HEMEI
    assert not AuditEvent.objects.filter(object_type="accounts.membership").exists()


def _agreement(user, person, starts_on, ends_on=None):
    from nuanxin.care.services import care_agreement_create

    return care_agreement_create(
        user=user, person_id=person.pk, caregiver_kind="relative", caregiver_name="女儿",
        caregiver_phone="13900004444", duties=["daily_look_in"], care_level="self",
        monthly_fee_fen=0, starts_on=starts_on, ends_on=ends_on,
    )  # fmt: skip


def test_it_moves_a_current_care_agreements_street_when_a_merge_crosses_streets(places, city_admin):
    other_street = Region.objects.get(code="510108020000")  # 猛追湾街道
    far = Region.objects.get(code="510108020001")  # 望平社区
    person = make_person(name="赵大爷", region=far.code)
    ended = _agreement(
        city_admin, person, TODAY - dt.timedelta(days=700), TODAY - dt.timedelta(days=400)
    )
    current = _agreement(city_admin, person, TODAY - dt.timedelta(days=30))
    assert current.street_id == other_street.code

    preview = services.change_merge(
        user=city_admin, code=far.code, into=HEMEI, effective_on=TODAY, dry_run=True
    )
    assert preview.counts["care_agreement_streets"] == 1
    services.change_merge(user=city_admin, code=far.code, into=HEMEI, effective_on=TODAY)
    current.refresh_from_db()
    ended.refresh_from_db()
    assert (current.region_id, current.street_id) == (HEMEI, BAOHE)
    assert (ended.region_id, ended.street_id) == (far.code, other_street.code)  # history


def test_it_keeps_a_care_agreements_street_within_one_street_and_moves_it_on_a_split_across(
    people, city_admin
):
    first = _agreement(city_admin, people["b3"], TODAY - dt.timedelta(days=30))
    outcome = services.change_merge(user=city_admin, code=HEPING, into=HEMEI, effective_on=TODAY)
    assert "care_agreement_streets" not in outcome.counts
    first.refresh_from_db()
    assert (first.region_id, first.street_id) == (HEMEI, BAOHE)

    other_street = Region.objects.get(code="510108020000")  # 猛追湾街道
    outcome = services.change_split(
        user=city_admin, code=HEMEI, new_code="510108020009", name="新社区",
        people=[str(people["b3"].pk)], effective_on=TODAY,
    )  # fmt: skip
    assert outcome.counts["care_agreement_streets"] == 1
    first.refresh_from_db()
    assert (first.region_id, first.street_id) == ("510108020009", other_street.code)


# ---- /api/v1/region-changes -----------------------------------------------------------


def _api(user):
    from nuanxin.accounts.services import api_token_create

    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def test_it_lists_region_changes_newest_first_in_pages_for_those_who_audit(
    people, city_admin, district_officer, inspector
):
    services.change_rename(user=city_admin, code=HEPING, name="和平新村")
    merge = services.change_merge(user=city_admin, code=HEPING, into=HEMEI, effective_on=TODAY)

    answer = _api(city_admin).get("/api/v1/region-changes?page_size=1")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["count"], body["pages"], body["previous"]) == (2, 2, None)
    [newest] = body["items"]
    assert newest["id"] == merge.change.pk and newest["kind"] == "merge"
    assert (newest["from_code"], newest["to_code"], newest["old_name"]) == (
        HEPING,
        HEMEI,
        "和平新村",
    )
    assert newest["counts"]["people"] == 3 and newest["grids"] == merge.change.grids
    assert newest["applied_by"] == city_admin.username
    second = _api(city_admin).get(body["next"]).json()
    assert [c["kind"] for c in second["items"]] == ["rename"]

    # Only the city administrator audits: other roles get an empty list, not the changes.
    for user in (district_officer, inspector):
        answer = _api(user).get("/api/v1/region-changes")
        assert answer.status_code == 200 and answer.json()["items"] == []
    assert Client().get("/api/v1/region-changes").status_code == 401
    assert _api(city_admin).get("/api/v1/region-changes?page_size=0").status_code == 400
    assert _api(city_admin).get("/api/v1/region-changes?page=x").status_code == 400


def test_it_documents_the_region_changes_route_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    route = schema["paths"]["/api/v1/region-changes"]["get"]
    assert {"200", "400", "401"} <= set(route["responses"])
    assert route["operationId"] and route["tags"] == ["regions"]
