"""S4 on a 390 px phone: the community worker finds 李阿姨 on the campaign and records receipt."""

import pytest

from nuanxin.campaigns import services
from nuanxin.campaigns.models import Allocation
from tests.browser import browser_page_phone, login  # noqa: F401
from tests.factories import make_person, make_user

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth + 1"
WUHOU, XIMIANQIAO = "510107000000", "510107010001"


def test_it_records_a_receipt_on_a_phone(browser_page_phone, live_server, places):
    officer = make_user("wuhou_officer", "district_officer", WUHOU)
    make_user("ximianqiao_worker", "community_worker", XIMIANQIAO)
    li = make_person(name="李阿姨", region=XIMIANQIAO, categories=["dibao", "tekun_dispersed"],
                     adl_walking=True, address="洗面桥社区 5 栋 1 单元 302")  # fmt: skip
    make_person(name="王奶奶", region=XIMIANQIAO, categories=["dibao"])
    campaign = services.campaign_create(
        user=officer, name="健康防疫包", region_codes=[WUHOU], categories=["dibao", "tekun_dispersed"],
        budget_fen=70_000_000, items=[{"name": "N95 口罩", "quantity": 10},
                                      {"name": "免洗洗手液", "quantity": 2}],
    )  # fmt: skip
    services.campaign_transition(user=officer, campaign_id=campaign.pk, action="open")
    assert services.campaign_allocate(user=officer, campaign_id=campaign.pk) == 2

    page = browser_page_phone
    login(page, live_server.url, "ximianqiao_worker")
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert "浆洗街街道" in page.locator("#progress").inner_text()
    page.screenshot(path="/tmp/campaign-detail-390.png", full_page=True)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/allocations/?status=outstanding")
    allocation = Allocation.objects.get(campaign=campaign, person=li)
    with page.expect_navigation():
        page.click(f"a[href='/campaigns/allocations/{allocation.pk}/']")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # Home delivery was preselected: she cannot walk.
    assert page.locator("select[name='deliver-method']").input_value() == "delivery"
    page.check("input[name='deliver-signer'][value='relative']")
    page.fill("input[name='deliver-signer_name']", "李阿姨的女儿")
    with page.expect_navigation():
        page.click("button.btn-success")
    allocation.refresh_from_db()
    assert (allocation.status, allocation.method, allocation.signer_name) == (
        "delivered",
        "delivery",
        "李阿姨的女儿",
    )
    assert allocation.client_id  # the form's own id: a double tap is stored once
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="/tmp/campaign-delivery-390.png", full_page=True)
