"""Production settings refuse weak secret keys (issue #11, item 8).

The settings module runs in a subprocess with the variables a deployment sets,
as `nuanxin serve` would load it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG = "Q7v9zK2pLm4xR8tW1yB6nC3dF5gH0jS-u_eA2iO9kV7qZ4wX1rT6yU8pM3nB5vC7"  # fixed: xdist collects the same ids in every worker


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NUANXIN_")}
    environ |= {"NUANXIN_VAR_DIR": str(tmp_path), "NUANXIN_ALLOWED_HOSTS": "nuanxin.example"}
    environ |= env
    return subprocess.run(
        [sys.executable, "-m", "nuanxin", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "must be set"),
        ("x", "has 1 characters; production needs at least 50"),
        ("short-but-random-Q7v9zK2", "production needs at least 50"),
        ("ab" * 40, "only 2 distinct characters"),
        ("django-insecure-" + STRONG, "a development key"),
    ],
)
def test_it_refuses_a_weak_secret_key_in_production(tmp_path, key, message):
    result = _start(tmp_path, NUANXIN_DEBUG="0", NUANXIN_SECRET_KEY=key)
    assert result.returncode != 0
    # One clear line, not a traceback, and it says how to make a good key.
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_it_starts_with_a_strong_secret_key(tmp_path):
    result = _start(tmp_path, NUANXIN_DEBUG="0", NUANXIN_SECRET_KEY=STRONG)
    assert result.returncode == 0, result.stderr


def test_it_keeps_the_development_key_when_debugging(tmp_path):
    result = _start(tmp_path, NUANXIN_DEBUG="1")
    assert result.returncode == 0, result.stderr
