"""`make fuzz`: schemathesis over /api/v1/openapi.json for two roles, against a real server.

A throwaway city (SQLite in a temporary folder), a district officer and a community
worker with a token each, the development server on a free 127.0.0.1 port, and
schemathesis for each token: it fails on any 5xx and on any answer that breaks the
documented schema. Bounded: `FUZZ_EXAMPLES` examples per operation (default 3), the
coverage phase for one role only (`PHASES`), the seed fixed (`FUZZ_SEED`) so a failure
is replayed exactly. The server stops with the
script, whatever happens.

    .venv/bin/python -m tests.fuzz_api
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
ROLES = ("district", "community")  # a district officer, a community worker (demo logins)
# The coverage phase (every documented edge of every parameter) runs once, as the wider
# role; the narrower role fuzzes only. Together a few minutes for 77 operations.
PHASES = {"district": "examples,coverage,fuzzing", "community": "examples,fuzzing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, check=True, text=True, **kwargs)


def _city(env: dict) -> dict[str, str]:
    """Migrate, seed a small city, make the demo logins; a token per role."""
    nuanxin = str(BIN / "nuanxin")
    _run([nuanxin, "migrate", "-v", "0"], env)
    _run([nuanxin, "seed", "--persons", "200", "--seed", "7"], env, stdout=subprocess.DEVNULL)
    script = (
        "from nuanxin.demo.users import demo_users_ensure\n"
        "from nuanxin.accounts.models import User\n"
        "from nuanxin.accounts.services import api_token_create\n"
        "demo_users_ensure()\n"
        f"for name in {ROLES!r}:\n"
        "    print(name, api_token_create(user=User.objects.get(username=name)))\n"
    )
    out = _run([nuanxin, "shell", "-c", script], env, capture_output=True).stdout
    return dict(line.split() for line in out.splitlines() if line.startswith(ROLES))


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 — our own 127.0.0.1
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    # Few examples an operation: 77 operations, two roles, a few minutes in CI.
    examples = os.environ.get("FUZZ_EXAMPLES", "3")
    seed = os.environ.get("FUZZ_SEED", "2026")
    with tempfile.TemporaryDirectory(prefix="nuanxin-fuzz-") as var:
        env = {**os.environ, "NUANXIN_VAR_DIR": var, "NUANXIN_DEBUG": "1"}
        env.pop("NUANXIN_DATABASE_URL", None)  # a throwaway SQLite city, never a real database
        tokens = _city(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "nuanxin"), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(f"{base}/api/v1/openapi.json")
            failed = 0
            for role in ROLES:
                print(f"\n=== schemathesis as {role} ===", flush=True)
                result = subprocess.run(
                    [
                        str(BIN / "schemathesis"),
                        "run",
                        f"{base}/api/v1/openapi.json",
                        "--header",
                        f"Authorization: Bearer {tokens[role]}",
                        "--checks",
                        "not_a_server_error,response_schema_conformance",
                        "--max-examples",
                        examples,
                        "--seed",
                        seed,
                        "--phases",
                        PHASES[role],
                        "--workers",
                        "2",
                    ],
                    env=env,
                )
                failed += result.returncode != 0
            return 1 if failed else 0
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
