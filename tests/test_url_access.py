"""The access rule for every role against every page and API route.

Generic on purpose: the URL resolver is walked, not a hand-picked list, and a
named URL without a declared case fails. The format of a case is in
tests/url_cases.py; each app declares its own in tests/url_cases_<app>.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from nuanxin.core import access
from nuanxin.core.masking import mask_id_number
from tests.url_cases import (
    LINKED,
    PERSONAS,
    Case,
    Scenario,
    all_cases,
    as_set,
    module_for,
    unchecked_reason,
)


def walk(patterns, prefix: str = "", namespace: tuple[str, ...] = ()):
    """(name or None, route) of every URL pattern, recursing into includes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + ((pattern.namespace,) if pattern.namespace else ())
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespace, pattern.name)) if pattern.name else None
            yield name, prefix + str(pattern.pattern)


def url_names() -> list[str]:
    names = {name for name, _route in walk(get_resolver().url_patterns) if name}
    return sorted(n for n in names if unchecked_reason(n) is None)


CASES = all_cases()
CASES_BY_NAME: dict[str, list[Case]] = {}
for _case in CASES:
    CASES_BY_NAME.setdefault(_case.name, []).append(_case)


def test_it_walks_pages_and_the_api():
    names = url_names()
    assert "registry:person_detail" in names
    assert any(n.startswith("api:") for n in names), "the /api/v1/ routes were not walked"


def test_it_names_every_url():
    # A URL without a name could not be matched to a case: it would escape the rule.
    unnamed = [
        route
        for name, route in walk(get_resolver().url_patterns)
        if name is None and not route.startswith(("admin/", "static/", "media/"))
    ]
    assert unnamed == []


@pytest.mark.parametrize("name", url_names())
def test_it_declares_an_access_case_for_every_url(name):
    if name not in CASES_BY_NAME:
        pytest.fail(f"declare an access case for {name} in {module_for(name)}", pytrace=False)


def test_it_declares_no_case_for_a_url_that_is_gone():
    names = set(url_names())
    stale = sorted(c.id for c in CASES if c.name not in names)
    assert stale == [], "these cases name URLs that no longer exist"


# ---- running the cases -----------------------------------------------------------------


@pytest.fixture
def scenario(ms_cai, community_worker):
    return Scenario(person=ms_cai, worker=community_worker)


