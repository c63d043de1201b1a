"""Access cases for every URL: the format, and the machinery test_url_access.py runs.

tests/test_url_access.py walks Django's URL resolver (pages and the /api/v1/
routes) and asks, for every named URL, a *case* declared here or in a module
tests/url_cases_<app>.py. A URL without a case fails the suite with
"declare an access case for <name> in tests/url_cases_<app>.py": nothing added
later escapes the access rule.

Declare cases in your app's module as a module-level list named CASES
(tests/url_cases_visits.py is a full example)::

    from tests.url_cases import api, builder, page

    @builder("visit")        # how to make the "visit" a URL kwarg names; returns its pk
    def _visit(s):           # s.person: 蔡阿姨 in 和美社区; s.worker: its community worker
        visit, _created = services.visit_record(user=s.worker, person_id=s.person.pk, ...)
        return visit.pk

    CASES = [
        page("visits:visit_list", scope="list"),
        page("visits:visit_detail", kwargs={"pk": "visit"}),
        page("visits:visit_new", kwargs={"person_id": "person"}, action="change",
             method="POST", data=_visit_form, ok=302),
        api("api:visit_create", method="POST", data=_visit_in, action="change", ok=201),
    ]

A case says:

- ``name``: the URL name, namespaced as `reverse` wants it ("registry:person_detail").
- ``kwargs``: URL kwarg -> scenario key. "person" is 蔡阿姨 (和美社区第一网格,
  成华区); register other keys with ``@builder("key")``, always for records that
  belong to her or her community, so "owner" and "outsider" mean the same thing.
- ``method``: one HTTP method per case; declare several cases for several methods.
- ``data``: the POST/PATCH body (a dict, or a callable taking the Scenario);
  form-encoded for pages, JSON for the API. Empty by default, but prefer a
  valid body where it is cheap: then the service's own scope check runs too.
- ``action``: the access.Action the URL needs ("view", "change", "reveal",
  "export", "audit").
- ``scope``: "object" (the URL, its query or its body is about 蔡阿姨 or her
  region), "list" (the URL lists whatever the user reaches) or "create" (it
  makes something new, anywhere the user may change).
- ``ok``: the status (or set of statuses) when the rule lets the persona in.
- ``denied``: the status when it does not. Default, Zulip's rule: for "object",
  403 when the persona may see 蔡阿姨 (in sight, not allowed) and 404 when not
  (out of sight answers exactly like missing); 404 for "create", 200 for
  "list" (an empty list).
- ``link``: the status for the personas a task or a referral links to 蔡阿姨
  (a volunteer with her water delivery, the repair service's account with her
  referral), who reach her only through that link. Default: as if out of
  sight (404; 200 for a list). Declare it where the link is meant to open the
  page (her restricted profile: 200; a change on her record: 403, in sight).
  Their answers never carry her ID number, birth date, tier, categories or
  visits, whatever the status.
- ``shows``: for a list, the owner must see 蔡阿姨's name in the answer.
- ``expect``: {persona: status} overrides. Use sparingly, and say why.
- ``label``: tells apart two cases with the same name and method (other query).
- ``xfail``: {persona: "why"} for a known gap, reported to the lead; strict, so
  the day the view is fixed the test says so and the marker must go.

Every case runs for every persona (PERSONAS): "anonymous" must get 302 to the
login page (pages) or 401 (API); every other persona gets ``ok`` when
`access.can(user, action, 蔡阿姨's region)` holds ("list"/"create": when it
holds anywhere), ``link`` when only a link reaches her, and ``denied``
otherwise. Whatever the status, a persona who may not view 蔡阿姨 (or 李奶奶 of
锦江区) never finds her name, phone or ID number in the answer, and an export
never carries someone the persona may not export; xlsx downloads are unzipped
and read too. The rule itself is checked
against brute force in tests/test_access_rule.py; these tests check that every
view *applies* it.

URLs that need no case are listed in UNCHECKED, each with its reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PERSONAS = (
    "anonymous",
    "community_worker",  # owner: 和美社区
    "district_officer",  # owner: 成华区
    "city_admin",  # owner of everything, and the only one who reads the audit log
    "outsider",  # 锦江区 district officer: a real user, not of this place
    "volunteer",  # link-only, linked: her water delivery for 蔡阿姨 is assigned to her
    "provider",  # link-only, linked: a repair service's account with 蔡阿姨's referral
    "partner_contact",  # link-only, linked to nobody (no pairing yet)
    "inspector",  # 成华区: view and export, never change or reveal
    "dual",  # 和美社区 community worker + 锦江区 春熙路 social worker (no export there)
)

# The personas who reach 蔡阿姨 only through a link the walk makes for them.
LINKED = frozenset({"volunteer", "provider"})

# URL names (or namespaces ending in ":") that need no access case, and why.
UNCHECKED = {
    "admin:": "Django admin: staff-only, guarded by admin.site itself",
    "login": "public by design: the login form",
    "logout": "ends a session; nothing to protect",
    "set_language": "public: stores the language choice in a cookie",
    "api:openapi-json": "the API's schema: public documentation, no data",
    "api:openapi-view": "the API's docs page: public documentation, no data",
    "api:api-root": "django-ninja's anchor for reverse(); answers 404 to everyone",
}


def unchecked_reason(name: str) -> str | None:
    for key, reason in UNCHECKED.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


Status = int | frozenset[int] | set[int]


@dataclass(frozen=True)
class Case:
    name: str
    api: bool = False
    kwargs: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    data: dict | Callable[[Any], dict] | None = None
    query: str = ""
    action: str = "view"
    scope: str = "object"
    ok: Status = 200
    denied: Status | None = None
    shows: bool = False
    link: Status | None = None
    expect: dict[str, Status] = field(default_factory=dict)
    label: str = ""
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        label = f":{self.label}" if self.label else ""
        return f"{self.name}[{self.method}{label}]"

    def denied_status(self) -> Status:
        if self.denied is not None:
            return self.denied
        return 200 if self.scope == "list" else 404


def page(name: str, **options) -> Case:
    return Case(name=name, api=False, **options)


def api(name: str, **options) -> Case:
    return Case(name=name, api=True, **options)


def as_set(status: Status) -> frozenset[int]:
    return frozenset([status]) if isinstance(status, int) else frozenset(status)


# ---- scenario objects ------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Any], int]] = {}


def builder(key: str):
    """Register how to make the scenario object a URL kwarg names; returns its pk."""

    def register(fn):
        if key in BUILDERS and BUILDERS[key] is not fn:
            raise ValueError(f"scenario key {key!r} is declared twice")
        BUILDERS[key] = fn
        return fn

    return register


class Scenario:
    """蔡阿姨 in 和美社区 and her community worker; other records built on demand."""

    def __init__(self, *, person, worker):
        self.person = person
        self.worker = worker
        self._built: dict[str, int] = {"person": person.pk}

    def pk(self, key: str) -> int:
        if key not in self._built:
            if key not in BUILDERS:
                raise KeyError(f"no @builder({key!r}) in tests/url_cases*.py")
            self._built[key] = BUILDERS[key](self)
        return self._built[key]


# ---- collecting ------------------------------------------------------------------------


def case_modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(f"tests.{p.stem}" for p in here.glob("url_cases_*.py"))


def all_cases() -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for module_name in case_modules():
        module = importlib.import_module(module_name)
        for case in getattr(module, "CASES", []):
            if case.id in seen:
                raise ValueError(f"{case.id} is declared twice (last in {module_name})")
            seen.add(case.id)
            cases.append(case)
    return cases


def module_for(name: str) -> str:
    """Where a URL's case belongs: tests/url_cases_<app>.py."""
    namespace = name.split(":", 1)[0] if ":" in name else "core"
    return f"tests/url_cases_{namespace}.py"
