"""`nuanxin regions merge|rename|split|recode`: administrative changes from the
command line, run as the system (no user) and audited like the pages' changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from . import services


@dataclasses.dataclass(frozen=True)
class Verb:
    HELP: str
    add_arguments: Callable
    run: Callable

    def handle(self, command, **options):
        try:
            outcome = self.run(**options)
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from None
        change = outcome.change
        head = "would apply" if outcome.dry_run else f"applied change #{change.pk}"
        command.stdout.write(f"{head}: {change}")
        for key, n in outcome.counts.items():
            command.stdout.write(f"  {key}: {n}")
        for warning in outcome.warnings:
            command.stderr.write(f"warning: {warning}")
        for line in outcome.staff_moved:
            command.stdout.write(f"  membership added on the community kept: {line}")
        for line in outcome.staff_to_review:
            command.stdout.write(f"  membership to review: {line}")
        if outcome.dry_run:
            command.stdout.write("dry run: nothing changed")


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
    return list(exc.messages)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _merge_args(parser):
    parser.add_argument("code", help="the community that is merged away (retired)")
    parser.add_argument("--into", required=True, help="the community that takes it in")
    parser.add_argument("--on", required=True, help="effective date, YYYY-MM-DD")
    parser.add_argument("--dry-run", action="store_true", help="print the counts, change nothing")


def _merge(*, code, into, on, dry_run, **_options):
    return services.change_merge(
        user=None, code=code, into=into, effective_on=_day(on), dry_run=dry_run
    )


def _rename_args(parser):
    parser.add_argument("code")
    parser.add_argument("name")
    parser.add_argument("--dry-run", action="store_true")


def _rename(*, code, name, dry_run, **_options):
    return services.change_rename(user=None, code=code, name=name, dry_run=dry_run)


def _split_args(parser):
    parser.add_argument("code", help="the community that is split")
    parser.add_argument("--new-code", required=True, help="the new community's 12-digit code")
    parser.add_argument("--name", required=True, help="the new community's name")
    parser.add_argument("--grids", default="", help="grid codes that move, comma-separated")
    parser.add_argument(
        "--people-file",
        default=None,
        help="a text file naming the people who move: person numbers or ID numbers, one a line",
    )
    parser.add_argument("--on", required=True, help="effective date, YYYY-MM-DD")
    parser.add_argument("--dry-run", action="store_true")


def _split(*, code, new_code, name, grids, people_file, on, dry_run, **_options):
    people = []
    if people_file:
        try:
            people = Path(people_file).read_text(encoding="utf-8").split()
        except OSError as exc:
            raise CommandError(f"cannot read {people_file}: {exc}") from None
    return services.change_split(
        user=None,
        code=code,
        new_code=new_code,
        name=name,
        grids=[g for g in grids.split(",") if g.strip()],
        people=people,
        effective_on=_day(on),
        dry_run=dry_run,
    )


def _recode_args(parser):
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--dry-run", action="store_true")


def _recode(*, old, new, dry_run, **_options):
    return services.change_recode(user=None, old=old, new=new, dry_run=dry_run)


SUBCOMMANDS = {
    "merge": Verb("merge a community into another from a date", _merge_args, _merge),
    "rename": Verb("rename a region", _rename_args, _rename),
    "split": Verb("move grids or people of a community to a new one", _split_args, _split),
    "recode": Verb("give a region (and everything under it) a new code", _recode_args, _recode),
}
