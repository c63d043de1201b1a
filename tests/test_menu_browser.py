"""The top menu fits the window: at 1280 px every entry is on screen without sideways
scrolling, in English (the longest labels) and in Chinese, and the "More" drop-down
opens from the keyboard; on a phone the menu folds behind the toggler as before."""

from __future__ import annotations

import pytest

from tests.browser import DESKTOP, ENGLISH, PHONE_ENGLISH, login, new_page  # noqa: F401

pytestmark = pytest.mark.browser

# The bar's top-level entries that are shown (links, drop-downs, the user, log out).
ITEMS = """[...document.querySelectorAll('#nav > .navbar-nav > .nav-item')]
    .filter(i => i.offsetParent !== null)"""


def _fits(page) -> dict:
    return page.evaluate(
        f"""() => {{
            const items = {ITEMS};
            const last = items[items.length - 1].getBoundingClientRect();
            return {{
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                labels: items.map(i => i.innerText.trim().split("\\n")[0]),
                last: [last.left, last.top, last.right, last.bottom],
                outside: items.filter(i => {{
                    const r = i.getBoundingClientRect();
                    return r.left < 0 || r.right > window.innerWidth;
                }}).map(i => i.innerText.trim().split("\\n")[0]),
            }};
        }}"""
    )


# The city administrator sees the most entries; English has the longest labels.
@pytest.mark.parametrize("options", [ENGLISH, DESKTOP], ids=["en", "zh"])
def test_the_menu_fits_1280_pixels(options, new_page, live_server, city_admin):
    page = new_page(**options)
    login(page, live_server.url, "city_admin")
    page.goto(f"{live_server.url}/")

    fits = _fits(page)
    assert len(fits["labels"]) > 5, fits
    assert fits["scrollWidth"] <= fits["innerWidth"], fits
    left, top, right, bottom = fits["last"]
    assert left >= 0 and top >= 0 and right <= fits["innerWidth"] and bottom <= 800, fits
    assert not fits["outside"], fits

    # "More" holds the folded groups and works from the keyboard.
    page.focus(".nx-more > .nav-link")
    page.keyboard.press("Enter")
    page.wait_for_selector(".nx-more .dropdown-menu.show")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate(
        "[document.activeElement.classList.contains('dropdown-item'),"
        " !!document.activeElement.closest('.nx-more')]"
    )
    assert focused == [True, True]
    assert page.is_visible(".nx-more a[href='/audit/']")
    page.keyboard.press("Escape")
    assert not page.is_visible(".nx-more .dropdown-menu")


def test_the_menu_folds_on_a_phone(new_page, live_server, city_admin):
    page = new_page(**PHONE_ENGLISH)
    login(page, live_server.url, "city_admin")
    page.goto(f"{live_server.url}/")
    assert page.is_visible(".navbar-toggler")
    assert not page.is_visible("#nav")

    page.click(".navbar-toggler")
    page.wait_for_selector("#nav.show")
    fits = _fits(page)
    assert fits["scrollWidth"] <= fits["innerWidth"], fits
    assert not fits["outside"], fits
    # Each group its own drop-down here, no "More".
    assert "Administration" in fits["labels"] and "More" not in fits["labels"], fits
    page.click(".nx-folds > .nav-link >> text=Administration")
    assert page.is_visible(".nx-folds a[href='/audit/']")
