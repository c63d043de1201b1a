"""Resident ID numbers (GB 11643-1999): generated numbers parse, every typo is caught."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from nuanxin.core import idnumber, validators
from nuanxin.core.idnumber import IDNumberError

TODAY = dt.date(2026, 11, 29)
ALLOWED = "0123456789X"

provinces = st.sampled_from(sorted(idnumber.PROVINCES))
# Any four digits after the province: real, retired, or never issued.
areas = st.builds(lambda p, rest: p + rest, provinces, st.from_regex(r"\A[0-9]{4}\Z"))
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_numbers(draw):
    area, birth, sequence = draw(areas), draw(births), draw(sequences)
    return idnumber.make(area, birth, sequence), area, birth, sequence


@settings(max_examples=300, deadline=None)
@given(valid_numbers())
def test_it_parses_every_generated_number(generated):
    number, area, birth, sequence = generated
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.area_code == area
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert parsed.warnings == ()


@settings(max_examples=60, deadline=None)
@given(valid_numbers())
def test_it_catches_every_single_character_change(generated):
    number = generated[0]
    for position in range(18):
        for replacement in ALLOWED:
            if replacement == number[position]:
                continue
            typo = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(IDNumberError):
                idnumber.parse(typo, today=TODAY)


@settings(max_examples=100, deadline=None)
@given(valid_numbers())
def test_it_catches_swapped_neighbours_that_differ(generated):
    # MOD 11-2 also catches transpositions of two different adjacent digits.
    number = generated[0]
    for i in range(16):
        if number[i] == number[i + 1]:
            continue
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        with pytest.raises(IDNumberError):
            idnumber.parse(swapped, today=TODAY)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"\A[0-9]{17}\Z"))
def test_it_agrees_between_make_and_check_char(first17):
    birthless = idnumber.make(first17[:6], dt.date(1950, 3, 4), int(first17[14:17]))
    assert birthless[17] == idnumber.check_char(birthless[:17])
    assert len(idnumber.check_char(first17)) == 1
    assert idnumber.check_char(first17) in ALLOWED


def test_it_knows_the_standard_example():
    # The worked example of GB 11643-1999.
    assert idnumber.check_char("11010519491231002") == "X"
    parsed = idnumber.parse("11010519491231002X", today=TODAY)
    assert (parsed.birth_date, parsed.sex) == (dt.date(1949, 12, 31), "F")


def test_it_normalises_full_width_digits_spaces_and_lower_case_x():
    number = "11010519491231002X"
    full_width = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "ｘ"
    assert idnumber.parse(full_width, today=TODAY).number == number
    assert idnumber.parse("110105 19491231 002x", today=TODAY).number == number
    assert idnumber.parse(" 11010519491231002Ｘ\t", today=TODAY).number == number
    assert idnumber.normalize("11010519491231002x") == number


def test_it_rejects_digits_from_other_scripts():
    # str.isdigit() is true for Arabic-Indic and superscript digits: never store those.
    number = idnumber.make("510104", dt.date(1950, 3, 4), 123)
    # int("١") == 1, so without a guard this passes the check digit.
    arabic_indic = number[:14] + "١" + number[15:]
    assert number[14] == "1"
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(arabic_indic, today=TODAY)
    assert exc.value.code == "characters"
    with pytest.raises(IDNumberError):
        idnumber.parse(number[:-2] + "²" + number[-1], today=TODAY)


def test_it_warns_and_does_not_reject_an_unknown_area_code():
    number = idnumber.make("519999", dt.date(1950, 3, 4), 2)
    parsed = idnumber.parse(number, today=TODAY, known_areas={"510104", "510108"})
    assert parsed.warnings == ("area_code",)
    known = idnumber.parse(number, today=TODAY, known_areas={"519999"})
    assert known.warnings == ()


@pytest.mark.parametrize("area", ["510122", "510124", "510125", "510102", "510103", "510106"])
def test_it_accepts_historical_area_codes(area):
    # 双流县, 郫县, 新都县, 东城区, 西城区, 金牛区: retired or renamed, still on real cards.
    number = idnumber.make(area, dt.date(1938, 7, 7), 41)
    parsed = idnumber.parse(number, today=TODAY, known_areas={area})
    assert parsed.area_code == area
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    "date_digits",
    ["19500230", "19000229", "19501301", "19500001", "19500100", "19501232", "99999999"],
)
def test_it_rejects_impossible_dates(date_digits):
    first17 = f"510104{date_digits}123"
    number = first17 + idnumber.check_char(first17)
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(number, today=TODAY)
    assert exc.value.code == "birth_date"


def test_it_accepts_a_leap_day_and_rejects_future_and_too_old_births():
    assert idnumber.parse(idnumber.make("510104", dt.date(2000, 2, 29), 2), today=TODAY)
    for birth in (TODAY + dt.timedelta(days=1), dt.date(1889, 12, 31)):
        with pytest.raises(IDNumberError) as exc:
            idnumber.parse(idnumber.make("510104", birth, 2), today=TODAY)
        assert exc.value.code == "birth_date"
    assert idnumber.parse(idnumber.make("510104", TODAY, 2), today=TODAY)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "length"),
        ("51010419500304123", "length"),
        ("5101041950030412345", "length"),
        ("510104195003041X3X", "characters"),
        ("51010419500304A234", "characters"),
        ("X10104195003041234", "characters"),
        ("001041950030412340", "province"),
        # First digit 9: a foreigner's number, whose digits 2-3 must be a mainland province.
        ("991041950030412340", "foreign_province"),
    ],
)
def test_it_names_the_reason(raw, code):
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(raw, today=TODAY)
    assert exc.value.code == code


def test_it_computes_age_on_a_day():
    parsed = idnumber.parse(idnumber.make("510104", dt.date(1950, 3, 4), 2), today=TODAY)
    assert parsed.age_on(dt.date(2026, 3, 3)) == 75
    assert parsed.age_on(dt.date(2026, 3, 4)) == 76


def test_it_answers_is_valid():
    assert idnumber.is_valid(idnumber.make("510108", dt.date(1950, 3, 4), 1))
    assert not idnumber.is_valid("510108195003040011")
    assert not idnumber.is_valid("nonsense")


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("123", "id_length", "18 characters"),
        ("51010419500304123A", "id_characters", "digit or X"),
        ("001041950030412340", "id_province", "province"),
        ("510104" + "19500230" + "1234", "id_birth_date", "birth date"),
        ("510104195003041230", "id_check_digit", "check digit"),
    ],
)
def test_it_gives_django_a_message_per_reason(raw, code, words):
    if code == "id_check_digit":
        good = idnumber.make("510104", dt.date(1950, 3, 4), 123)
        raw = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validators.clean_id_number(raw)
    assert exc.value.code == code
    with translation.override("en"):
        assert words in str(exc.value.messages[0])
    with translation.override("zh-hans"):
        assert str(exc.value.messages[0])  # translated or not, never empty


def test_it_returns_the_parsed_number_from_the_django_validator():
    number = idnumber.make("510122", dt.date(1940, 1, 1), 7)
    parsed = validators.clean_id_number(number.lower(), known_areas={"510104"})
    assert parsed.number == number
    assert parsed.warnings == ("area_code",)
    assert set(validators.ID_MESSAGES) == {
        "length",
        "characters",
        "characters_15",
        "province",
        "foreign_province",
        "birth_date",
        "check_digit",
    }
