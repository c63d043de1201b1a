"""Help-request pages on a 390 px phone: the hotline intake and the detail page's steps."""

import pytest

from nuanxin.casework.models import HelpRequest
from tests.browser import browser_page_phone, login  # noqa: F401

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth + 1"


def test_it_takes_a_call_and_triages_it_on_a_phone(
    browser_page_phone, live_server, community_worker, social_worker, ms_cai
):
    page = browser_page_phone
    login(page, live_server.url, "hemei_worker")
    page.goto(f"{live_server.url}/requests/new/?q=cay")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    with page.expect_navigation():
        page.click(f"a[href='?person={ms_cai.pk}']")
    page.select_option("select[name='need_type']", "heating")
    page.select_option("select[name='urgency']", "urgent")
    page.fill("textarea[name='description']", "电热毯坏了，屋里很冷")
    with page.expect_navigation():
        page.click("button[type='submit'].btn-success")
    hr = HelpRequest.objects.get(person=ms_cai)
    assert page.url.endswith(f"/requests/{hr.pk}/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.click("details:has(input[value='triage']) summary")
    page.select_option("select[name='triage-urgency']", "urgent")
    with page.expect_navigation():
        page.click("details[open] button[type='submit']")
    hr.refresh_from_db()
    assert hr.status == "triaged"
    page.click("details:has(input[value='assign']) summary")
    page.check(f"input[name='assign-assignee_ids'][value='{social_worker.pk}']")
    with page.expect_navigation():
        page.click("details[open] button[type='submit']")
    hr.refresh_from_db()
    assert hr.status == "assigned" and list(hr.assignees.all()) == [social_worker]
    # The status label is lower case, for sentences; its badge starts with a capital.
    status_badge = page.locator("span.badge.text-bg-light").first
    assert (
        status_badge.evaluate("b => getComputedStyle(b, '::first-letter').textTransform")
        == "uppercase"
    )
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path="/tmp/requests-detail-390.png", full_page=True)
    page.goto(f"{live_server.url}/requests/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page.locator(f"a[href='/requests/{hr.pk}/']").count() == 1
    page.screenshot(path="/tmp/requests-list-390.png", full_page=True)
