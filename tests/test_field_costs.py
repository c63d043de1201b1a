"""What a field worker's phone asks most (the load mix): the worklist, a person, a visit.

Each is held to a fixed number of queries; the worklist asks a duty source only
when that source has open rows in the user's reach (core.duties `pending`), and
answers exactly what asking every source answers.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.accounts.services import api_token_create
from nuanxin.core import duties
from nuanxin.registry import services as registry

WORKLIST = "/api/v1/worklist"
# A day by which everyone enrolled today is due a visit.
LATER = {"page_size": 20, "date": (timezone.localdate() + dt.timedelta(days=60)).isoformat()}


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def both_ways(fn):
    """fn() with the sources' `pending` asked first, then with every source asked."""
    probed = fn()
    duties.PROBE = False
    try:
        return probed, fn()
    finally:
        duties.PROBE = True


def test_it_answers_the_worklist_without_asking_empty_sources(
    grid_worker, ms_cai, django_assert_num_queries
):
    client = api(grid_worker)
    # token, its last use, memberships, which sources have open rows, the visits
    with django_assert_num_queries(5):
        body = client.get(WORKLIST, LATER).json()
    assert [item["person_id"] for item in body["items"]] == [ms_cai.pk]
    # Asked again: the token's last use is not written twice in a minute.
    with django_assert_num_queries(4):
        assert client.get(WORKLIST, LATER).json() == body


