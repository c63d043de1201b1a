"""Pinyin and initials for Chinese names, so `cay` finds 蔡阿姨.

pypinyin costs ~30 µs a name, which is a minute per million people in a ledger
import. Most names contain no multi-character phrase from pypinyin's phrase
dictionary, and then pypinyin converts them character by character: we do the
same from a per-character cache and fall back to pypinyin for anything else, so
the results are exactly pypinyin's (tests/test_ledgers_fuzz.py checks this).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

_HAN = re.compile("[\u4e00-\u9fff]+")
_CHARS: dict[str, tuple[str, str]] = {}  # character -> (pinyin, initial)


def _char(ch: str) -> tuple[str, str]:
    known = _CHARS.get(ch)
    if known is None:
        known = _CHARS[ch] = (
            "".join(lazy_pinyin(ch, errors="default")).lower(),
            "".join(lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="default")).lower(),
        )
    return known


def _per_character(name: str) -> bool:
    """True when pypinyin would convert `name` one character at a time:
    all Han characters, and no substring of two or more in the phrase dictionary."""
    if not _HAN.fullmatch(name):
        return False
    n = len(name)
    for i in range(n - 1):
        for j in range(i + 2, n + 1):
            if name[i:j] in PHRASES_DICT:
                return False
    return True


@lru_cache(maxsize=262144)
def _convert(name: str) -> tuple[str, str]:
    if _per_character(name):
        chars = [_char(ch) for ch in name]
        return "".join(c[0] for c in chars), "".join(c[1] for c in chars)
    if _HAN.fullmatch(name):
        # All Han: pypinyin gives one item per character in every style (phrases
        # only choose the readings), and FIRST_LETTER is the first letter of the
        # NORMAL item, so one call gives both (half of this path's cost).
        items = lazy_pinyin(name, errors="default")
        return "".join(items).lower(), "".join(item[:1] for item in items).lower()
    return (
        "".join(lazy_pinyin(name, errors="default")).lower(),
        "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower(),
    )


def name_pinyin(name: str) -> str:
    """Full pinyin without tones, no separators: 蔡阿姨 -> caiayi."""
    return _convert(name)[0]


def name_initials(name: str) -> str:
    """First letters: 蔡阿姨 -> cay."""
    return _convert(name)[1]
