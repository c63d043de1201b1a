"""Accessibility: axe-core on the main pages of each role, in Chinese and in English,
at desktop and phone width. Serious or critical violations fail the test, with the
rule, the page and the first elements that break it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from nuanxin.visits import services as visit_services
from tests.browser import DESKTOP, PHONE_ENGLISH, browser_page, login  # noqa: F401

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


def _pages(ms_cai):
    return {
        "hemei_grid1": ["/", "/worklist/", f"/visits/new/{ms_cai.pk}/", "/tasks/", "/people/"],
        "chenghua_officer": [
            "/",
            "/coverage/",
            "/blind-spots/?region=510108000000",
            "/follow-ups/",
            "/requests/",
            f"/people/{ms_cai.pk}/",
        ],
        "city_admin": ["/audit/", "/cold-snaps/"],
        "hemei_volunteer": ["/", "/tasks/"],
    }


def _violations(page) -> list[str]:
    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        if v.get("impact") in BLOCKING:
            targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
            found.append(f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {targets}")
    return found


@pytest.mark.parametrize("browser_page", [DESKTOP, PHONE_ENGLISH], indirect=True)
def test_it_has_no_serious_accessibility_violations(
    browser_page, live_server, grid_worker, district_officer, city_admin, volunteer, ms_cai
):
    visit_services.visit_record(
        user=grid_worker,
        person_id=ms_cai.pk,
        visited_on=ms_cai.created_at.date(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
    )
    page = browser_page
    found = []
    for username, paths in _pages(ms_cai).items():
        page.context.clear_cookies()
        login(page, live_server.url, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            found += _violations(page)
    assert not found, "\n".join(found)


NARROW = {**PHONE_ENGLISH, "viewport": {"width": 360, "height": 740}}


@pytest.mark.parametrize("browser_page", [NARROW, {**NARROW, "locale": "zh-CN"}], indirect=True)
def test_it_never_scrolls_sideways_at_360_pixels(
    browser_page, live_server, grid_worker, district_officer, city_admin, volunteer, ms_cai
):
    page = browser_page
    wide = []
    for username, paths in _pages(ms_cai).items():
        page.context.clear_cookies()
        login(page, live_server.url, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                wide.append(f"{path} as {username}: {overflow}px")
    assert not wide, "pages wider than a 360 px phone: " + ", ".join(wide)
