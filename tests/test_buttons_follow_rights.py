"""Buttons follow rights: a read-only user is offered no change, and every link works.

The inspector reads and exports in 成华区 and changes nothing. Walk the pages they use
most: no form that writes is offered (bar signing out and the language switch), and
every link on them opens for them — no button that ends in a 403 or 404.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from nuanxin.visits import services as visit_services
from tests.conftest import HEMEI

POSTS_ANYONE_MAY = ("/accounts/logout/", "/i18n/setlang/")
# Links that leave the pages or change how a page is read, not what it shows.
NOT_FOLLOWED = ("/static/", "/api/v1/docs", "/admin/", "#", "mailto:", "tel:")


def _pages(ms_cai):
    return [
        "/",
        "/worklist/",
        f"/worklist/?region={HEMEI}&list=1",
        "/people/",
        f"/people/{ms_cai.pk}/",
        f"/visits/person/{ms_cai.pk}/",
        "/visits/",
        "/coverage/",
        f"/blind-spots/?region={HEMEI}",
        "/follow-ups/",
        "/requests/",
        "/tasks/",
    ]


def _forms(html: str):
    for form in re.finditer(r"<form\b[^>]*>", html):
        tag = form.group(0)
        method = re.search(r'method="(\w+)"', tag)
        action = re.search(r'action="([^"]*)"', tag)
        yield (method.group(1).lower() if method else "get"), (action.group(1) if action else "")


def _links(html: str, base: str):
    for href in re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html):
        href = href.replace("&amp;", "&")
        if href.startswith(NOT_FOLLOWED) or href.startswith(("http://", "https://")):
            continue
        url = urljoin(base, href)
        if not urlsplit(url).path.startswith(NOT_FOLLOWED):
            yield url


@pytest.fixture
def visited_cai(ms_cai, community_worker):
    """蔡阿姨 with a visit on record, so her pages have rows to act on."""
    visit_services.visit_record(
        user=community_worker,
        person_id=ms_cai.pk,
        visited_on=timezone.localdate(),
        method="home",
        with_whom="community_worker",
        outcome="met",
    )
    return ms_cai


def test_it_offers_the_inspector_no_change_and_no_dead_link(client, inspector, visited_cai):
    client.force_login(inspector)
    seen, dead, writes = set(), [], []
    for page in _pages(visited_cai):
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for method, action in _forms(html):
            if method == "post" and not action.startswith(POSTS_ANYONE_MAY):
                writes.append((page, action))
        for url in _links(html, page):
            if url in seen:
                continue
            seen.add(url)
            status = client.get(url).status_code
            if status in (403, 404, 405):
                dead.append((page, url, status))
    assert not writes, f"forms that write, offered to a read-only user: {writes}"
    assert not dead, f"links that fail for the inspector: {dead}"
    assert len(seen) > 20  # the walk really followed the pages' links
