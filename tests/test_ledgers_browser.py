"""End to end: upload a ledger, preview it, run it, watch the progress bar, get the result."""

from __future__ import annotations

import re

import pytest

from nuanxin.ledgers import services
from nuanxin.ledgers.models import ImportRun, RunStatus
from tests.browser import browser_page, login  # noqa: F401
from tests.test_ledgers import HEAD, ident, row, write_csv

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_uploads_previews_and_runs_an_import(browser_page, live_server, community_worker,
                                                tmp_path):  # fmt: skip
    page = browser_page
    login(page, live_server.url, "hemei_worker", "correct-horse-9")
    path = write_csv([HEAD, row(name="蔡阿姨", id_number=ident(seq=2)), row(id_number="123")],
                     encoding="gb18030")  # fmt: skip
    page.goto(f"{live_server.url}/ledgers/")
    page.set_input_files("input[name='files']", str(path))
    page.click("#upload")
    page.wait_for_url(re.compile(r"/ledgers/runs/\d+/preview/$"))
    assert "蔡阿姨" in page.content()
    page.screenshot(path=tmp_path / "preview.png", full_page=True)
    page.click("#run-import")
    page.locator("#run-result").wait_for()
    assert page.locator("#count-created").inner_text() == "1"
    assert page.locator("#count-rejected").inner_text() == "1"
    assert page.locator("#error-report").is_visible()


def test_it_updates_the_progress_bar_without_reloading(browser_page, live_server,
                                                       community_worker):  # fmt: skip
    page = browser_page
    login(page, live_server.url, "hemei_worker", "correct-horse-9")
    run = services.import_run_create(user=community_worker, files=[write_csv([HEAD, row()])])
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    services.progress_write(run, 1200, 0.4)
    page.goto(f"{live_server.url}/ledgers/runs/{run.pk}/")
    bar = page.locator(".progress-bar")
    assert bar.inner_text() == "40%"
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    services.progress_write(run, 2400, 0.8)
    page.wait_for_function("document.querySelector('.progress-bar').innerText === '80%'")
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
    services.ledger_import(run=ImportRun.objects.get(pk=run.pk))
    page.locator("#run-result").wait_for()
    assert page.evaluate("window.__marker") == 1
    assert page.locator("#count-created").inner_text() == "1"
