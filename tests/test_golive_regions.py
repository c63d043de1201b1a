"""`nuanxin regions import`: the official division codes into the region tree (issue #17)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from nuanxin.audit.models import AuditEvent
from nuanxin.core.xlsx import LedgerSheet, write_ledger
from nuanxin.ledgers.regions_import import region_file_import
from nuanxin.regions.models import Level, Region

HEADER = "统计用区划代码,名称,层级,上级代码\n"
TREE = (
    "510000000000,四川省,省,\n"
    "510108000000,成华区,区县,510100000000\n"
    "510108099000,测试街道,街道,510108000000\n"
    "510108099001,测试社区,社区,510108099000\n"
    "510108099001001,测试社区第一网格,网格,510108099001\n"
)


def _csv(tmp_path, text: str, name: str = "regions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_loads_a_tree_and_a_second_import_changes_nothing(tmp_path):
    path = _csv(tmp_path, HEADER + TREE)
    first = region_file_import(path=path)
    assert first.counts() == {
        "rows": 5, "created": 3, "renamed": 0, "unchanged": 1, "skipped": 1, "rejected": 0
    }  # fmt: skip
    grid = Region.objects.get(code="510108099001001")
    assert grid.level == Level.GRID and grid.parent_id == "510108099001"
    assert Region.objects.get(code="510108099000").parent_id == "510108000000"
    assert not Region.objects.filter(code="510000000000").exists()  # the province: skipped
    total = Region.objects.count()

    again = region_file_import(path=path)
    assert again.counts()["unchanged"] == 4
    assert again.created == [] and again.renamed == []
    assert Region.objects.count() == total
    event = AuditEvent.objects.filter(action="import", object_type="regions.region").latest("at")
    assert event.changes["unchanged"] == 4 and event.changes["created"] == 0


@pytest.mark.django_db
def test_it_renames_takes_parents_in_any_order_and_never_deletes(tmp_path):
    region_file_import(path=_csv(tmp_path, HEADER + TREE))
    # Children before their parent, a new name for the street, the community left out.
    text = HEADER + "510108099002,新社区,社区,\n510108099000,新名街道,街道,\n"
    outcome = region_file_import(path=_csv(tmp_path, text, "second.csv"))
    assert outcome.renamed == [("510108099000", "测试街道", "新名街道")]
    assert [c[0] for c in outcome.created] == ["510108099002"]
    assert Region.objects.get(code="510108099000").name == "新名街道"
    assert Region.objects.filter(code="510108099001").exists()  # not in the file: kept


# One bad row (the file's last) per reason; rows before it are valid.
REJECTIONS = {
    "code_missing": ",无代码社区,社区,",
    "code_format": "51010809900,短代码,社区,",
    "code_structure": "510100099001,缺区县,社区,",
    "name_missing": "510108099003,,社区,",
    "name_too_long": "510108099003," + "长" * 61 + ",社区,",
    "level_unknown": "510108099003,某社区,大区,",
    "level_mismatch": "510108099003,某社区,街道,",
    "parent_mismatch": "510108099003,某社区,社区,510104099000",
    "parent_missing": "510108098001,孤儿社区,社区,",
    "duplicate": "510108099001,测试社区,社区,",
}


@pytest.mark.django_db
@pytest.mark.parametrize("reason", sorted(REJECTIONS))
def test_it_rejects_a_row_with_its_number_and_reason(tmp_path, reason):
    text = HEADER + TREE + REJECTIONS[reason] + "\n"
    outcome = region_file_import(path=_csv(tmp_path, text))
    assert [(r.number, [code for code, _f in r.reasons]) for r in outcome.rejected] == [
        (7, [reason])
    ]
    assert outcome.counts()["created"] == 3  # the valid rows are in all the same


@pytest.mark.django_db
def test_it_rejects_the_children_of_a_rejected_parent(tmp_path):
    text = HEADER + "510108097000,,街道,\n510108097001,子社区,社区,\n"
    outcome = region_file_import(path=_csv(tmp_path, text))
    assert [(r.number, r.reasons[0][0]) for r in outcome.rejected] == [
        (2, "name_missing"),
        (3, "parent_missing"),
    ]
    assert not Region.objects.filter(code__in=["510108097000", "510108097001"]).exists()


@pytest.mark.django_db
def test_it_reads_xlsx_with_english_headers_and_a_dry_run_changes_nothing(tmp_path):
    path = tmp_path / "regions.xlsx"
    rows = [["510108099000", "Test street", "township"], ["510108099001", "测试社区", "village"]]
    write_ledger(path, [LedgerSheet(title="tree", headers=["code", "name", "level"], rows=rows)])
    out = io.StringIO()
    call_command("regions", "import", str(path), "--dry-run", stdout=out)
    assert "would create 510108099001 测试社区 (village)" in out.getvalue()
    assert not Region.objects.filter(code="510108099000").exists()
    assert not AuditEvent.objects.filter(action="import", object_type="regions.region").exists()
    call_command("regions", "import", str(path), stdout=io.StringIO())
    assert Region.objects.get(code="510108099001").parent_id == "510108099000"


@pytest.mark.django_db
def test_it_writes_an_error_report_to_correct_and_import_again(tmp_path):
    path = _csv(tmp_path, HEADER + TREE + "510108099003,,社区,\n")
    report = tmp_path / "errors.xlsx"
    out = io.StringIO()
    call_command("regions", "import", str(path), "--error-report", str(report), stdout=out)
    assert "reject row 7" in out.getvalue()
    sheet = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert sheet[1][:2] == ["510108099003", ""]
    assert "#7" in sheet[1][-1]
    # Corrected and imported again: the report's extra columns are not read.
    fixed = tmp_path / "fixed.xlsx"
    write_ledger(
        fixed,
        [
            LedgerSheet(
                title="x", headers=sheet[0], rows=[["510108099003", "改好社区", "社区", "", "", ""]]
            )
        ],
    )
    again = region_file_import(path=fixed)
    assert [c[0] for c in again.created] == ["510108099003"]


@pytest.mark.django_db
def test_it_refuses_a_file_without_a_code_and_a_name_column_whole(tmp_path):
    from django.core.management.base import CommandError
    from django.utils import translation

    path = _csv(tmp_path, "区划,备注\n510108099000,测试\n")
    with translation.override("en"), pytest.raises(CommandError, match="no header row"):
        call_command("regions", "import", str(path), stdout=io.StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="use .xlsx"):
        call_command("regions", "import", str(_csv(tmp_path, HEADER, "tree.pdf")),
                     stdout=io.StringIO())  # fmt: skip
