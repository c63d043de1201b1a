"""End to end: a community worker finds 蔡阿姨 by her initials and opens her profile.

Selectors are the stable things only: the search input named "q", the
person's name as link text, and the URL /people/<pk>/.
"""

from __future__ import annotations

import re

import pytest

from nuanxin.core.masking import mask_id_number
from tests.browser import ENGLISH, PHONE, browser_page, login  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("screens")


def _find_and_open(page, base_url, person, shots, tag):
    page.goto(f"{base_url}/people/")
    search = page.locator("input[name='q']").first
    search.fill("cay")
    search.press("Enter")
    link = page.get_by_role("link", name=person.name, exact=True).first
    link.wait_for()
    page.screenshot(path=shots / f"{tag}-list.png", full_page=True)
    link.click()
    page.wait_for_url(re.compile(rf"/people/{person.pk}/$"))
    page.screenshot(path=shots / f"{tag}-profile.png", full_page=True)
    return page.content()


@pytest.mark.parametrize(
    ("browser_page", "tag"),
    [({}, "zh"), (ENGLISH, "en"), (PHONE, "phone")],
    indirect=["browser_page"],
)
def test_it_finds_ms_cai_by_initials_and_shows_her_id_masked(
    browser_page, tag, live_server, community_worker, ms_cai, grid2_person, jinjiang_person, shots
):
    login(browser_page, live_server.url, "hemei_worker")
    html = _find_and_open(browser_page, live_server.url, ms_cai, shots, tag)

    assert mask_id_number(ms_cai.id_number) in html
    assert ms_cai.id_number not in html
    assert ms_cai.phone not in html
    # Someone else's district never shows up, not even in passing.
    assert jinjiang_person.name not in html
    lang = browser_page.locator("html").get_attribute("lang") or ""
    assert lang.startswith("en" if tag == "en" else "zh"), lang
    if tag == "phone":
        # Nothing may force a phone to scroll sideways.
        width = browser_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the profile is {width}px wide on a 390px phone"
