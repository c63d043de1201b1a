"""Pinyin and initials for Chinese names, so `cay` finds 蔡阿姨 and `zfr` 曾凡荣.

pypinyin costs ~30 µs a name, which is a minute per million people in a ledger
import. Most names contain no multi-character phrase from pypinyin's phrase
dictionary, and then pypinyin converts them character by character: we do the
same from a per-character cache and fall back to pypinyin for anything else, so
the results are exactly pypinyin's (tests/test_ledgers_fuzz.py checks this), except
for a surname with a reading of its own (`SURNAMES`), read as a surname.
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
    if n == 2:
        return name not in PHRASES_DICT
    if n == 3:
        return (
            name[:2] not in PHRASES_DICT
            and name[1:] not in PHRASES_DICT
            and (name not in PHRASES_DICT)
        )
    for i in range(n - 1):
        for j in range(i + 2, n + 1):
            if name[i:j] in PHRASES_DICT:
                return False
    return True


# Surnames read otherwise than their everyday reading, which pypinyin gives (it has no
# surname mode): 曾凡荣 is zeng, not ceng, so initials search finds her by "zfr".
# Compound surnames first; only a name's first characters are read this way.
SURNAMES = {
    "万俟": "mo qi", "尉迟": "yu chi", "单于": "chan yu", "长孙": "zhang sun", "澹台": "tan tai",
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao",
    "查": "zha", "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai", "盖": "ge",
    "秘": "bi", "冼": "xian", "华": "hua", "过": "guo", "纪": "ji", "燕": "yan",
    "种": "chong", "重": "chong", "繁": "po", "藏": "zang", "都": "du", "薄": "bo",
    "贾": "jia", "居": "ju", "盛": "sheng", "柏": "bai", "牟": "mou", "陆": "lu",
    "乜": "nie", "阚": "kan", "叶": "ye", "宿": "su", "卜": "bu", "召": "shao",
    "折": "she", "员": "yun", "句": "gou", "尉": "yu", "隗": "wei", "洗": "xian",
}  # fmt: skip


def surname_of(name: str) -> str:
    """The leading surname of `name` that has a reading of its own, or ""."""
    if name[:2] in SURNAMES:
        return name[:2]
    return name[:1] if name[:1] in SURNAMES else ""


@lru_cache(maxsize=262144)
def _convert(name: str) -> tuple[str, str]:
    surname = surname_of(name)
    if surname:
        syllables = SURNAMES[surname].split()
        rest = _convert_plain(name[len(surname) :])
        return "".join(syllables) + rest[0], "".join(s[0] for s in syllables) + rest[1]
    return _convert_plain(name)


def _convert_plain(name: str) -> tuple[str, str]:
    if not name:
        return "", ""
    if _per_character(name):
        if len(name) <= 3:  # most names: no list, no generators
            first = _CHARS.get(name[0]) or _char(name[0])
            if len(name) == 1:
                return first
            second = _CHARS.get(name[1]) or _char(name[1])
            if len(name) == 2:
                return first[0] + second[0], first[1] + second[1]
            third = _CHARS.get(name[2]) or _char(name[2])
            return first[0] + second[0] + third[0], first[1] + second[1] + third[1]
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
