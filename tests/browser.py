"""Shared helpers for end-to-end tests in headless Chromium (Playwright's sync API).

Usage in a test module::

    import pytest
    from tests.browser import browser_page, login  # noqa: F401
    # (pyproject ignores ruff's F811 in tests/: a fixture argument "redefines" the import)

    pytestmark = pytest.mark.browser

    def test_it_shows_the_list(browser_page, live_server, community_worker):
        login(browser_page, live_server.url, "hemei_worker", "correct-horse-9")
        browser_page.goto(f"{live_server.url}/people/")

Fixtures:

- ``browser_page``: a page in a fresh context (zh-CN, 1280x800). Other sizes or
  languages through indirect parametrisation::

      @pytest.mark.parametrize("browser_page", [PHONE, ENGLISH], indirect=True)

  where PHONE / ENGLISH / PHONE_ENGLISH are dicts of context options from this module.
- ``browser_page_phone`` (390x844, touch) and ``browser_page_en`` (en-US): shortcuts.
- ``new_page(**options)``: a factory, for a test that needs two users side by side.

Data a browser test creates must be committed, because the live server answers
from another thread: pytest-django gives ``live_server`` tests a transactional
database, and the conftest personas work unchanged there. That database is
emptied after each such test; tests/conftest.py re-runs the data migrations
then (see `_reload_reference_data` there).

We drive Debian's /usr/bin/chromium, never Playwright's own download. If it is
missing the tests skip, unless NUANXIN_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# The live server must listen on loopback only; read by pytest-django when
# `live_server` first starts, so it must be set when this module is imported.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


DESKTOP = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 800}}
ENGLISH = {"locale": "en-US", "viewport": {"width": 1280, "height": 800}}
PHONE = {
    "locale": "zh-CN",
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PHONE_ENGLISH = {**PHONE, "locale": "en-US"}

DEFAULT_PASSWORD = "correct-horse-9"  # what tests.factories.make_user sets


def _unavailable(reason: str):
    if os.environ.get("NUANXIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (NUANXIN_REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


_running: dict = {}


def _browser(config):
    """One Chromium per test process, started on first use, closed when pytest ends.

    A plain function rather than a fixture so that importing `browser_page`
    alone is enough: fixtures a module does not import are invisible to it.
    """
    if "browser" in _running:
        return _running["browser"]
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        _unavailable("playwright is not installed: pip install -e '.[test]'")

    # Playwright's sync API keeps an event loop in this thread, and Django
    # refuses ORM calls from a thread with a running loop unless told it is fine.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium would not start: {exc}")

    def shutdown():
        chromium.close()
        playwright.stop()
        _running.clear()

    config.add_cleanup(shutdown)
    _running["browser"] = chromium
    return chromium


class _Pages:
    """Opens pages in fresh contexts and closes them all at the end of the test."""

    def __init__(self, config):
        self.config = config
        self.contexts = []

    def __call__(self, **options):
        # The pages forbid eval (script-src 'self'); Playwright's own waiting evaluates
        # strings in the page, so the test browser alone sets the policy aside.
        context = _browser(self.config).new_context(**{**DESKTOP, "bypass_csp": True, **options})
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def new_page(request):
    """Factory: new_page(locale="en-US", viewport={...}) -> Page in a fresh context."""
    pages = _Pages(request.config)
    yield pages
    pages.close()


@pytest.fixture
def browser_page(request):
    """A page in a fresh context: zh-CN, 1280x800 unless parametrised indirectly."""
    pages = _Pages(request.config)
    yield pages(**getattr(request, "param", {}))
    pages.close()


@pytest.fixture
def browser_page_phone(request):
    """A phone-sized page (390x844, touch), zh-CN."""
    pages = _Pages(request.config)
    yield pages(**PHONE)
    pages.close()


@pytest.fixture
def browser_page_en(request):
    """A desktop page in en-US."""
    pages = _Pages(request.config)
    yield pages(**ENGLISH)
    pages.close()


def login(page, base_url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in through the real login form and wait until we have left it."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.click("form button[type='submit']")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {username!r} failed; still on {page.url}")
    if "/accounts/otp/" in page.url:
        _second_factor(page, username)


def _second_factor(page, username: str) -> None:
    """The login's second step, for users who have or need an authenticator: type the
    code it shows now (enrolling one first if the page asks)."""
    from nuanxin.accounts.models import User
    from tests.security import current_code

    user = User.objects.get(username=username)
    page.fill("input[name='code']", current_code(user))
    with page.expect_navigation():
        page.click("main form button[type='submit']")
    if "/accounts/otp/recovery-codes/" in page.url:  # just enrolled: recovery codes shown once
        with page.expect_navigation():
            page.click("main a.btn-primary")
    if "/accounts/otp/" in page.url:
        raise AssertionError(f"the second factor of {username!r} failed; still on {page.url}")