def _request(client, case: Case, url: str, body: dict | None, token: str | None):
    method = case.method.lower()
    if case.api:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        payload = json.dumps(body or {}) if method in ("post", "put", "patch") else None
        if payload is None:
            return client.generic(case.method, url, headers=headers)
        return client.generic(
            case.method, url, payload, content_type="application/json", headers=headers
        )
    if method == "get":
        return client.get(url)
    return client.generic(
        case.method,
        url,
        urlencode(body or {}, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def _text_of(response) -> str:
    """The answer as text; an xlsx download is unzipped so its cells can be read too."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    return raw.decode(errors="replace")


def _expected(case: Case, persona: str, user, scenario: Scenario) -> frozenset[int]:
    if persona in case.expect:
        return as_set(case.expect[persona])
    if user is None:
        return frozenset([401]) if case.api else frozenset([302])
    region = scenario.person.region_id
    if case.scope != "object":
        allowed = access.can(user, case.action)
        return as_set(case.ok) if allowed else as_set(case.denied_status())
    if access.can(user, case.action, region):
        return as_set(case.ok)
    if persona in LINKED:
        return as_set(case.link if case.link is not None else case.denied_status())
    if case.denied is None and access.can(user, access.Action.VIEW, region):
        return frozenset([403])  # in sight, not allowed (Zulip's rule)
    return as_set(case.denied_status())


def _link(persona: str, user, scenario: Scenario) -> None:
    """Make the task or referral that links a linked persona to 蔡阿姨."""
    from django.utils import timezone

    from nuanxin.casework.services.referrals import referral_create
    from nuanxin.casework.services.service_tasks import service_task_create
    from nuanxin.directory.models import ServiceProvider

    if persona == "volunteer":
        service_task_create(
            user=scenario.worker,
            person_id=scenario.person.pk,
            kind="water",
            starts_on=timezone.localdate(),
            recurrence="daily",
            occurrences=3,
            assignee=user,
        )
    elif persona == "provider":
        provider = user.provider_account.provider
        scenario._built["provider"] = provider.pk  # the walk's referrals go to this provider
        referral_create(
            user=scenario.worker,
            person=scenario.person,
            provider=ServiceProvider.objects.get(pk=provider.pk),
            asked="接入测试",
            due_on=timezone.localdate() + dt.timedelta(days=2),
        )


def _forbidden_to_a_link(person) -> list[str]:
    """What a task or a referral never shows of a person: identity, tier, categories, visits."""
    from django.utils import translation

    from nuanxin.registry.models import Category

    found = [person.id_number, mask_id_number(person.id_number), f"/visits/person/{person.pk}/"]
    if person.birth_date:
        found += [person.birth_date.isoformat(), f"{person.birth_date:%Y年%-m月%-d日}"]
    person.refresh_from_db()
    if person.tier:
        found += [f"tier-{person.tier}", f'"tier": "{person.tier}"', f'"tier":"{person.tier}"']
    for enrollment in person.enrollments.active_on():
        found.append(f'"{enrollment.category}"')
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found.append(str(Category(enrollment.category).label))
    return [text for text in found if text]


def _params():
    for case in CASES:
        for persona in PERSONAS:
            marks = []
            if persona in case.xfail:
                marks.append(pytest.mark.xfail(strict=True, reason=case.xfail[persona]))
            yield pytest.param(case, persona, marks=marks, id=f"{case.id}-{persona}")


@pytest.mark.parametrize(("case", "persona"), list(_params()))
def test_it_applies_the_rule(request, client, scenario, jinjiang_person, case, persona):
    from nuanxin.accounts.services import api_token_create

    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if persona in LINKED:
        _link(persona, user, scenario)
    kwargs = {key: scenario.pk(obj) for key, obj in case.kwargs.items()}
    url = reverse(case.name, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
    body = case.data(scenario) if callable(case.data) else case.data
    token = None
    if user is not None:
        if case.api:
            token = api_token_create(user=user)
        else:
            client.force_login(user)

    response = _request(client, case, url, body, token)

    expected = _expected(case, persona, user, scenario)
    assert response.status_code in expected, (
        f"{case.method} {url} as {persona}: got {response.status_code}, expected {sorted(expected)}"
    )
    if user is None and not case.api:
        login = resolve_url(settings.LOGIN_URL)
        assert response["Location"].startswith(login), response["Location"]
    body_text = _text_of(response)
    if user is None:
        return
    for person in (scenario.person, jinjiang_person):
        linked = persona in LINKED and person == scenario.person
        secrets = (person.name, person.phone, person.id_number)
        if not access.can(user, access.Action.VIEW, person.region_id) and not linked:
            # Whatever the page, someone who may not see a person learns nothing of them.
            for secret in secrets:
                assert not secret or secret not in body_text, f"{persona} sees {secret!r} at {url}"
        if case.action == access.Action.EXPORT and not access.can(
            user, access.Action.EXPORT, person.region_id
        ):
            # An export carries only the rows the persona may export, not all it may view.
            for secret in secrets:
                assert not secret or secret not in body_text, f"{persona} exports {secret!r}"
    if persona in LINKED:
        # The page's own address may come back (the language form's "next"): not a leak.
        shown = body_text.replace(url.split("?")[0], "")
        for secret in _forbidden_to_a_link(scenario.person):
            assert secret not in shown, f"{persona} reads {secret!r} at {url}"
    person = scenario.person
    if (
        case.shows
        and response.status_code == 200
        and access.can(user, case.action, person.region_id)
    ):
        assert person.name in body_text, f"{persona} should see {person.name} at {url}"


# ---- hostile query strings --------------------------------------------------------------

# What a careful tester typed into the address bar (34 of 380 tries once answered 500).
HOSTILE = [
    "region=abc",
    "region=5101",
    "month=2026-13",
    "date=2026-02-30",
    "date=99999-01-01",
    "page=99999999999999999999",
    "page=-1",
    "page_size=100000",
    "assignee=99999999999999999999",
    "provider=99999999999999999999",
    "person=99999999999999999999",
    "request=99999999999999999999",
    "kind=nonsense&status=nonsense",
]
GETS = [case for case in CASES if case.method == "GET" and not case.label]


@pytest.mark.parametrize("case", GETS, ids=lambda case: case.id)
def test_it_never_answers_500_to_a_hostile_query_string(client, scenario, case):
    """Every page and route the walk reads, as its owner, with each value a tester tried."""
    from nuanxin.accounts.services import api_token_create

    kwargs = {key: scenario.pk(obj) for key, obj in case.kwargs.items()}
    url = reverse(case.name, kwargs=kwargs)
    token = api_token_create(user=scenario.worker) if case.api else None
    if not case.api:
        client.force_login(scenario.worker)
    for query in HOSTILE:
        joined = f"{url}?{case.query}&{query}" if case.query else f"{url}?{query}"
        response = _request(client, case, joined, None, token)
        assert response.status_code < 500, (joined, response.status_code)
