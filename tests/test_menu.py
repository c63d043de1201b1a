"""The menu offers each user the pages they may use, and only those (core.menu)."""

from __future__ import annotations

import pytest

from nuanxin.core import menu

PERSONAS = [
    "city_admin",
    "district_officer",
    "community_worker",
    "grid_worker",
    "inspector",
    "volunteer",
    "partner_contact",
    "provider",
    "dual",
]


def _urls(user) -> dict[str, str]:
    return {entry.url: entry.group for entry in menu.menu_for(user)}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_offers_only_pages_that_open(request, client, persona, ms_cai):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    shown = _urls(user)
    assert "/" in shown
    for url in shown:
        assert client.get(url).status_code == 200, url
    page = client.get("/").content.decode()
    for url in shown:
        assert f'href="{url}"' in page


def test_it_gives_link_only_roles_their_own_pages(volunteer, partner_contact, provider):
    # Everyone has their own account security page (second factor, API tokens).
    assert set(_urls(volunteer)) == {"/", "/tasks/", "/accounts/security/"}
    assert set(_urls(provider)) == {"/", "/referrals/", "/accounts/security/"}
    assert set(_urls(partner_contact)) == {"/", "/accounts/security/"}


def test_it_groups_reports_and_administration(district_officer, inspector, city_admin):
    officer = _urls(district_officer)
    assert officer["/coverage/"] == menu.REPORTS and officer["/blind-spots/"] == menu.REPORTS
    assert "/ledgers/" in officer and "/audit/" not in officer
    assert "/ledgers/" not in _urls(inspector)  # reads, never imports
    assert "/audit/" in _urls(city_admin)


def test_it_gathers_the_less_used_groups_under_more(client, city_admin, volunteer):
    more = menu.more(menu.menu_for(city_admin))
    assert {entry.group for entry in more} == {menu.OVERSIGHT, menu.REPORTS, menu.ADMIN}
    assert menu.more(menu.menu_for(volunteer)) == []  # one group: no "More"
    client.force_login(city_admin)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="nav-item dropdown nx-more"' in page
    assert page.count('href="/audit/"') == 2  # its own group on a phone, "More" on a desk


def test_it_marks_the_current_page(client, community_worker):
    client.force_login(community_worker)
    page = client.get("/coverage/").content.decode()
    assert 'class="dropdown-item active" aria-current="page" href="/coverage/"' in page
