"""Funds (S5): every fen accounted for at every level, no overdraw, immutable entries."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.campaigns import selectors, services
from nuanxin.campaigns.models import FundBalance, FundEntry, ImmutableError
from tests.factories import make_user

CITY = "510100000000"
JINJIANG = "510104000000"
CHUNXILU = "510104010000"
SHUIJINGFANG = "510104020000"
SHUANGLIU = "510116000000"
DONGSHENG = "510116010000"
LEVELS = [CITY, JINJIANG, CHUNXILU, SHUIJINGFANG, SHUANGLIU, DONGSHENG]
PARENT = {JINJIANG: CITY, SHUANGLIU: CITY, CHUNXILU: JINJIANG, SHUIJINGFANG: JINJIANG,
          DONGSHENG: SHUANGLIU}  # fmt: skip


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _heating(user, region=CHUNXILU):
    return services.campaign_create(
        user=user, name="取暖物资", region_codes=[region], categories=["dibao"], budget_fen=1
    )


def assert_balanced(fund):
    for balance in FundBalance.objects.filter(fund=fund):
        total = FundEntry.objects.filter(fund=fund, region=balance.region).aggregate(
            t=Sum("amount_fen")
        )["t"]
        assert balance.balance_fen == (total or 0) >= 0
    assert selectors.reconciliation(user=None, fund=fund)["balanced"]


def test_it_plays_s5_through_the_api(city_admin, places):
    """The city records 慈善一日捐; 锦江区 and 双流区 pass it to their streets, which buy."""
    city = api(city_admin)
    jinjiang = make_user("jj_officer", "district_officer", JINJIANG)
    chunxilu = make_user("cxl_officer", "street_officer", CHUNXILU)
    answer = post(city, "/api/v1/funds", {"name": "2026 慈善一日捐", "kind": "charity_day",
                                          "region": CITY})  # fmt: skip
    assert answer.status_code == 201, answer.content
    fid = answer.json()["id"]
    entries = f"/api/v1/funds/{fid}/entries"
    assert post(city, entries, {"kind": "income", "amount_fen": 123_456_789, "region": CITY,
                                "note": "全市机关"}).status_code == 201  # fmt: skip
    for district, fen in ((JINJIANG, 40_000_001), (SHUANGLIU, 30_000_000)):
        assert post(city, entries, {"kind": "transfer", "amount_fen": fen, "region": CITY,
                                    "to_region": district}).status_code == 201  # fmt: skip
    jj = api(jinjiang)
    assert post(jj, entries, {"kind": "transfer", "amount_fen": 25_000_000, "region": JINJIANG,
                              "to_region": CHUNXILU}).status_code == 201  # fmt: skip
    # The district cannot spend what it does not hold, nor move the city's money.
    over = post(jj, entries, {"kind": "transfer", "amount_fen": 15_000_002, "region": JINJIANG,
                              "to_region": SHUIJINGFANG})  # fmt: skip
    assert over.status_code == 422
    assert post(jj, entries, {"kind": "transfer", "amount_fen": 1, "region": CITY,
                              "to_region": JINJIANG}).status_code == 404  # fmt: skip
    campaign = _heating(chunxilu)
    street = api(chunxilu)
    bought = post(street, entries, {"kind": "purchase", "amount_fen": 12_345_678,
                                    "region": CHUNXILU, "campaign_id": campaign.pk})  # fmt: skip
    assert bought.status_code == 201, bought.content
    assert post(street, entries, {"kind": "refund", "amount_fen": 45_678, "region": CHUNXILU,
                                  "campaign_id": campaign.pk}).status_code == 201  # fmt: skip
    # A mistaken purchase is reversed, never edited.
    wrong = post(street, entries, {"kind": "purchase", "amount_fen": 100, "region": CHUNXILU,
                                   "campaign_id": campaign.pk}).json()[0]  # fmt: skip
    assert post(street, entries, {"kind": "correction",
                                  "reverses_id": wrong["id"]}).status_code == 201  # fmt: skip

    spent = street.get(f"/api/v1/campaigns/{campaign.pk}").json()["spent_fen"]
    assert spent == 12_345_678 - 45_678

    balances = {b["region"]: b["balance_fen"] for b in city.get(f"/api/v1/funds/{fid}/balances").json()["items"]}  # fmt: skip
    assert balances == {
        CITY: 123_456_789 - 40_000_001 - 30_000_000,
        JINJIANG: 40_000_001 - 25_000_000,
        CHUNXILU: 25_000_000 - 12_345_678 + 45_678,
        SHUANGLIU: 30_000_000,
    }
    assert sum(balances.values()) == 123_456_789 - 12_345_678 + 45_678
    # The street sees its own level only.
    mine = street.get(f"/api/v1/funds/{fid}/balances").json()["items"]
    assert [b["region"] for b in mine] == [CHUNXILU]
    fund = selectors.fund_get(user=None, pk=fid)
    assert_balanced(fund)


def test_it_keeps_entries_immutable(city_admin):
    fund = services.fund_create(user=city_admin, name="捐赠", kind="donation", region_code=CITY)
    (entry,) = services.fund_entry_add(user=city_admin, fund_id=fund.pk, kind="income",
                                       amount_fen=100, region=CITY)  # fmt: skip
    entry.amount_fen = 1
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        FundEntry.objects.filter(pk=entry.pk).update(amount_fen=1)
    with pytest.raises(ImmutableError):
        FundEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValidationError):
        services.fund_entry_add(user=city_admin, fund_id=fund.pk, kind="income", amount_fen=0,
                                region=CITY)  # fmt: skip


def test_it_shows_the_reconciliation_page_and_export(client, city_admin, places,
                                                      django_assert_max_num_queries):  # fmt: skip
    fund = services.fund_create(user=city_admin, name="慈善一日捐", kind="charity_day",
                                region_code=CITY)  # fmt: skip
    services.fund_entry_add(user=city_admin, fund_id=fund.pk, kind="income", amount_fen=1001,
                            region=CITY)  # fmt: skip
    services.fund_entry_add(user=city_admin, fund_id=fund.pk, kind="transfer", amount_fen=999,
                            region=CITY, to_region=JINJIANG)  # fmt: skip
    client.force_login(city_admin)
    with django_assert_max_num_queries(20):
        page = client.get(f"/funds/{fund.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "锦江区" in text and "9.99" in text and "0.02" in text
    answer = client.get(f"/funds/{fund.pk}/export/")
    data = b"".join(answer.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 2


_admins = itertools.count(1)

operation = st.tuples(
    st.sampled_from(["income", "transfer", "purchase", "refund", "correction"]),
    st.sampled_from(LEVELS),
    st.integers(min_value=1, max_value=5_000),
    st.integers(min_value=0, max_value=50),
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_it_balances_every_level_to_the_fen_whatever_happens(places, ops):
    admin = make_user(f"admin{next(_admins)}", "city_admin", CITY)
    fund = services.fund_create(user=admin, name="性质测试", kind="donation", region_code=CITY)
    campaign = services.campaign_create(user=admin, name="测试", region_codes=[CITY],
                                        categories=["dibao"])  # fmt: skip
    done = []
    for kind, region, amount, pick in ops:
        kwargs = {"kind": kind, "amount_fen": amount, "region": region}
        if kind == "transfer":
            children = [c for c, p in PARENT.items() if p == region]
            if not children:
                continue
            kwargs["to_region"] = children[pick % len(children)]
        if kind in ("purchase", "refund"):
            kwargs["campaign_id"] = campaign.pk
        if kind == "correction":
            if not done:
                continue
            kwargs = {"kind": kind, "reverses_id": done[pick % len(done)]}
        try:
            entries = services.fund_entry_add(user=admin, fund_id=fund.pk, **kwargs)
        except ValidationError:
            continue  # refused (overdraw, a refund above what was spent, reversed twice)
        done.extend(e.pk for e in entries if e.kind != "correction")
        assert_balanced(fund)
    assert_balanced(fund)


def test_it_installs_gas_alarms_home_by_home(client, places, django_capture_on_commit_callbacks):
    """S5's gas alarms: a duty per eligible home; each installation records the device."""
    import datetime as dt

    from django.utils import timezone

    from nuanxin.campaigns.models import Allocation
    from nuanxin.core import duties
    from nuanxin.registry.models import Device, Household
    from tests.factories import make_person

    officer = make_user("jj_officer2", "district_officer", JINJIANG)
    community = "510104010001"
    home = Household.objects.create(number="燃气-1", region_id=community)
    a = make_person(name="甲", region=community, categories=["dibao"], household=home)
    make_person(name="乙", region=community, categories=["dibao"], household=home)
    c = make_person(name="丙", region=community, categories=["tekun_dispersed"])
    today = timezone.localdate()
    campaign = services.campaign_create(
        user=officer, name="燃气报警器安装", kind="installation", device_kind="gas_alarm",
        region_codes=[JINJIANG], categories=["dibao", "tekun_dispersed"], unit="household",
        ends_on=today - dt.timedelta(days=1), starts_on=today - dt.timedelta(days=30),
    )  # fmt: skip
    services.campaign_transition(user=officer, campaign_id=campaign.pk, action="open")
    assert services.campaign_allocate(user=officer, campaign_id=campaign.pk) == 2  # two homes
    spots = [d for d in duties.blind_spots(user=officer, today=today)
             if d.kind == "campaign_delivery"]  # fmt: skip
    assert sorted(d.person_name for d in spots) == ["丙", "甲"]
    assert all(d.label.startswith(("Install", "安装")) for d in spots)

    answer = post(api(officer), "/api/v1/installations", {
        "person_id": a.pk, "campaign_id": campaign.pk, "model": "JT-A1", "serial": "SN-001",
        "installer": "燃气公司 王师傅"})  # fmt: skip
    assert answer.status_code == 201, answer.content
    device = Device.objects.get(pk=answer.json()["id"])
    assert (device.person, device.kind, device.from_campaign, device.serial, device.model) == (
        a, "gas_alarm", campaign, "SN-001", "JT-A1")  # fmt: skip
    assert device.campaign == "燃气报警器安装"  # the text beside the link, as before
    assert Allocation.objects.get(person=a, campaign=campaign).status == "delivered"
    # The delivery screen records the other home's.
    client.force_login(officer)
    other = Allocation.objects.get(person=c, campaign=campaign)
    screen = f"/campaigns/allocations/{other.pk}/"
    assert "JT-A1" not in client.get(screen).content.decode()
    assert client.post(screen, {"action": "install", "install-model": "JT-A1",
                                "install-serial": "SN-002"}).status_code == 302  # fmt: skip
    assert Device.objects.filter(from_campaign=campaign).count() == 2
    assert not [d for d in duties.blind_spots(user=officer, today=today)
                if d.kind == "campaign_delivery"]  # fmt: skip


def test_it_still_needs_consent_for_a_camera(places):
    from nuanxin.registry.models import Device
    from tests.factories import make_person

    officer = make_user("jj_officer3", "district_officer", JINJIANG)
    person = make_person(name="丁", region="510104010001", categories=["dibao"])
    campaign = services.campaign_create(
        user=officer, name="居家安全摄像头", kind="installation", device_kind="camera",
        region_codes=[JINJIANG], categories=["dibao"],
    )  # fmt: skip
    services.campaign_transition(user=officer, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=officer, campaign_id=campaign.pk)
    answer = post(api(officer), "/api/v1/installations",
                  {"person_id": person.pk, "campaign_id": campaign.pk})  # fmt: skip
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "consent"
    assert not Device.objects.filter(person=person).exists()
