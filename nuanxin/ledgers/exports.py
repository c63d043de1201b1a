"""The ledgers the system writes, by kind: `nuanxin export KIND` and the pages find them here.

Each domain registers its own (from AppConfig.ready), so the command line and
an inspector's list of ledgers grow with the apps, not with this module:

    from nuanxin.ledgers import exports

    exports.register(exports.Ledger(
        kind="campaign-allocations",
        label=_("Campaign allocations"),
        write=allocations_export,   # (*, user, target, region, reveal, reason, request) -> rows
    ))

`write` reads through the gate with the *export* right (rows the user may
export, not only view), writes with `core.xlsx.write_ledger`, audits the
export, and returns the number of rows. `user=None` is the system.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Ledger:
    kind: str
    label: object  # a lazy translation
    write: Callable[..., int]
    # Extra command-line options this ledger understands, name -> help text.
    options: dict[str, str] = dataclasses.field(default_factory=dict)


_ledgers: dict[str, Ledger] = {}


def register(ledger: Ledger) -> None:
    _ledgers.setdefault(ledger.kind, ledger)


def kinds() -> list[str]:
    return sorted(_ledgers)


def ledger(kind: str) -> Ledger:
    return _ledgers[kind]


def ledgers() -> list[Ledger]:
    return [_ledgers[k] for k in kinds()]
