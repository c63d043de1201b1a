"""The production web server: gunicorn in front of `nuanxin.wsgi` (Linux).

nuanxin serve                                # 127.0.0.1:8000, workers and threads from the cores
nuanxin serve --bind 127.0.0.1:8001 --workers 3 --threads 4

nginx (deploy/nginx/nuanxin.conf) terminates TLS in front of it. The command
replaces itself with a gunicorn master (`exec`), so systemd's SIGHUP reaches
gunicorn: new workers load the new code and the old ones finish their requests
(a graceful reload); SIGTERM stops it after the requests in flight.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# No query string (%(U)s is the path alone), no referrer and no user agent: a query or
# a referrer may hold a person's name or ID number, and access logs are kept and copied
# more loosely than the database. %(M)s is the request time in milliseconds.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """One process per core plus one, so a worker blocked on the database does not idle a core."""
    return int(os.getenv("NUANXIN_WEB_WORKERS") or _cores() + 1)


def default_threads() -> int:
    """Threads per worker: requests mostly wait on the database, so a few share a process."""
    return int(os.getenv("NUANXIN_WEB_THREADS") or 4)


def gunicorn_argv(*, bind: str, workers: int, threads: int, timeout: int) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "nuanxin.wsgi:application",
        # The tree holding this `nuanxin` comes first on the path: the workers load the
        # same code as this command (the working directory stays the service's own).
        "--pythonpath",
        str(settings.BASE_DIR),
        "--name",
        "nuanxin",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(timeout),
        "--keep-alive",
        "5",
        # A worker restarts after this many requests (spread): memory stays bounded.
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        # X-Forwarded-* are trusted from the local nginx only.
        "--forwarded-allow-ips",
        "127.0.0.1,::1",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--error-logfile",
        "-",
    ]
    if os.path.isdir("/dev/shm"):  # heartbeat files in memory: a slow disk cannot stall it
        argv += ["--worker-tmp-dir", "/dev/shm"]
    return argv


class Command(BaseCommand):
    help = "Run the production web server (gunicorn): workers and threads from the core count."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.getenv("NUANXIN_BIND", "127.0.0.1:8000"),
            help="address:port or unix:/path (default 127.0.0.1:8000)",
        )
        parser.add_argument("--workers", type=int, default=None, help="processes (cores + 1)")
        parser.add_argument("--threads", type=int, default=None, help="threads per process (4)")
        parser.add_argument("--timeout", type=int, default=60, help="seconds per request")

    def handle(self, *args, bind, workers, threads, timeout, **options):
        if importlib.util.find_spec("gunicorn") is None:
            raise CommandError(
                "gunicorn is not installed: pip install 'nuanxin' (it is a dependency)"
            )
        workers = workers or default_workers()
        threads = threads or default_threads()
        if workers < 1 or threads < 1 or timeout < 1:
            raise CommandError("--workers, --threads and --timeout must be 1 or more")
        argv = gunicorn_argv(bind=bind, workers=workers, threads=threads, timeout=timeout)
        self.stdout.write(f"nuanxin serve on {bind}: {workers} workers × {threads} threads")
        self.stdout.flush()
        sys.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanxin.settings")
        os.execv(sys.executable, argv)  # noqa: S606 - becomes the gunicorn master (signals reach it)
