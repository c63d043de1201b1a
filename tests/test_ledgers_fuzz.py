"""Fuzzing the importer: arbitrary cells never crash it, and no row is silently dropped.
Also: the fast paths agree with the libraries they shortcut."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from nuanxin.core import idnumber
from nuanxin.core.phones import PhoneError, normalize_phone
from nuanxin.core.pinyin import SURNAMES, name_initials, name_pinyin, surname_of
from nuanxin.ledgers.pipeline.validate import clean_phone_fast
from nuanxin.ledgers.services import import_run_create, ledger_import
from tests.test_ledgers import HEAD, ident, row, write_csv

cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "是", "否", "低保", "１３８", "510108", "成华区", "和美社区", "*", "\ufeff"]
    ),
    st.integers(-(10**20), 10**20).map(str),
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=len(HEAD) + 2), min_size=1, max_size=8))
def test_it_never_crashes_and_accounts_for_every_row(community_worker, rows):
    good = row(id_number=ident(seq=2))
    data = [HEAD, good] + [[c.replace("\x00", "") for c in r] for r in rows]
    run = ledger_import(run=import_run_create(user=community_worker, files=[write_csv(data)]))
    s = run.summary
    filled = 1 + sum(1 for r in rows if any(c.replace("\x00", "").strip() for c in r))
    assert s["rows"] == filled
    assert s["created"] + s["updated"] + s["unchanged"] + s["rejected"] == s["rows"]
    assert run.rejected_rows.count() == s["rejected"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    bad=st.sampled_from(["id", "phone", "category", "sex"]),
    junk=st.text(alphabet="0123456789xX*-abc低保", min_size=1, max_size=20),
)
def test_it_rejects_or_warns_every_bad_row(community_worker, bad, junk):
    r = row(id_number=ident(seq=4))
    index = {"id": 2, "phone": 3, "category": 7, "sex": 1}[bad]
    r[index] = junk
    run = ledger_import(run=import_run_create(user=community_worker, files=[write_csv([HEAD, r])]))
    s = run.summary
    assert s["rows"] == 1
    assert s["rejected"] == 1 or s["warnings"] >= 1 or _acceptable(bad, junk), s


def _acceptable(kind: str, text: str) -> bool:
    """The junk happens to be a valid value for the field."""
    from nuanxin.core import idnumber
    from nuanxin.ledgers.pipeline.normalise import NormaliseError, parse_categories

    try:
        if kind == "id":
            return idnumber.is_valid(text)
        if kind == "phone":
            from nuanxin.ledgers.pipeline.validate import _MASKED_PHONE, PHONE_PLACEHOLDERS

            if text in PHONE_PLACEHOLDERS or _MASKED_PHONE.fullmatch(text):
                return True  # "no number" and "masked number" leave the record as it is
            return bool(clean_phone_fast(text))
        if kind == "category":
            return bool(parse_categories(text)) or not text.strip()
    except (PhoneError, NormaliseError):
        return False
    return False


@given(st.text(alphabet="0123456789", min_size=11, max_size=11).map(lambda t: "1" + t[1:]))
def test_it_agrees_with_phonenumbers_on_mobiles(number):
    try:
        expected = normalize_phone(number)
    except PhoneError:
        expected = None
    try:
        fast = clean_phone_fast(number)
    except PhoneError:
        fast = None
    assert fast == expected
    if fast:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))


han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


@given(st.one_of(st.text(alphabet=han, min_size=1, max_size=4),
                 st.sampled_from(["单田芳", "曾经", "重庆", "长孙无忌", "蔡阿姨", "Tom李"]),
                 st.text(max_size=5)))  # fmt: skip
def test_it_computes_pinyin_exactly_as_pypinyin(name):
    # pypinyin's reading, but a leading surname with a reading of its own reads as one.
    surname = surname_of(name)
    rest = name[len(surname) :]
    syllables = SURNAMES.get(surname, "").split()
    full = "".join(syllables) + "".join(lazy_pinyin(rest, errors="default")).lower()
    initials = "".join(s[0] for s in syllables) + "".join(
        lazy_pinyin(rest, style=Style.FIRST_LETTER, errors="default")
    )
    assert name_pinyin(name) == full
    assert name_initials(name) == initials.lower()


def _csv_file(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


# Text a ledger may hold, including what makes CSV rows span lines or confuses
# a parser: quotes (paired or not), commas, CR, LF and CRLF.
csv_text = st.lists(
    st.sampled_from(['"', '""', ",", "\n", "\r", "\r\n", "a", "张", " ", "x,y", '"q"']),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    body=st.one_of(
        # what csv.writer writes (well-formed), or any text at all (not always)
        st.lists(st.lists(csv_text, max_size=4), max_size=12).map(_csv_file),
        csv_text,
    ),
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 4)), max_size=10),
)
def test_it_passes_over_csv_rows_exactly_where_csv_reads_them(tmp_path_factory, body, steps):
    from nuanxin.ledgers.pipeline.read import CsvRows

    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    path.write_text(body, encoding="utf-8", newline="")
    with open(path, encoding="utf-8", newline="") as fh:
        expected = list(csv.reader(fh))
    rows, at = CsvRows(path, "utf-8", ",", max(len(body), 1)), 0
    for read, count in steps:
        if read:
            got = list(itertools.islice(rows, count))
            assert got == expected[at : at + count]
            at += len(got)
        else:
            skipped = rows.skip(count)
            assert skipped == len(expected[at : at + count])
            at += skipped
    assert list(rows) == expected[at:]


@settings(max_examples=300, deadline=None)
@given(
    area=st.sampled_from(["510108", "510104", "110101", "440305", "510199"]),
    birth=st.text(alphabet="0123456789", min_size=8, max_size=8)
    | st.dates(dt.date(1890, 1, 1), dt.date(2026, 1, 1)).map(lambda d: d.strftime("%Y%m%d")),
    sequence=st.text(alphabet="0123456789", min_size=3, max_size=3),
    last=st.sampled_from("0123456789X"),
)
def test_it_checks_id_numbers_exactly_as_idnumber_does(area, birth, sequence, last):
    from nuanxin.ledgers.pipeline.validate import RegionResolver, Validator

    number = area + birth + sequence + last
    validator = Validator({"id_number": 0}, resolver=RegionResolver([], None), known_areas=None,
                          today=dt.date(2026, 11, 30))  # fmt: skip
    reasons = []
    fast = validator._identity(validator.texts([number]), [number], reasons, [])
    try:
        parsed = idnumber.parse(number, today=dt.date(2026, 11, 30))
    except idnumber.IDNumberError as exc:
        assert fast is None and reasons[0][0] == f"id_{exc.code}"
    else:
        assert fast == (parsed.number, parsed.sex, parsed.birth_date.isoformat())
