"""Pinyin and initials for Chinese names, so `cay` finds 蔡阿姨."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_pinyin(name: str) -> str:
    """Full pinyin without tones, no separators: 蔡阿姨 -> caiayi."""
    return "".join(lazy_pinyin(name, errors="default")).lower()


def name_initials(name: str) -> str:
    """First letters: 蔡阿姨 -> cay."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
