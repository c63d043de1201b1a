"""Campaigns and allocations (S4: the health kits of 武侯区), through the API and the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.audit.models import AuditEvent
from nuanxin.campaigns import selectors, services
from nuanxin.campaigns.models import Allocation, Campaign
from nuanxin.core import duties
from nuanxin.directory.services import hotline_create
from nuanxin.notices.models import Notice
from nuanxin.registry.models import Household
from tests.factories import make_person, make_user

WUHOU = "510107000000"
JIANGXIJIE = "510107010000"
XIMIANQIAO = "510107010001"
YULIN = "510107020000"
YULIN_NORTH = "510107020001"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def wuhou_officer(places):
    return make_user("wuhou_officer", "district_officer", WUHOU)


@pytest.fixture
def ximianqiao_worker(places):
    return make_user("ximianqiao_worker", "community_worker", XIMIANQIAO)


@pytest.fixture
def hotlines(city_admin):
    return [
        hotline_create(
            user=city_admin,
            unit=f"热线单位{i}",
            number=f"028-8000{i:04d}",
            hours="24小时",
            position=i,
        )  # fmt: skip
        for i in range(1, 13)
    ]


@pytest.fixture
def wuhou_people(places):
    """Nine in 武侯区: seven eligible (one holds 低保 and 特困: still one kit), two not."""
    people = {
        "zhang": make_person(
            name="张大爷",
            region=XIMIANQIAO,
            categories=["dibao", "tekun_dispersed"],
            phone="13800000001",
            female=False,
        ),  # fmt: skip
        "wang": make_person(
            name="王奶奶", region=XIMIANQIAO, categories=["dibao"], phone="13800000002"
        ),
        "li": make_person(
            name="李阿姨", region=XIMIANQIAO, categories=["tekun_dispersed"], adl_walking=True
        ),  # fmt: skip
        "zhao": make_person(
            name="赵小朋友",
            region=XIMIANQIAO,
            categories=["orphan_scattered"],
            birth=dt.date(2015, 5, 5),
        ),  # fmt: skip
        "qian": make_person(
            name="钱大妈", region=YULIN_NORTH, categories=["dibao"], phone="13800000005"
        ),
        "sun": make_person(
            name="孙大爷", region=YULIN_NORTH, categories=["dibao", "orphan_central"], female=False
        ),  # fmt: skip
        "zhou": make_person(name="周奶奶", region=YULIN_NORTH, categories=["tekun_central"]),
        # Not eligible: another category; and 低保 in 锦江区.
        "wu": make_person(
            name="吴爷爷", region=YULIN_NORTH, categories=["elderly_alone"], female=False
        ),
        "zheng": make_person(name="郑奶奶", region="510104010001", categories=["dibao"]),
    }
    return people


S4 = {
    "name": "健康防疫包",
    "kind": "goods",
    "region_codes": [WUHOU],
    "categories": [
        "dibao",
        "tekun_dispersed",
        "tekun_central",
        "orphan_scattered",
        "orphan_central",
    ],
    "unit": "person",
    "budget_fen": 70_000_000,
    "items": [{"name": "N95 口罩", "quantity": 10}, {"name": "免洗洗手液", "quantity": 2}],
}


def _campaign(officer, hotlines=(), **over) -> Campaign:
    data = {**S4, **over}
    return services.campaign_create(user=officer, hotline_ids=[h.pk for h in hotlines], **data)


def test_it_plays_s4_end_to_end(
    wuhou_officer,
    ximianqiao_worker,
    wuhou_people,
    hotlines,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    officer = api(wuhou_officer)
    answer = post(officer, "/api/v1/campaigns", {**S4, "hotline_ids": [h.pk for h in hotlines]})
    assert answer.status_code == 201, answer.content
    campaign = answer.json()
    assert campaign["budget_fen"] == 70_000_000 and len(campaign["hotline_ids"]) == 12
    cid = campaign["id"]
    assert post(officer, f"/api/v1/campaigns/{cid}/open").json()["status"] == "open"

    # One kit per eligible person: 张大爷 holds two categories and gets one.
    answer = post(officer, f"/api/v1/campaigns/{cid}/allocate")
    assert answer.json()["allocated"] == 7
    assert post(officer, f"/api/v1/campaigns/{cid}/allocate").json()["allocated"] == 0
    assert Allocation.objects.filter(campaign_id=cid).count() == 7
    assert Allocation.objects.filter(campaign_id=cid, person=wuhou_people["zhang"]).count() == 1
    # 李阿姨 cannot walk: home delivery is preselected.
    li = Allocation.objects.get(campaign_id=cid, person=wuhou_people["li"])
    assert li.method == "delivery"

    # The community worker notifies 张大爷 by phone, delivers to 李阿姨, 赵 refuses.
    worker = api(ximianqiao_worker)
    mine = worker.get(f"/api/v1/campaigns/{cid}/allocations", {"page_size": 200}).json()
    assert mine["count"] == 4  # her community only
    by_name = {a["person_name"]: a["id"] for a in mine["items"]}
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(
            worker, f"/api/v1/allocations/{by_name['张大爷']}/notify", {"outcome": "reached"}
        )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "notified"
    notice = Notice.objects.get(source=f"campaigns.allocation:{by_name['张大爷']}")
    assert notice.status == "sent" and notice.phone == "13800000001"
    assert "健康防疫包" in notice.text
    receipt = {"method": "delivery", "signer": "relative", "signer_name": "李阿姨的女儿",
               "client_id": "phone-1"}  # fmt: skip
    answer = post(worker, f"/api/v1/allocations/{by_name['李阿姨']}/deliver", receipt)
    assert answer.status_code == 201, answer.content
    # The phone retries: the same receipt, stored once.
    again = post(worker, f"/api/v1/allocations/{by_name['李阿姨']}/deliver", receipt)
    assert (
        again.status_code == 200 and again.json()["delivered_at"] == answer.json()["delivered_at"]
    )
    # The same client id for another allocation is a conflict.
    clash = post(worker, f"/api/v1/allocations/{by_name['王奶奶']}/deliver", receipt)
    assert clash.status_code == 409
    answer = post(worker, f"/api/v1/allocations/{by_name['赵小朋友']}/refuse", {"reason": "已搬走"})
    assert answer.json()["status"] == "refused"
    post(worker, f"/api/v1/allocations/{by_name['张大爷']}/deliver", {"signer": "person"})

    # Progress per street adds up to the campaign's.
    with django_assert_max_num_queries(12):
        progress = officer.get(f"/api/v1/campaigns/{cid}/progress").json()
    totals = progress["totals"]
    assert totals == {"eligible": 7, "allocated": 7, "notified": 0, "delivered": 2, "refused": 1,
                      "outstanding": 4}  # fmt: skip
    streets = {r["code"]: r for r in progress["rows"]}
    assert set(streets) == {JIANGXIJIE, YULIN}
    for figure in totals:
        assert sum(r[figure] for r in progress["rows"]) == totals[figure]
    assert streets[JIANGXIJIE]["delivered"] == 2 and streets[YULIN]["allocated"] == 3
    # Drill down to the community.
    down = officer.get(f"/api/v1/campaigns/{cid}/progress", {"region": JIANGXIJIE}).json()
    assert [r["code"] for r in down["rows"]] == [XIMIANQIAO]
    # The community worker's progress is her community's.
    hers = worker.get(f"/api/v1/campaigns/{cid}/progress").json()["totals"]
    assert hers["allocated"] == 4 and hers["eligible"] == 4


def test_it_never_stores_two_allocations_for_one_person(wuhou_officer, wuhou_people):
    campaign = _campaign(wuhou_officer)
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    first = Allocation.objects.filter(campaign=campaign).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(campaign=campaign, person=first.person, region=first.region,
                                  method="pickup")  # fmt: skip


def test_it_allocates_one_per_household(wuhou_officer, wuhou_people):
    home = Household.objects.create(number="H-1", region_id=YULIN_NORTH)
    for key in ("qian", "sun"):
        wuhou_people[key].household = home
        wuhou_people[key].save(update_fields=["household"])
    campaign = _campaign(wuhou_officer, unit="household")
    assert services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk) == 6
    assert Allocation.objects.filter(campaign=campaign, household=home).count() == 1


def test_it_allocates_in_the_background_with_progress(
    wuhou_officer, wuhou_people, django_capture_on_commit_callbacks
):
    campaign = _campaign(wuhou_officer)
    with django_capture_on_commit_callbacks(execute=True):
        added = services.campaign_allocate(
            user=wuhou_officer, campaign_id=campaign.pk, background=True
        )
    assert added is None
    campaign.refresh_from_db()
    # The tests' task backend runs it at once.
    assert (campaign.allocation_state, campaign.allocation_total, campaign.allocation_done) == (
        "done",
        7,
        7,
    )
    assert campaign.allocation_percent == 100


def test_it_keeps_allocation_within_the_officers_reach(
    wuhou_people, district_officer, ximianqiao_worker
):
    # 成华区's officer cannot make a campaign in 武侯区 (out of sight: 404); a community
    # worker cannot allocate the district's campaign even though she sees it (403).
    with pytest.raises(Http404):
        _campaign(district_officer)
    officer = make_user("wuhou_officer2", "district_officer", WUHOU)
    campaign = _campaign(officer)
    assert api(ximianqiao_worker).get(f"/api/v1/campaigns/{campaign.pk}").status_code == 200
    assert (
        post(api(ximianqiao_worker), f"/api/v1/campaigns/{campaign.pk}/allocate").status_code == 403
    )
    assert api(district_officer).get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404


def test_it_turns_undelivered_allocations_past_the_end_into_blind_spots(
    wuhou_officer, wuhou_people
):
    today = timezone.localdate()
    campaign = _campaign(wuhou_officer, starts_on=today - dt.timedelta(days=10),
                         ends_on=today - dt.timedelta(days=1))  # fmt: skip
    services.campaign_transition(user=wuhou_officer, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    done = Allocation.objects.filter(campaign=campaign).first()
    services.allocation_deliver(user=wuhou_officer, allocation_id=done.pk)
    spots = [d for d in duties.blind_spots(user=wuhou_officer, today=today)
             if d.kind == "campaign_delivery"]  # fmt: skip
    assert len(spots) == 6 and done.person_id not in {d.person_id for d in spots}


def test_it_serves_the_pages(client, wuhou_officer, ximianqiao_worker, wuhou_people, hotlines,
                             django_assert_max_num_queries):  # fmt: skip
    client.force_login(wuhou_officer)
    answer = client.post("/campaigns/new/", {
        "name": "健康防疫包", "kind": "goods", "region_codes": WUHOU,
        "categories": ["dibao", "tekun_dispersed", "tekun_central", "orphan_scattered",
                       "orphan_central"],
        "unit": "person", "items": "N95 口罩 × 10\n免洗洗手液 × 2", "budget_yuan": "700000",
        "hotlines": [h.pk for h in hotlines],
    })  # fmt: skip
    assert answer.status_code == 302, answer.context["form"].errors if answer.context else answer
    campaign = Campaign.objects.get()
    assert campaign.budget_fen == 70_000_000 and campaign.items[0] == {
        "name": "N95 口罩",
        "quantity": 10,
    }
    url = f"/campaigns/{campaign.pk}/"
    client.post(f"{url}status/", {"action": "open"})
    client.post(f"{url}allocate/")
    with django_assert_max_num_queries(25):
        page = client.get(url)
    assert page.status_code == 200 and "浆洗街街道" in page.content.decode()
    assert client.get(url, {"region": "bad"}).status_code == 400
    sheet = client.get(f"{url}hotlines/").content.decode()
    assert sheet.count("028-8000") == 12 and "print.css" in sheet
    assert "张大爷" in client.get(f"{url}delivery-list/", {"region": XIMIANQIAO}).content.decode()

    # The community worker's delivery screen.
    client.force_login(ximianqiao_worker)
    allocation = Allocation.objects.get(campaign=campaign, person=wuhou_people["wang"])
    screen = f"/campaigns/allocations/{allocation.pk}/"
    assert client.get(screen).status_code == 200
    answer = client.post(screen, {"action": "deliver", "deliver-method": "pickup",
                                  "deliver-signer": "person", "deliver-client_id": "abc"})  # fmt: skip
    assert answer.status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == "delivered" and allocation.delivered_by == ximianqiao_worker
    listing = client.get(f"{url}allocations/", {"status": "delivered"}).content.decode()
    assert "王奶奶" in listing and "张大爷" not in listing
    # Another community's allocation is out of sight.
    other = Allocation.objects.get(campaign=campaign, person=wuhou_people["qian"])
    assert client.get(f"/campaigns/allocations/{other.pk}/").status_code == 404

    # The ledger: every allocation the officer may export, with method and who delivered.
    client.force_login(wuhou_officer)
    answer = client.get(f"{url}export/")
    data = b"".join(answer.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 7
    wang = next(r for r in rows if r[0] == "王奶奶")
    assert wang[7] == "电话通知领取" and wang[8] == "已发放"
    assert wang[12] == "ximianqiao_worker"
    assert "13800000002" not in str(rows)  # masked
    # In clear with a reason, recorded in the audit log.
    assert "reason" in client.get(f"{url}export/", {"reveal": "1"}).content.decode()
    answer = client.post(f"{url}export/", {"reason": "入户发放核对"})
    data = b"".join(answer.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert "13800000002" in str(rows)
    assert AuditEvent.objects.filter(action="reveal", reason="入户发放核对").exists()


def test_it_counts_progress_in_fixed_queries(
    wuhou_officer, wuhou_people, django_assert_max_num_queries
):
    campaign = _campaign(wuhou_officer)
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    with django_assert_max_num_queries(5):
        small = selectors.progress(user=wuhou_officer, campaign=campaign)
    for i in range(20):
        make_person(name=f"新人{i}", region=YULIN_NORTH, categories=["dibao"])
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    with django_assert_max_num_queries(5):
        big = selectors.progress(user=wuhou_officer, campaign=campaign)
    assert big["totals"]["allocated"] == small["totals"]["allocated"] + 20


def test_it_puts_the_kit_on_the_persons_timeline(wuhou_officer, wuhou_people):
    from nuanxin.core import timeline

    campaign = _campaign(wuhou_officer)
    services.campaign_transition(user=wuhou_officer, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    zhang = wuhou_people["zhang"]
    allocation = Allocation.objects.get(campaign=campaign, person=zhang)
    services.allocation_deliver(user=wuhou_officer, allocation_id=allocation.pk)
    found = timeline.timeline(user=wuhou_officer, person=zhang, kinds=["campaign"])
    assert [e.link for e in found] == [f"/campaigns/allocations/{allocation.pk}/"]
    assert "健康防疫包" in found[0].title and "N95" in found[0].detail
    assert timeline.count(user=wuhou_officer, person=zhang, kinds=["campaign"]) == 1


def test_it_lists_allocations_in_fixed_queries(
    client, wuhou_officer, wuhou_people, django_assert_max_num_queries
):
    campaign = _campaign(wuhou_officer)
    for i in range(30):
        make_person(name=f"新人{i}", region=YULIN_NORTH, categories=["dibao"], phone="13900000000")
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    officer = api(wuhou_officer)
    officer.get(f"/api/v1/campaigns/{campaign.pk}/allocations")  # the token's first use
    with django_assert_max_num_queries(8):
        answer = officer.get(f"/api/v1/campaigns/{campaign.pk}/allocations", {"page_size": 200})
    assert answer.json()["count"] == 37
    # The district officer may reveal there: the full view, phones in clear.
    assert any(a["phone"] == "13900000000" for a in answer.json()["items"])
    client.force_login(wuhou_officer)
    with django_assert_max_num_queries(15):
        page = client.get(f"/campaigns/{campaign.pk}/allocations/")
    assert page.status_code == 200


def test_it_shows_open_campaigns_on_the_dashboard(client, wuhou_officer, wuhou_people):
    campaign = _campaign(wuhou_officer)
    services.campaign_transition(user=wuhou_officer, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=wuhou_officer, campaign_id=campaign.pk)
    client.force_login(wuhou_officer)
    page = client.get("/").content.decode()
    assert "健康防疫包" in page and "0/7" in page  # the district's seven, none delivered yet
    client.force_login(make_user("yulin_officer", "street_officer", YULIN))
    assert "0/3" in client.get("/").content.decode()
