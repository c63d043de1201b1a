"""The call sheet and the encounter form on a 390 px phone (S9's calls, S10's patrol)."""

import pytest
from django.utils import timezone

from nuanxin.casework.models import HelpRequest
from nuanxin.oversight.models import Encounter, SpotCheckCall
from nuanxin.oversight.services import patrol_start
from tests.browser import browser_page_phone, login  # noqa: F401
from tests.factories import make_person

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth + 1"


def test_it_records_a_spot_check_call_on_a_phone(browser_page_phone, live_server, community_worker):
    person = make_person(name="电话抽查对象", region="510108010001001", categories=["dibao"])
    page = browser_page_phone
    login(page, live_server.url, "hemei_worker")
    page.goto(f"{live_server.url}/oversight/spot-checks/?region=510108010001")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    call = SpotCheckCall.objects.get(person=person)
    with page.expect_navigation():
        page.click(f"a[href='/oversight/spot-checks/calls/{call.pk}/']")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.click("label[for='id_reached_0']")  # reached
    page.select_option("select[name='ok']", "no")
    page.fill("input[name='needs']", "电暖器坏了")
    page.check("input[name='open_request']")
    page.select_option("select[name='need_type']", "heating")
    with page.expect_navigation():
        page.click("form button.btn-primary")
    call.refresh_from_db()
    assert call.status == "reached" and call.help_request_id
    assert HelpRequest.objects.get().source == "spot_check"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="/tmp/spot-check-sheet-390.png", full_page=True)


def test_it_records_an_encounter_on_a_phone(browser_page_phone, live_server, district_officer):
    patrol = patrol_start(user=None, district_code="510108000000", team="夜巡一组", route="建设路",
                          started_at=timezone.now() - timezone.timedelta(hours=1))  # fmt: skip
    page = browser_page_phone
    login(page, live_server.url, "chenghua_officer")
    page.goto(f"{live_server.url}/oversight/rescue/patrols/{patrol.pk}/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.fill("input[name='place']", "建设路地下通道")
    page.fill("input[name='description']", "男，约六十岁")
    page.fill("input[name='condition']", "衣着单薄")
    page.click("label[for='id_outcome_0']")  # persuaded into the rescue station
    with page.expect_navigation():
        page.click("form button.btn-primary")
    assert Encounter.objects.get().outcome == "station"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="/tmp/encounter-form-390.png", full_page=True)
