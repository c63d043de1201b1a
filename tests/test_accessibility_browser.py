"""Accessibility: axe-core on the main pages of each role, in Chinese and in English,
at desktop and phone width. Serious or critical violations fail the test, with the
rule, the page and the first elements that break it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from nuanxin.visits import services as visit_services
from tests.browser import DESKTOP, PHONE_ENGLISH, login, new_page  # noqa: F401

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


NARROW = {**PHONE_ENGLISH, "viewport": {"width": 360, "height": 740}}


def _phone_layout(page, where: str) -> list[str]:
    """At 360 px: no sideways scroll, and lists are cards (no heading row, each cell
    labelled by its column)."""
    found = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{where}: {overflow}px wider than the phone")
    tables = page.evaluate(
        """[...document.querySelectorAll('table.nx-cards')].map(t => [
            getComputedStyle(t.querySelector('thead')).display,
            [...t.querySelectorAll('tbody td')].every(td => td.dataset.label !== undefined)
        ])"""
    )
    for display, labelled in tables:
        if display != "none" or not labelled:
            found.append(f"{where}: a table, not cards")
    return found


# Chinese at desktop width; English on a 360 px phone, where the layout is checked too.
@pytest.mark.parametrize("options", [DESKTOP, NARROW], ids=["zh-desktop", "en-phone-360"])
def test_it_has_no_serious_accessibility_violations_and_fits_a_phone(
    options, new_page, live_server, grid_worker, district_officer, city_admin, volunteer, ms_cai
):
    visit_services.visit_record(
        user=grid_worker,
        person_id=ms_cai.pk,
        visited_on=ms_cai.created_at.date(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
    )
    phone = options is NARROW
    found = []
    for username, paths in _pages(ms_cai).items():
        page = new_page(**options)  # a fresh context per user: nothing carried over
        login(page, live_server.url, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            found += _violations(page)
            if phone:
                found += _phone_layout(page, f"{path} as {username}")
    assert not found, "\n".join(found)
