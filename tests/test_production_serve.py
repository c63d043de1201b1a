"""`nuanxin serve`: gunicorn on a free local port serves the login page, reloads on HUP, stops on TERM,
and its access log carries no query string."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nuanxin.core.management.commands import serve

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("gunicorn", reason="gunicorn is a dependency: pip install -e .")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - our own server
                return answer.status, answer.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_it_takes_workers_and_threads_from_the_cores(monkeypatch):
    monkeypatch.delenv("NUANXIN_WEB_WORKERS", raising=False)
    monkeypatch.setattr(serve, "_cores", lambda: 2)
    assert serve.default_workers() == 3
    monkeypatch.setenv("NUANXIN_WEB_WORKERS", "5")
    assert serve.default_workers() == 5
    argv = serve.gunicorn_argv(bind="127.0.0.1:8000", workers=3, threads=4, timeout=60)
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert "%(q)s" not in serve.ACCESS_LOG_FORMAT and "%(r)s" not in serve.ACCESS_LOG_FORMAT
    assert "%(f)s" not in serve.ACCESS_LOG_FORMAT  # the referrer may carry a query too


def test_it_serves_the_login_page_reloads_on_hup_and_stops(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "NUANXIN_DEBUG": "1",
        "NUANXIN_DATABASE_URL": "",
        "NUANXIN_VAR_DIR": str(tmp_path),
        "NUANXIN_SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
    }
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "nuanxin", "serve", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        status, page = fetch(
            f"{base}/accounts/login/?next=/people/%3Fq%3D110101199003071234", time.monotonic() + 60
        )
        assert status == 200 and 'name="password"' in page

        proc.send_signal(signal.SIGHUP)  # graceful reload: new workers, the master stays
        time.sleep(1)
        status, _ = fetch(f"{base}/accounts/login/", time.monotonic() + 30)
        assert status == 200 and proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    log.seek(0)
    output = log.read()
    assert code == 0, output
    assert "Handling signal: hup" in output.lower() or "hang up" in output.lower(), output
    assert '"GET /accounts/login/ HTTP/1.1" 200' in output
    assert "110101199003071234" not in output and "next=" not in output


def test_it_serves_production_settings_with_hashed_static_files(tmp_path):
    """DEBUG off as on a bureau's server: https via nginx's header, static files from whitenoise."""
    import re
    import secrets

    port = free_port()
    env = {
        **os.environ,
        "NUANXIN_DEBUG": "0",
        "NUANXIN_DEMO": "0",
        "NUANXIN_SECRET_KEY": secrets.token_urlsafe(64),
        "NUANXIN_ALLOWED_HOSTS": "127.0.0.1",
        "NUANXIN_DATABASE_URL": "",
        "NUANXIN_VAR_DIR": str(tmp_path),
        "NUANXIN_SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "nuanxin", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "nuanxin", "serve", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        request = urllib.request.Request(
            f"{base}/accounts/login/", headers={"X-Forwarded-Proto": "https"}
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                    page, cookies = answer.read().decode(), answer.headers.get_all("Set-Cookie")
                    hsts = answer.headers.get("Strict-Transport-Security", "")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert 'name="password"' in page and "max-age=" in hsts
        assert all("Secure" in c for c in cookies or [])
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
        assert css, "a hashed stylesheet name from the manifest"
        static = urllib.request.Request(
            f"{base}{css.group(1)}", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(static, timeout=5) as answer:  # noqa: S310
            assert answer.status == 200
            assert "max-age=315360000" in answer.headers.get("Cache-Control", "")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
