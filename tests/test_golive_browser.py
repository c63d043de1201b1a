"""A city administrator goes live in Chromium: imports a small staff roster on the staff
page, then previews a merge on /regions/changes/ that would move that staff along."""

import pytest
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.regions.models import AdministrativeChange, Region
from tests.browser import browser_page, login  # noqa: F401
from tests.conftest import HEMEI

pytestmark = pytest.mark.browser

WANGPING = "510108020001"  # 望平社区, 猛追湾街道: merged into 和美社区 (保和街道) in the preview


def test_it_imports_a_roster_and_previews_a_merge_as_the_city_admin(
    browser_page, live_server, city_admin, tmp_path
):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"姓名,手机,角色,区划代码\n孙婷,13812345678,社区工作者,{WANGPING}\n",
                      encoding="utf-8")  # fmt: skip
    page = browser_page
    login(page, live_server.url, "city_admin")

    page.goto(f"{live_server.url}/accounts/staff/")
    with page.expect_navigation():
        page.click("#roster-import")
    page.set_input_files("input[name='file']", str(roster))
    with page.expect_navigation():
        page.click("#roster-upload")
    assert "孙婷" in page.inner_text("#roster-created")
    sun = User.objects.get(full_name="孙婷")
    assert [m.region_id for m in sun.memberships.all()] == [WANGPING]

    page.goto(f"{live_server.url}/regions/changes/")
    with page.expect_navigation():
        page.click("a[href='/regions/changes/new/merge/']")
    page.fill("input[name='code']", WANGPING)
    page.fill("input[name='into']", HEMEI)
    page.fill("input[name='effective_on']", timezone.localdate().isoformat())
    with page.expect_navigation():
        page.click("button[name='preview']")
    assert page.is_visible("button[name='apply']")
    assert sun.username in page.inner_text("#staff-moved")
    # A preview changes nothing.
    assert not AdministrativeChange.objects.exists()
    assert Region.objects.get(code=WANGPING).retired_on is None
    assert sun.memberships.get().region_id == WANGPING
