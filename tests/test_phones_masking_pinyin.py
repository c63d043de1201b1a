"""Phones, masking and pinyin: the small helpers every page leans on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from nuanxin.core import masking, pinyin, validators
from nuanxin.core.phones import PhoneError, normalize_phone


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        ("028-85551234", "02885551234"),
        ("02885551234", "02885551234"),
        ("(028) 8555 1234", "02885551234"),
        ("０２８－８５５５１２３４", "02885551234"),
        ("010-62345678", "01062345678"),
    ],
)
def test_it_normalises_mobiles_and_landlines(raw, stored):
    assert normalize_phone(raw) == stored
    assert validators.clean_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "12345",
        "110",
        "1381234567",
        "138123456789",
        "028-1234",
        "蔡阿姨",
        "+1 202",
    ],
)
def test_it_rejects_garbage_phones(raw):
    with pytest.raises(PhoneError):
        normalize_phone(raw)
    with pytest.raises(ValidationError) as exc:
        validators.clean_phone(raw)
    assert exc.value.code == "phone"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_it_never_crashes_on_any_text(text):
    try:
        stored = normalize_phone(text)
    except PhoneError:
        return
    assert stored.isascii() and stored.isdigit()


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("510104195003041234", "510104********1234"),
        ("51010419500304123X", "510104********123X"),
        ("510104500304123", "510104*****4123"),  # old 15-digit numbers
        ("12345678901", "123456*8901"),
        ("1234567890", "**********"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_id_numbers(value, masked):
    assert masking.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("02885551234", "028****1234"),
        ("85551234", "855*1234"),
        ("5551234", "***1234"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("12", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_phones(value, masked):
    assert masking.mask_phone(value) == masked


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789X", min_size=1, max_size=20))
def test_it_never_shows_the_middle(value):
    # Whatever the length, a masked value is as long as the value and hides
    # everything but at most the first six and the last four characters.
    for mask in (masking.mask_id_number, masking.mask_phone):
        shown = mask(value)
        assert len(shown) == max(len(value), 4 if mask is masking.mask_phone else 0)
        visible = sum(ch != "*" for ch in shown)
        assert visible <= min(10, len(value))
        if len(value) > 4:
            assert "*" in shown


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("蔡阿姨", "caiayi", "cay"),
        ("王大爷", "wangdaye", "wdy"),
        ("李奶奶", "linainai", "lnn"),
        ("吕布", "lvbu", "lb"),
        ("欧阳修", "ouyangxiu", "oyx"),
    ],
)
def test_it_spells_names_in_pinyin(name, full, initials):
    assert pinyin.name_pinyin(name) == full
    assert pinyin.name_initials(name) == initials


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("曾国藩", "zengguofan", "zgf"),
        ("曾凡荣", "zengfanrong", "zfr"),
        ("单田芳", "shantianfang", "stf"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("尉迟恭", "yuchigong", "ycg"),
    ],
)
def test_it_reads_polyphonic_surnames_as_surnames(name, full, initials):
    assert pinyin.name_pinyin(name) == full
    assert pinyin.name_initials(name) == initials


def test_it_reads_only_the_leading_surname_as_a_surname():
    # 曾 inside a given name keeps pypinyin's reading of the name.
    assert pinyin.name_pinyin("王曾") == "".join(lazy_pinyin("王曾")).lower()


def test_it_keeps_latin_names_readable():
    assert pinyin.name_pinyin("Tom") == "tom"
    assert pinyin.name_initials("张三abc") == "zsabc"
    assert pinyin.name_pinyin("") == ""
    assert pinyin.name_initials("") == ""


@pytest.mark.django_db
def test_it_finds_zeng_fanrong_by_her_surname_initials(client, community_worker):
    from tests.conftest import HEMEI_GRID1
    from tests.factories import make_person

    make_person(name="曾凡荣", region=HEMEI_GRID1)
    client.force_login(community_worker)

    assert "曾凡荣" in client.get("/people/?q=zfr").content.decode()
