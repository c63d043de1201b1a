"""Ledgers as bureaus have them: first-generation 15-digit ID numbers, foreigners'
permanent-residence numbers, and regions a map change retired (issue #17 item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from nuanxin.core import idnumber
from nuanxin.ledgers.models import RejectedRow
from nuanxin.ledgers.pipeline.validate import MESSAGES, RegionResolver, Validator
from nuanxin.ledgers.services import reason_text
from nuanxin.mapchange import services as mapchange
from nuanxin.regions.models import Level, Region
from nuanxin.regions.services import region_create
from nuanxin.registry.models import Enrollment, Person
from tests.conftest import BAOHE, HEMEI, HEMEI_GRID1
from tests.factories import make_person
from tests.test_ledgers import HEAD, media, row, run_import, write_csv  # noqa: F401 (media: autouse)

HEPING = "510108010002"
TODAY = timezone.localdate()


def to_15(number18: str) -> str:
    return number18[:6] + number18[8:17]


# --- first-generation numbers -------------------------------------------------------------
def test_it_updates_the_18_digit_person_from_a_15_digit_row_with_a_warning(community_worker):
    number = idnumber.make("510108", dt.date(1936, 8, 9), 24)  # even: a woman, as row() says
    person = make_person(name="张三", region=HEMEI_GRID1, id_number=number, phone="13700000000")
    run = run_import(community_worker, write_csv([HEAD, row(id_number=to_15(number))]))
    s = run.summary
    assert (s["created"], s["updated"], s["rejected"]) == (0, 1, 0), s
    assert s["warning_codes"].get("upgraded_15") == 1
    detail = next(d for d in s["warning_details"] if d[3] == "upgraded_15")
    assert detail[4] == "id_number" and detail[5] == f"{to_15(number)} → {number}"
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.phone == "13812345678"  # the ledger's newer phone
    assert Enrollment.objects.filter(person=person, category="dibao").exists()


def test_it_creates_a_15_digit_person_under_the_18_digits_and_matches_both_forms(community_worker):
    number = idnumber.make("510108", dt.date(1936, 8, 9), 24)
    # One import naming the person by both forms: one person, merged.
    run = run_import(
        community_worker,
        write_csv([HEAD, row(id_number=to_15(number)), row(id_number=number, category="独居老人")]),
    )
    assert (run.summary["created"], run.summary["updated"]) == (1, 1), run.summary
    person = Person.objects.get()
    assert person.id_number == number and person.birth_date == dt.date(1936, 8, 9)
    assert set(person.enrollments.values_list("category", flat=True)) == {"dibao", "elderly_alone"}


def test_it_rejects_a_bad_15_digit_row_with_its_reason(community_worker):
    run = run_import(
        community_worker,
        write_csv([HEAD, row(name="甲", id_number="51010836080912X"),
                   row(name="乙", id_number="510108360230124")]),
    )  # fmt: skip
    assert run.summary["rejection_codes"] == {"id_characters_15": 1, "id_birth_date": 1}
    assert not Person.objects.exists()


def test_it_rejects_a_15_digit_row_whose_sex_contradicts_the_number(community_worker):
    number = idnumber.make("510108", dt.date(1936, 8, 9), 25)  # odd: a man
    run = run_import(community_worker, write_csv([HEAD, row(sex="女", id_number=to_15(number))]))
    assert run.summary["rejection_codes"] == {"sex_mismatch": 1}


# --- foreigners' permanent-residence numbers ------------------------------------------------
def test_it_imports_a_foreigners_permanent_residence_number(community_worker):
    number = idnumber.make_foreign("51", "826", dt.date(1948, 2, 3), 22)
    run = run_import(community_worker, write_csv([HEAD, row(name="Smith Jane", id_number=number)]))
    assert (run.summary["created"], run.summary["warnings"]) == (1, 0), run.summary
    person = Person.objects.get()
    assert (person.id_number, person.sex, person.birth_date) == (number, "F", dt.date(1948, 2, 3))
    # Imported again: the same person, unchanged.
    again = run_import(
        community_worker, write_csv([HEAD, row(name="Smith Jane", id_number=number)])
    )
    assert again.summary["created"] == 0 and Person.objects.count() == 1


def test_it_warns_of_an_unknown_nationality_code_and_rejects_a_bad_province(community_worker):
    unknown = idnumber.make_foreign("51", "999", dt.date(1948, 2, 3), 22)
    bad_province = idnumber.make_foreign("81", "826", dt.date(1948, 2, 3), 24)
    run = run_import(
        community_worker,
        write_csv(
            [HEAD, row(name="甲", id_number=unknown), row(name="乙", id_number=bad_province)]
        ),
    )
    s = run.summary
    assert (s["created"], s["rejected"]) == (1, 1), s
    assert s["warning_codes"] == {"nationality_code": 1}
    assert s["rejection_codes"] == {"id_foreign_province": 1}
    with translation.override("en"):
        text = reason_text(RejectedRow.objects.get(run=run).reasons)
    assert "permanent-residence" in text and bad_province in text


def test_it_gives_every_new_reason_a_message():
    for code in ("id_characters_15", "id_foreign_province", "region_retired", "upgraded_15",
                 "nationality_code", "area_code"):  # fmt: skip
        with translation.override("zh-hans"):
            chinese = str(MESSAGES[code])
        with translation.override("en"):
            assert chinese and chinese != str(MESSAGES[code])


def test_it_takes_the_fast_path_only_for_residents_numbers():
    # A 9… number must never be read as a resident's by the ledger's own shortcut.
    validate = Validator({"id_number": 0}, resolver=RegionResolver([], None), known_areas=None)
    first17 = "91010819360809002"  # 91 was once in the province list
    record, reasons = validate([first17 + idnumber.check_char(first17)])
    assert (
        record is None
        and ("id_foreign_province", "id_number", first17 + idnumber.check_char(first17)) in reasons
    )


# --- regions a map change retired -----------------------------------------------------------
@pytest.fixture
def merged(places, city_admin):
    """和平社区 (HEPING) merged into 和美社区 (HEMEI) today."""
    b = region_create(code=HEPING, name="和平社区", parent=Region.objects.get(code=BAOHE))
    region_create(code=HEPING + "001", name="和平社区第一网格", parent=b)
    mapchange.change_merge(user=city_admin, code=HEPING, into=HEMEI, effective_on=TODAY)
    return b


def test_it_rejects_a_retired_region_by_name_or_code_with_its_successor(street_officer, merged):
    by_name = [*row(name="甲")[:6], "和平社区", "低保"]
    code_head = [*HEAD[:4], "区划代码", "救助类别"]
    by_code = [*row(name="乙", id_number=idnumber.make("510108", dt.date(1950, 3, 4), 4))[:4],
               HEPING, "低保"]  # fmt: skip
    by_grid_code = [
        *row(name="丙", id_number=idnumber.make("510108", dt.date(1950, 3, 4), 8))[:4],
        HEPING + "001",
        "低保",
    ]
    current = row(name="丁", id_number=idnumber.make("510108", dt.date(1950, 3, 4), 6))
    run = run_import(
        street_officer,
        write_csv([HEAD, by_name, current]),
        write_csv([code_head, by_code, by_grid_code]),
    )
    s = run.summary
    assert (s["created"], s["rejected"]) == (1, 3), s
    assert s["rejection_codes"] == {"region_retired": 3}
    rejected = {r.values[0]: r.reasons for r in RejectedRow.objects.filter(run=run)}
    details = {name: reasons[0][2] for name, reasons in rejected.items()}
    assert details["甲"] == f"和平社区 {HEPING} → 和美社区 {HEMEI} ({TODAY.isoformat()})"
    assert details["乙"] == details["甲"]
    assert details["丙"].startswith(f"和平社区第一网格 {HEPING}001 → ")
    assert details["丙"].endswith(f"({TODAY.isoformat()})")
    with translation.override("en"):
        text = reason_text(rejected["甲"])
    assert "retired by an administrative change" in text and "和美社区" in text
    assert not Person.objects.filter(region__code__startswith=HEPING).exists()


def test_it_still_calls_a_region_that_never_existed_unknown(street_officer, merged):
    run = run_import(street_officer, write_csv([HEAD, [*row()[:6], "幸福社区", "低保"]]))
    assert run.summary["rejection_codes"] == {"region_unknown": 1}


def test_it_shows_the_retired_region_in_the_preview(street_officer, merged):
    from nuanxin.ledgers import selectors, services

    path = write_csv([HEAD, [*row()[:6], "和平社区", "低保"]])
    run = services.import_run_create(user=street_officer, files=[path])
    with translation.override("en"):
        sheets = selectors.import_preview(run=run, user=street_officer)
    (note,) = sheets[0]["rows"][0]["notes"]
    assert note[0] == "region_retired" and "和美社区" in note[3]
    assert "retired by an administrative change" in note[2]


def test_it_follows_a_chain_of_changes_to_the_region_in_use_today():
    day = dt.date(2026, 6, 1)
    resolver = RegionResolver(
        [("510108010009", "新和社区", Level.COMMUNITY)],
        None,
        [
            ("510108010002", "和平社区", Level.COMMUNITY, "510108010001", "和美社区", day),
            ("510108010001", "和美社区", Level.COMMUNITY, "510108010009", "新和社区", day),
        ],
    )
    assert resolver.resolve("510108010002", ("", "", "", "")) == ("510108010002", "region_retired")
    assert resolver.retired["510108010002"] == (
        "和平社区 510108010002 → 新和社区 510108010009 (2026-06-01)"
    )
    assert resolver.resolve("510108010099", ("", "", "", "")) == ("", "region_unknown")


def test_it_shows_each_warning_with_its_message_on_the_run_page(client, community_worker, outsider):
    number = idnumber.make("510108", dt.date(1936, 8, 9), 24)
    run = run_import(community_worker, write_csv([HEAD, row(id_number=to_15(number))]))
    client.force_login(community_worker)
    url = reverse("ledgers:run_detail", args=[run.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A first-generation 15-digit ID number: upgraded to its 18 digits" in page
    assert f"{to_15(number)} → {number}" in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第一代 15 位身份证号码：已升位为 18 位" in page
    # Somebody else's run is not there for another user.
    client.force_login(outsider)
    assert client.get(url).status_code == 404
