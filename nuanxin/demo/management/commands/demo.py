"""`nuanxin demo`: the whole system on one machine in one command.

Migrates the embedded database, builds the synthetic city if it has no people,
creates one login per role, then runs the web server (`nuanxin serve`: gunicorn,
as in production) and a task worker as child processes until Ctrl-C (or SIGTERM),
which stops both: no orphans are left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from nuanxin.demo.city import DEFAULT_SEED, city_seed
from nuanxin.demo.users import DEMO_PASSWORD, demo_second_factor_logins, demo_users_ensure

DEFAULT_PERSONS = 20_000
# One machine, one visitor or a few: two gunicorn processes of four threads are plenty,
# and fewer processes start sooner.
DEMO_WEB_WORKERS = 2
DEMO_WEB_THREADS = 4
STOP_GRACE_SECONDS = 10
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class _Stop(Exception):
    pass


def database_description() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    return f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')} on {db.get('HOST') or 'localhost'}"


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to send SIGTERM to this child if the demo process dies (even killed -9)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def _nuanxin_command() -> str:
    """How to run `nuanxin` from this shell: the venv's script when it is not on PATH."""
    import shutil

    script = Path(sys.executable).with_name("nuanxin")
    if shutil.which("nuanxin") == str(script) or not script.exists():
        return "nuanxin"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, build the synthetic city if empty, create the demo "
        "logins, then serve on 127.0.0.1 (gunicorn) with a task worker until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")
        parser.add_argument(
            "--persons",
            type=int,
            default=DEFAULT_PERSONS,
            help="people in the synthetic city, when it is built (default 20,000)",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo's SQLite database first (never a PostgreSQL one)",
        )

    def handle(self, *args, port, no_worker, persons, seed, reset, **options):
        self.stdout.write(f"Database: {database_description()}")
        if reset:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        self.prepare(persons=persons, seed=seed)
        self._print_logins(port)
        # The children open their own connections; ours must not hold a write lock.
        connections.close_all()
        self.serve(port=port, worker=not no_worker)

    # --- steps, each usable on its own (the tests call `prepare`) -------------------
    def prepare(self, *, persons: int, seed: int) -> None:
        from nuanxin.registry.models import Person

        if Person.objects.exists():
            self.stdout.write(f"The city has {Person.objects.count():,} people already.")
            # A demo restarted on a later day catches up on what cron does in
            # production: expired tier raises and cold snaps, due dates.
            call_command("visits_refresh", daily=True, verbosity=0)
        else:
            self.stdout.write(f"Building the synthetic city: {persons:,} people (seed {seed}) …")
            result = city_seed(persons=persons, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(result.summary()))
        self.logins = demo_users_ensure()

    def _reset(self) -> None:
        db = settings.DATABASES["default"]
        if not db["ENGINE"].endswith("sqlite3"):
            raise CommandError(
                "--reset only deletes the embedded SQLite database; drop others yourself."
            )
        path = Path(db["NAME"]).resolve()
        var_dir = Path(settings.VAR_DIR).resolve()
        if var_dir not in path.parents:
            raise CommandError(f"--reset refuses to delete {path}: it is outside {var_dir}.")
        connections.close_all()
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if candidate.is_file():
                candidate.unlink()
        self.stdout.write(f"Deleted {path}.")

    def _print_logins(self, port: int) -> None:
        width = max(len(login.username) for login, _region in self.logins)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Nuanxin demo: http://127.0.0.1:{port}/"))
        self.stdout.write(f"Password for every login: {DEMO_PASSWORD}")
        self.stdout.write("")
        what = max(len(login.description) for login, _region in self.logins)
        self.stdout.write(f"  {'login':<{width}}  {'who':<{what}}  where")
        for login, region in self.logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.description:<{what}}  {region}")
        self.stdout.write("")
        second = demo_second_factor_logins()
        if second:
            command = _nuanxin_command()
            self.stdout.write(
                f"{', '.join(second)} also need a second-factor code after the password. "
                "Get the current one with:"
            )
            self.stdout.write(f"  {command} otp code {second[0]}")
            self.stdout.write("")
        self.stdout.write("Stop with Ctrl-C.")

    def serve(self, *, port: int, worker: bool) -> None:
        python = [sys.executable, "-m", "nuanxin"]
        web = ["serve", "--bind", f"127.0.0.1:{port}"]
        web += ["--workers", str(DEMO_WEB_WORKERS), "--threads", str(DEMO_WEB_THREADS)]
        commands = [python + web]
        if worker:
            commands.append(python + ["db_worker", "--no-reload", "--no-startup-delay"])
        sys.stdout.flush()

        def stop(signum, frame):
            raise _Stop(signum)

        previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
        children: list[subprocess.Popen] = []
        try:
            # No stop signal may land between a fork and our noting the child down.
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            try:
                for command in commands:
                    # A process group of its own: a Ctrl-C reaches only us, and each
                    # child gets exactly one stop signal (a second one makes the task
                    # worker abandon its current task).
                    children.append(
                        subprocess.Popen(
                            command,
                            env=_demo_environment(),
                            process_group=0,
                            preexec_fn=_die_with_parent,
                        )
                    )
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            while True:
                for child in children:
                    if child.poll() is not None:
                        raise CommandError(
                            f"{' '.join(child.args[2:4])} exited with code {child.returncode}"
                        )
                time.sleep(0.3)
        except _Stop:
            self.stdout.write("\nStopping …")
        finally:
            # Ignore a second Ctrl-C while the children shut down.
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
            self._stop_children(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @staticmethod
    def _stop_children(children: list[subprocess.Popen]) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _demo_environment() -> dict[str, str]:
    """The server and worker run as in production, DEBUG off (the site's own error
    pages, no tracebacks), unless a developer asks for debug with NUANXIN_DEBUG=1."""
    env = os.environ.copy()
    env.setdefault("NUANXIN_DEBUG", "0")
    env["NUANXIN_DEMO"] = "1"
    return env
