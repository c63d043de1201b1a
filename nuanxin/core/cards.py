"""The dashboard card protocol: each app adds what an officer should see on the home page.

A card is a template and a context. `context(user=…, region=…, today=…)` answers a
dict, or None when the card has nothing to say to this user (no rights, nothing
in the area). It reads through the gate and runs a fixed number of queries:

    from nuanxin.core import cards

    class CheckRate:
        position = 40
        template = "care/_card_checks.html"
        def context(self, *, user, region, today): ...

    cards.register(CheckRate())
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol


class Card(Protocol):
    position: int
    template: str

    def context(self, *, user, region, today: dt.date) -> dict | None: ...


@dataclasses.dataclass(frozen=True)
class Shown:
    template: str
    context: dict


_cards: list[Card] = []


def register(card: Card) -> None:
    """Add a card once (apps call this from AppConfig.ready)."""
    if all(type(c) is not type(card) for c in _cards):
        _cards.append(card)
        _cards.sort(key=lambda c: getattr(c, "position", 50))


def cards_for(*, user, region, today: dt.date) -> list[Shown]:
    found = []
    for card in _cards:
        context = card.context(user=user, region=region, today=today)
        if context is not None:
            found.append(Shown(card.template, context))
    return found
