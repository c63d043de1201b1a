"""End to end in Chromium: a district officer's first login on a phone — password,
enrolment with the QR code, recovery codes, then work; a token made and shown once;
a colleague's lock lifted. Screenshots go to NUANXIN_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nuanxin.accounts.models import ApiToken
from tests.browser import PHONE_ENGLISH, browser_page, new_page  # noqa: F401
from tests.security import current_code

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-9"


def _shot(page, name: str) -> None:
    folder = os.environ.get("NUANXIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.mark.parametrize("browser_page", [PHONE_ENGLISH], indirect=True)
def test_it_walks_a_district_officer_through_the_second_factor_on_a_phone(
    browser_page, live_server, district_officer, community_worker
):
    page = browser_page
    base = live_server.url
    # A colleague below her locked herself out from this office.
    for _ in range(5):
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name='username']", "hemei_worker")
        page.fill("input[name='password']", "wrong")
        with page.expect_navigation():
            page.click("form button[type='submit']")
    assert "Try again after" in page.content()
    _shot(page, "locked-out-en-390")

    page.goto(f"{base}/accounts/login/?next=/accounts/locks/")
    page.fill("input[name='username']", "chenghua_officer")
    page.fill("input[name='password']", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type='submit']")
    page.wait_for_url(re.compile(r"/accounts/otp/enrol/"))
    assert page.locator(".nx-qr svg").is_visible()
    _shot(page, "enrol-en-390")
    page.fill("input[name='code']", current_code(district_officer))
    with page.expect_navigation():
        page.click("main form button[type='submit']")
    assert page.locator("#recovery-codes li").count() == 10
    _shot(page, "recovery-en-390")
    with page.expect_navigation():
        page.click("main a.btn-primary")
    assert page.url.endswith("/accounts/locks/")
    assert "hemei_worker" in page.content()
    _shot(page, "locks-en-390")
    page.fill("input[name='reason']", "she called")
    with page.expect_navigation():
        page.click("main form button[type='submit']")
    assert "is lifted" in page.content()

    page.goto(f"{base}/accounts/tokens/")
    page.fill("input[name='name']", "visit app")
    with page.expect_navigation():
        page.click("main form.card button[type='submit']")
    token = page.locator("#new-token .font-monospace").inner_text().strip()
    assert ApiToken.objects.get(digest=ApiToken.digest_of(token)).name == "visit app"
    _shot(page, "tokens-en-390")
    page.reload()
    assert token not in page.content()


def test_it_asks_for_the_code_in_chinese(browser_page, live_server, city_admin):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=city_admin, name="phone", confirmed=True)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name='username']", "city_admin")
    page.fill("input[name='password']", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type='submit']")
    assert "/accounts/otp/" in page.url
    assert "第二重验证" in page.content()
    _shot(page, "verify-zh-1280")
    page.fill("input[name='code']", current_code(city_admin))
    with page.expect_navigation():
        page.click("main form button[type='submit']")
    page.goto(f"{live_server.url}/accounts/security/")
    assert "已开启" in page.content()
    _shot(page, "security-zh-1280")