def request_for(client, person):
    created = client.post(
        "/api/v1/requests",
        {"person_id": person.pk, "source": "hotline", "need_type": "other",
         "description": "暖气坏了", "received_at": timezone.now().isoformat()},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content


def test_it_asks_a_source_once_it_has_a_row(grid_worker, ms_cai, django_assert_num_queries):
    client = api(grid_worker)
    client.get(WORKLIST)
    request_for(client, ms_cai)
    # … the probe, the visits, the open requests and their assignees
    with django_assert_num_queries(6):
        body = client.get(WORKLIST, LATER).json()
    assert {item["kind"] for item in body["items"]} == {"visit", "help_request"}
    probed, asked = both_ways(lambda: client.get(WORKLIST, LATER).json())
    assert probed == asked == body


def test_it_probes_again_when_the_memberships_change(
    grid_worker, community_worker, ms_cai, grid2_person
):
    from nuanxin.accounts.services import membership_add
    from nuanxin.regions.models import Region
    from tests.conftest import HEMEI_GRID2

    client = api(grid_worker)
    request_for(api(community_worker), grid2_person)

    def kinds():
        items = client.get(WORKLIST, LATER).json()["items"]
        return {(item["kind"], item["person_id"]) for item in items}

    assert kinds() == {("visit", ms_cai.pk)}  # the request is in the other grid
    grid2 = Region.objects.get(code=HEMEI_GRID2)
    membership_add(user=grid_worker, role="grid_worker", region=grid2)
    assert ("help_request", grid2_person.pk) in kinds()


def test_it_builds_the_probe_without_reading_a_row(
    city_admin, district_officer, street_officer, community_worker, grid_worker,
    social_worker, inspector, volunteer, partner_contact, provider, dual,
    django_assert_num_queries,
):  # fmt: skip
    """The compiled probe is kept for a minute (core.duties): a source's `pending` builds
    its querysets from the user's reach alone, and reads no row."""
    from nuanxin.core import access

    today = timezone.localdate()
    sources = duties.sources()
    kept = 0
    for user in User.objects.order_by("pk"):
        if access.reach(user).has_link_role:
            # A partner's links read the provider it answers for: never kept.
            assert duties._probe_key(sources, user=user, today=today, region="") is None
            continue
        with django_assert_num_queries(0):
            plan = duties.probe_plan(sources, user=user, today=today, region="")
        assert len(plan.statements) == 1, user.username
        kept += 1
    assert kept == 8  # every staff role, the one with two hats included


# Seed steps left out to keep the test quick (the other steps seed every duty kind it checks).
LEFT_OUT = {
    "nuanxin.demo.oversight.rescue_seed",
    "nuanxin.demo.campaigns.story_s5_seed",
    "nuanxin.demo.registry.residence_seed",
    "nuanxin.demo.regions.map_change_seed",
}


@pytest.fixture
def demo_city(db):
    """The demo city with its seed steps: each kind of duty, in many places."""
    from nuanxin.demo.steps import SEED_STEPS
    from tests.demo_city import city_with_steps

    return city_with_steps([s for s in SEED_STEPS if s not in LEFT_OUT], persons=300)


def test_it_finds_the_same_duties_as_asking_every_source(demo_city):
    today = demo_city
    until = today + dt.timedelta(days=6)
    users = list(User.objects.filter(memberships__active=True).distinct().order_by("pk"))
    assert len(users) > 5
    kinds: set[str] = set()
    for user in users:
        for day in (today, today + dt.timedelta(days=40)):
            work, every = both_ways(
                lambda user=user, day=day: duties.worklist(
                    user=user, today=day, until=day + dt.timedelta(days=6)
                )
            )
            assert work == every, user.username
            kinds |= {d.kind for d in work}
        late, every = both_ways(lambda user=user: duties.blind_spots(user=user, today=today))
        assert late == every, user.username
        mine, every = both_ways(lambda user=user: duties.mine(user=user, today=today, until=until))
        assert mine == every, user.username
    # The comparison covers more than visits.
    assert len(kinds) >= 10, kinds


def test_it_reads_a_person_once(community_worker, ms_cai, django_assert_num_queries):
    registry.contact_add(user=None, person=ms_cai, name="蔡小妹", relation="daughter")
    client = api(community_worker)
    client.get(f"/api/v1/persons/{ms_cai.pk}")
    # token, memberships, the person, the audit row, enrollments, disabilities,
    # contacts, consents, devices
    with django_assert_num_queries(9):
        body = client.get(f"/api/v1/persons/{ms_cai.pk}").json()
    assert body["categories"] == ["elderly_alone"]
    assert [c["name"] for c in body["contacts"]] == ["蔡小妹"]


def test_it_shows_only_the_categories_active_today(community_worker, ms_cai):
    registry.enrollment_add(
        user=None,
        person=ms_cai,
        category="dibao",
        source="test",
        start_date=timezone.localdate() + dt.timedelta(days=10),
    )
    body = api(community_worker).get(f"/api/v1/persons/{ms_cai.pk}").json()
    assert body["categories"] == ["elderly_alone"]


def _visit(person, **more) -> str:
    return json.dumps(
        {"client_id": "c-1", "person_id": person.pk,
         "visited_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
         "method": "home", "with_whom": "grid_worker", "outcome": "met",
         "checklist": {"gas_hose_age": "ok"}, **more}
    )  # fmt: skip


def test_it_records_a_visit_without_reading_its_findings_back(
    grid_worker, ms_cai, django_assert_num_queries
):
    client = api(grid_worker)
    client.get(WORKLIST)
    finding = {"kind": "major_change", "text": "  老伴住院了  "}
    # token, the client id, savepoint, memberships, the person, the checklist, the visit,
    # the audit row, its finding and the 24-hour rule it starts, the schedule, the last
    # visits, policies, cold snaps, the schedule written, the month's tally (delete,
    # insert), release
    with django_assert_num_queries(18):
        sent = client.post(
            "/api/v1/visits", _visit(ms_cai, findings=[finding]), content_type="application/json"
        )
    assert sent.status_code == 201, sent.content
    again = client.post(
        "/api/v1/visits", _visit(ms_cai, findings=[finding]), content_type="application/json"
    )
    # The retry reads the stored visit and its findings: the same answer.
    assert again.status_code == 200
    assert again.json() == sent.json()
    assert sent.json()["findings"] == [
        {"kind": "major_change", "text": "老伴住院了", "tier": "", "ends_on": None}
    ]
