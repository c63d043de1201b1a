"""Ledgers in and out: formats, normalisation, rejections, merge, idempotence,
rollback, the error report round trip, scope, the command line and the pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from nuanxin.audit.models import AuditAction, AuditEvent
from nuanxin.core import idnumber
from nuanxin.ledgers import services
from nuanxin.ledgers.models import ImportRun, RejectedRow, RunStatus
from nuanxin.ledgers.pipeline import normalise as N
from nuanxin.ledgers.pipeline.headers import field_for
from nuanxin.ledgers.pipeline.read import detect_encoding
from nuanxin.registry.models import Contact, Disability, Enrollment, Person
from tests.conftest import HEMEI, HEMEI_GRID1

HEAD = ["姓名", "性别", "身份证号", "联系电话", "所属区县", "所属街道", "所属社区", "救助类别"]
_tmp = Path(tempfile.mkdtemp(prefix="ledgers-tests-"))
_n = iter(range(10**6))


def ident(year=1950, seq=2, area="510108") -> str:
    return idnumber.make(area, dt.date(year, 3, 4), seq)


def row(name="张三", sex="女", id_number=None, phone="13812345678", category="低保"):
    return [name, sex, id_number or ident(), phone, "成华区", "保和街道", "和美社区", category]


def write_csv(rows, *, encoding="utf-8", name=None) -> Path:
    path = _tmp / (name or f"ledger-{next(_n)}.csv")
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(sheets: dict[str, list[list]], name=None) -> Path:
    path = _tmp / (name or f"ledger-{next(_n)}.xlsx")
    workbook = xlsxwriter.Workbook(path)
    for title, rows in sheets.items():
        ws = workbook.add_worksheet(title)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                ws.write(r, c, value)
    workbook.close()
    return path


def write_ods(sheets: dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet (no writer library needed)."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    tables = "".join(
        f'<table:table table:name="{escape(title)}">'
        + "".join(
            "<table:table-row>" + "".join(cell.format(escape(str(c))) for c in r)
            + "</table:table-row>"
            for r in rows
        )
        + "</table:table>"
        for title, rows in sheets.items()
    )  # fmt: skip
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    path = _tmp / f"ledger-{next(_n)}.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def run_import(user, *paths) -> ImportRun:
    run = services.import_run_create(user=user, files=list(paths))
    return services.ledger_import(run=run)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- formats and encodings ----------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_it_reads_csv_in_every_encoding(community_worker, encoding):
    path = write_csv([HEAD, row(name="蔡阿姨")], encoding=encoding)
    run = run_import(community_worker, path)
    assert run.summary["created"] == 1, run.summary
    assert Person.objects.get().name == "蔡阿姨"


def test_it_detects_utf8_cut_mid_character():
    assert detect_encoding("蔡".encode()[:2]) == "utf-8"
    assert detect_encoding("蔡阿姨".encode("gb18030")) == "gb18030"


def test_it_reads_every_sheet_of_a_workbook_with_a_title_row(community_worker):
    path = write_xlsx(
        {
            "低保": [["和美社区低保台账"], HEAD, row(id_number=ident(seq=2))],
            "特困": [HEAD, row(id_number=ident(seq=4), category="特困")],
        }
    )
    run = run_import(community_worker, path)
    assert run.summary["created"] == 2
    assert [s["header_row"] for s in run.summary["sheets"]] == [2, 1]


def test_it_reads_opendocument_spreadsheets(community_worker):
    path = write_ods(
        {"一": [HEAD, row(id_number=ident(seq=2))], "二": [HEAD, row(category="高龄")]}
    )
    run = run_import(community_worker, path)
    assert (run.summary["created"], run.summary["updated"]) == (1, 1), run.summary


def test_it_reads_numbers_and_dates_from_excel_cells(community_worker):
    path = write_xlsx({"s": [[*HEAD, "出生日期"], [*row()[:3], 13812345678.0, *row()[4:], 18326]]})
    run = run_import(community_worker, path)
    assert run.summary["created"] == 1, run.summary
    assert Person.objects.get().phone == "13812345678"


def test_it_reports_unknown_columns_without_failing(community_worker):
    path = write_csv([[*HEAD, "奇怪列"], [*row(), "x"]])
    run = run_import(community_worker, path)
    assert run.summary["created"] == 1
    assert run.summary["sheets"][0]["unknown"] == ["奇怪列"]


@pytest.mark.parametrize(
    ("header", "field"),
    [("公民身份号码", "id_number"), ("* 身份证号码：", "id_number"), ("所属街道/乡镇", "street"),
     ("社区（村）", "community"), ("人员类别", "category"), ("联系电话(手机)", "phone"),
     ("ＩＤ　ｎｕｍｂｅｒ", "id_number"), ("照料人", "caregiver")],
)  # fmt: skip
def test_it_maps_header_variants(header, field):
    assert field_for(header) == field


# --- normalisation -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["1950-03-04", "1950/3/4", "1950.3.4", "1950年3月4日", "19500304", "18326",
             dt.date(1950, 3, 4), dt.datetime(1950, 3, 4), 18326.0, "1950-03-04 00:00:00"],
)  # fmt: skip
def test_it_reads_dates_as_people_type_them(text):
    assert N.parse_date(text) == dt.date(1950, 3, 4)


def test_it_reads_month_only_dates_as_the_first():
    assert N.parse_date("1950年3月") == dt.date(1950, 3, 1)


@pytest.mark.parametrize("text", ["1950-13-01", "abc", "0", "1950-02-30"])
def test_it_refuses_impossible_dates(text):
    with pytest.raises(N.NormaliseError):
        N.parse_date(text)


def test_it_folds_full_width_and_spaces():
    assert N.cell_text("  １３８ １２３４　５６７８ ") == "138 1234 5678"
    assert N.clean_name("王  五") == "王五"


@pytest.mark.parametrize(
    ("text", "value"), [("是", True), ("否", False), ("Y", True), ("无", False)]
)
def test_it_reads_yes_and_no(text, value):
    assert N.parse_bool(text) is value


@pytest.mark.parametrize(
    ("text", "codes"),
    [("低保", ("dibao",)), ("低保、独居老人", ("dibao", "elderly_alone")), ("低边", ("dibao_edge",)),
     ("特困（集中）", ("tekun_central",)), ("失独", ("family_planning",)), ("重残", ("severe_disability",)),
     ("dibao", ("dibao",))],
)  # fmt: skip
def test_it_maps_category_names_and_abbreviations(text, codes):
    assert N.parse_categories(text) == codes


def test_it_reads_disability_names_and_grades():
    assert N.parse_disability_category("肢体残疾") == 4
    assert [N.parse_disability_grade(g) for g in ("一级", "2级", "III", "4")] == [1, 2, 3, 4]


def test_it_normalises_a_messy_row(community_worker):
    messy = ["王  五", "男", " ５１０１０８１９５００３０４００１ｘ ", "１３８ １２３４ ５６７８",
             "成华", "保和", "和美", "低保、独居"]  # fmt: skip
    first17 = "51010819500304001"
    messy[2] = " " + first17.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    messy[2] += idnumber.check_char(first17).lower().replace("x", "ｘ")
    run = run_import(community_worker, write_csv([HEAD, messy]))
    assert run.summary["created"] == 1, run.summary
    person = Person.objects.get()
    assert (person.name, person.phone, person.region_id) == ("王五", "13812345678", HEMEI)
    assert person.id_number == first17 + idnumber.check_char(first17)
    assert set(person.enrollments.values_list("category", flat=True)) == {"dibao", "elderly_alone"}


# --- rejections and warnings --------------------------------------------------------
BAD = {
    "name_missing": row(name=""),
    "id_missing": row(id_number=" "),
    "id_masked": row(id_number="510108********0024"),
    "id_length": row(id_number="51010819500304"),
    "id_characters": row(id_number="51010819500304002A"),
    "id_province": row(id_number=idnumber.make("000108", dt.date(1950, 3, 4), 2)),
    "id_birth_date": row(id_number="510108195013040024"),
    "id_check_digit": row(id_number=ident()[:17] + ("0" if ident()[17] != "0" else "1")),
    "sex_mismatch": row(sex="男"),
    "phone_invalid": row(phone="1381234567"),
    "category_unknown": row(category="五保户补贴"),
    "region_unknown": [*row()[:6], "不存在社区", "低保"],
}


@pytest.mark.parametrize("code", sorted(BAD))
def test_it_rejects_each_bad_row_with_its_reason(community_worker, code):
    run = run_import(community_worker, write_csv([HEAD, BAD[code]]))
    assert run.summary["rejected"] == 1 and run.summary["created"] == 0
    rejected = RejectedRow.objects.get(run=run)
    assert code in [r[0] for r in rejected.reasons]
    assert rejected.row_number == 2 and rejected.values[0] == BAD[code][0]


def test_it_rejects_a_birth_date_that_contradicts_the_id(community_worker):
    run = run_import(community_worker, write_csv([[*HEAD, "出生日期"], [*row(), "1951-03-04"]]))
    assert run.summary["rejection_codes"] == {"birth_mismatch": 1}


@pytest.mark.parametrize(
    "spelling", ["{y}年{m}月{d}日", "{y}/{m}/{d}", "{y}.{m:02d}.{d:02d}", "{y}{m:02d}{d:02d}",
                 "{y}-{m}-{d}", "{y}年{m:02d}月{d:02d}日"],
)  # fmt: skip
def test_it_checks_a_birth_date_in_every_usual_spelling_against_the_id(community_worker, spelling):
    agrees = spelling.format(y=1950, m=3, d=4)
    differs = spelling.format(y=1950, m=3, d=5)
    run = run_import(
        community_worker,
        write_csv([[*HEAD, "出生日期"], [*row(), agrees], [*row(id_number=ident(seq=4)), differs]]),
    )
    assert (run.summary["created"], run.summary["rejection_codes"]) == (1, {"birth_mismatch": 1})
    assert not run.summary["warning_codes"]


def test_it_reads_every_usual_spelling_of_every_birth_date_as_that_date():
    """The validator takes a birth cell in one of these spellings as agreeing with the
    ID number without parsing it (validate._spellings): every day from 1890 to today."""
    from nuanxin.ledgers.pipeline.validate import _spellings

    day, last = dt.date(1890, 1, 1), dt.date.today()
    while day <= last:
        spellings = _spellings(day)
        assert [N.parse_date(text) for text in spellings] == [day] * len(spellings), spellings
        day += dt.timedelta(days=1)


def test_it_warns_on_a_historical_area_code(community_worker):
    run = run_import(community_worker, write_csv([HEAD, row(id_number=ident(area="510199"))]))
    assert run.summary["created"] == 1
    assert run.summary["warning_codes"].get("area_code") == 1


# --- one person, one record ---------------------------------------------------------
def test_it_merges_a_person_named_in_several_files(community_worker):
    a = write_csv([HEAD, row(category="低保")])
    b = write_xlsx({"s": [[*HEAD, "残疾类别", "残疾等级", "监护人", "监护人电话"],
                          [*row(category="独居老人"), "肢体", "二级", "张小明", "13912345678"]]})  # fmt: skip
    run = run_import(community_worker, a, b)
    assert (run.summary["created"], run.summary["updated"]) == (1, 1)
    person = Person.objects.get()
    assert set(person.enrollments.values_list("category", flat=True)) == {"dibao", "elderly_alone"}
    assert Disability.objects.get(person=person).grade == 2
    assert Contact.objects.get(person=person).is_guardian


def test_it_reports_conflicts_and_keeps_the_first_within_an_import(community_worker):
    a = write_csv([HEAD, row(name="张三", phone="13812345678")])
    b = write_csv([HEAD, row(name="张叁", phone="13912345678")])
    run = run_import(community_worker, a, b)
    assert run.summary["warning_codes"]["conflict"] == 2
    assert Person.objects.get().phone == "13812345678"


def test_it_lets_a_newer_ledger_update_the_phone_but_not_the_name(community_worker):
    run_import(community_worker, write_csv([HEAD, row(name="张三", phone="13812345678")]))
    run = run_import(community_worker, write_csv([HEAD, row(name="张叁", phone="13912345678")]))
    assert run.summary["updated"] == 1
    person = Person.objects.get()
    assert (person.name, person.phone) == ("张三", "13912345678")
    assert run.summary["warning_codes"] == {"conflict": 1, "updated": 1}


def test_it_changes_nothing_when_the_same_files_are_imported_again(community_worker):
    a = write_csv([HEAD, row(), row(id_number=ident(seq=4)), row(category="独居老人")])
    b = write_xlsx({"s": [HEAD, row(phone="13912345678"), row(id_number=ident(seq=6))]})
    first = run_import(community_worker, a, b)
    assert first.summary["created"] == 3
    counts = (Person.objects.count(), Enrollment.objects.count())
    again = run_import(community_worker, a, b)
    assert (again.summary["created"], again.summary["updated"]) == (0, 0)
    assert again.summary["unchanged"] == 5
    assert (Person.objects.count(), Enrollment.objects.count()) == counts


def test_it_matches_people_created_through_the_services(community_worker, ms_cai):
    run = run_import(community_worker, write_csv([HEAD, row(name="蔡阿姨", id_number=ms_cai.id_number,
                                                           category="独居老人")]))  # fmt: skip
    assert run.summary["unchanged"] == 1, run.summary


# --- nothing lost -------------------------------------------------------------------
def test_it_leaves_the_database_as_it_was_when_an_import_fails(community_worker, monkeypatch):
    from nuanxin.ledgers.pipeline import write

    calls = {"n": 0}
    original = write.Writer.flush

    def flaky(self, plan):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, plan)

    monkeypatch.setattr(write.Writer, "flush", flaky)
    path = write_csv([HEAD] + [row(id_number=ident(seq=2 * i)) for i in range(6)])
    run = services.import_run_create(user=community_worker, files=[path])
    with pytest.raises(RuntimeError):
        services.ledger_import(run=run, batch_rows=3)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    assert Person.objects.count() == 0 and RejectedRow.objects.count() == 0


def test_it_round_trips_the_error_report(community_worker):
    good, bad = row(id_number=ident(seq=2)), row(id_number=ident(seq=4), phone="1381234")
    run = run_import(community_worker, write_csv([HEAD, good, bad]))
    assert run.summary["rejected"] == 1
    report = CalamineWorkbook.from_path(run.error_report).get_sheet_by_index(0).to_python()
    assert report[0][: len(HEAD)] == HEAD and len(report) == 2
    assert "联系电话" in report[1][len(HEAD)]
    corrected = [[str(c) for c in r] for r in report]
    corrected[1][3] = "13812345679"
    again = run_import(community_worker, write_csv(corrected))
    assert (again.summary["created"], again.summary["rejected"]) == (1, 0), again.summary
    assert Person.objects.count() == 2


def test_it_audits_every_import(community_worker):
    run = run_import(community_worker, write_csv([HEAD, row()]))
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.object_id == str(run.pk) and event.changes["created"] == 1


# --- scope --------------------------------------------------------------------------
def test_it_rejects_rows_outside_the_importers_region(community_worker):
    outside = ["李四", "女", ident(seq=8, area="510104"), "13812345678", "锦江区", "春熙路街道",
               "和平社区", "低保"]  # fmt: skip
    run = run_import(community_worker, write_csv([HEAD, outside]))
    assert run.summary["rejection_codes"] == {"region_out_of_scope": 1}
    assert not Person.objects.exists()


def test_it_does_not_touch_a_person_recorded_outside_the_scope(grid_worker, grid2_person):
    run = run_import(grid_worker, write_csv([["姓名", "身份证号", "区划代码", "救助类别"],
                                             ["王大爷", grid2_person.id_number, HEMEI_GRID1, "独居老人"]]))  # fmt: skip
    assert run.summary["rejection_codes"] == {"region_out_of_scope": 1}
    assert list(grid2_person.enrollments.values_list("category", flat=True)) == ["dibao"]


# --- command line -------------------------------------------------------------------
def test_it_imports_from_the_command_line_as_json(places, capsys):
    path = write_csv([HEAD, row(), row(id_number="1")])
    call_command("import", str(path), "--json")
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {k: out[k] for k in ("rows", "created", "updated", "unchanged", "rejected")} == {
        "rows": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1}  # fmt: skip
    assert Path(out["error_report"]).is_file()


def test_it_applies_the_named_users_scope_on_the_command_line(community_worker, capsys):
    outside = ["李四", "女", ident(seq=8, area="510104"), "13812345678", "锦江区", "春熙路街道",
               "和平社区", "低保"]  # fmt: skip
    call_command("import", str(write_csv([HEAD, outside])), "--json", "--user", "hemei_worker")
    assert json.loads(capsys.readouterr().out)["rejected"] == 1


# --- export -------------------------------------------------------------------------
def test_it_exports_masked_and_reimports_a_revealed_export(community_worker, ms_cai, grid2_person):
    masked = io.BytesIO()
    services.people_export(user=community_worker, target=masked, filters={})
    masked.seek(0)
    rows = CalamineWorkbook.from_filelike(masked).get_sheet_by_index(0).to_python()
    assert ms_cai.id_number not in {c for r in rows for c in r}
    path = _tmp / "clear.xlsx"
    call_command("export", "people", "--region", "510108000000", "-o", str(path),
                 "--reveal", "re-import check")  # fmt: skip
    run = run_import(community_worker, path)
    assert run.summary["rejected"] == 0 and run.summary["unchanged"] == 2, run.summary
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2


def test_it_exports_what_the_list_shows_from_the_page(client, community_worker, ms_cai,
                                                       jinjiang_person):  # fmt: skip
    client.force_login(community_worker)
    response = client.get(reverse("ledgers:people_export"), {"q": "cay"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == ["蔡阿姨"]
    response = client.post(reverse("ledgers:people_export") + "?q=cay", {"reason": "探访核对"})
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[1][2] == ms_cai.id_number
    assert AuditEvent.objects.get(action=AuditAction.EXPORT, reason="探访核对")


# --- the pages ------------------------------------------------------------------------
def test_it_runs_the_page_flow(client, community_worker):
    client.force_login(community_worker)
    path = write_csv([HEAD, row(), row(id_number="123")], encoding="gb18030")
    with open(path, "rb") as fh:
        response = client.post(reverse("ledgers:import_start"), {"files": [fh]})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response.url)
    assert "张三" in page.content.decode() and page.status_code == 200
    response = client.post(response.url)
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert 'id="count-created">1<' in result
    assert client.get(reverse("ledgers:run_errors", args=[run.pk])).status_code == 200


def test_it_polls_progress_without_reloading(client, community_worker):
    client.force_login(community_worker)
    run = services.import_run_create(user=community_worker, files=[write_csv([HEAD, row()])])
    services.progress_write(run, 10, 0.5)
    run.status = RunStatus.RUNNING
    run.save()
    fragment = client.get(reverse("ledgers:run_progress", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "50%" in fragment


def test_it_gives_the_same_result_when_read_in_a_parallel_process(community_worker, monkeypatch):
    from nuanxin.ledgers.pipeline import run as pipeline_run

    rows = [HEAD] + [row(id_number=ident(seq=2 * i)) for i in range(30)] + [row(phone="1")]
    rows.append(row(id_number=ident(seq=4), category="独居老人"))  # named twice
    monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline_run, "CHUNK_ROWS", 7)
    run = services.import_run_create(user=community_worker, files=[write_csv(rows)])
    run = services.ledger_import(run=run, batch_rows=5)
    s = run.summary
    assert (s["rows"], s["created"], s["updated"], s["rejected"]) == (32, 30, 1, 1), s
    assert Person.objects.get(id_number=ident(seq=4)).enrollments.count() == 2


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_it_gives_the_same_outcome_with_several_readers_as_with_none(
    community_worker, monkeypatch, kind
):
    from nuanxin.ledgers.pipeline import run as pipeline_run

    rows = [["成华区困难群众台账"], HEAD]  # a title row above the header
    for i in range(30):
        rows.append(row(id_number=ident(seq=2 * i), category=["低保", "特困"][i % 2]))
        if i % 7 == 3:
            rows.append([""] * len(HEAD))  # blank rows keep their place in the numbering
        if i % 5 == 4:
            rows.append(row(id_number=ident(seq=2 * (i - 3)), category="独居老人"))  # again
        if i % 6 == 5:
            rows.append(row(id_number=ident(seq=2 * i), phone="1"))  # rejected
    path = write_csv(rows) if kind == "csv" else write_xlsx({"一": rows, "二": rows[:9]})

    def outcome(min_bytes):
        monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", min_bytes)
        run = services.ledger_import(
            run=services.import_run_create(user=community_worker, files=[path]), batch_rows=4
        )
        # The ids given differ between the two databases' histories; the rest must not.
        summary = {k: v for k, v in run.summary.items() if k != "created_sample"}
        assert len(run.summary["created_sample"]) == 20
        result = (
            summary,
            sorted((r.sheet, r.row_number, r.values[2]) for r in run.rejected_rows.all()),
            sorted(Enrollment.objects.values_list("person__id_number", "category")),
        )
        Person.objects.all().delete()
        return result

    monkeypatch.setattr(pipeline_run, "READERS", 3)
    monkeypatch.setattr(pipeline_run, "CHUNK_ROWS", 4)
    alone, together = outcome(None), outcome(0)
    assert alone[0]["created"] == 30 and alone[0]["rejected"] == 5
    assert together == alone


def test_it_stores_awkward_text_alike_with_several_readers_and_with_none(
    community_worker, monkeypatch
):
    """A tab, a newline, a backslash or a literal \\N in a cell arrives as it was read,
    through the reader processes and without them, into an empty registry and into one
    that has people already (COPY then sends other columns on PostgreSQL)."""
    from nuanxin.ledgers.pipeline import run as pipeline_run

    head = [*HEAD, "住址", "备注"]
    awkward = ["3栋\t2单元", "C:\\家\\门", "\\N", "一楼\n右手边", "回车\r之后", "'=1+1", ""]

    def rows(seed: int) -> list:
        out = [head]
        for i in range(21):
            text = awkward[i % len(awkward)]
            out.append([*row(id_number=ident(seq=2 * i + seed)), text, text[::-1]])
        return out

    def stored(seed: int) -> list:
        people = Person.objects.filter(id_number__in=[ident(seq=2 * i + seed) for i in range(21)])
        return sorted(
            people.values_list(
                "id_number", "name", "name_pinyin", "sex", "birth_date", "phone", "address",
                "note", "region_id", "registered_region_id", "district", "status", "living",
                "tier", "adl_eating", "household_id", "relation_to_head", "enrollments__category",
                "enrollments__start_date", "enrollments__end_date",
            )
        )  # fmt: skip

    def imported(seed: int, min_bytes) -> list:
        monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", min_bytes)
        path = write_csv(rows(seed), name=f"awkward-{seed}.csv")
        run = services.ledger_import(
            run=services.import_run_create(user=community_worker, files=[path]), batch_rows=4
        )
        assert (run.summary["created"], run.summary["rejected"]) == (21, 0), run.summary
        return stored(seed)

    monkeypatch.setattr(pipeline_run, "CHUNK_ROWS", 3)
    first_alone = imported(0, None)
    later_alone = imported(100, None)  # into a registry that has people
    Person.objects.all().delete()
    assert imported(0, 0) == first_alone
    assert imported(100, 0) == later_alone
    sources = set(Enrollment.objects.values_list("source", flat=True))
    assert len(sources) == 2 and all(s.startswith("import #") for s in sources), sources
    kept = {address for _i, _n, _p, _s, _b, _ph, address, *_rest in first_alone}
    assert {"3栋\t2单元", "C:\\家\\门", "\\N", "一楼\n右手边"} <= kept, kept


def test_it_puts_back_every_index_and_key_a_first_import_set_aside(community_worker):
    """A first import drops the person table's indexes (and on PostgreSQL the foreign
    keys of the tables it fills, and gives the constant columns defaults the server
    fills) and puts it all back at the end: all of it, as it was, and holding."""
    from django.db import IntegrityError, connection, transaction

    from nuanxin.ledgers.pipeline.write import FILLED_TABLES

    def keys() -> dict:
        with connection.cursor() as cursor:
            return {
                table: (
                    connection.introspection.get_constraints(cursor, table),
                    [
                        (c.name, c.default)
                        for c in connection.introspection.get_table_description(cursor, table)
                    ],
                )  # fmt: skip
                for table in FILLED_TABLES
            }

    before = keys()
    assert before["registry_enrollment"][0] and before["registry_person"][0]
    started = timezone.now()
    run_import(community_worker, write_csv([HEAD, row(category="低保"),
                                            row(id_number=ident(seq=4))]))  # fmt: skip
    assert keys() == before
    # The columns no ledger names hold the model's defaults and the import's time.
    person = Person.objects.get(id_number=ident())
    assert (person.relation_to_head, person.household_id) == ("", None)
    assert not any(getattr(person, f"adl_{a}") for a in ("eating", "walking", "bathing"))
    assert started <= person.created_at == person.updated_at <= timezone.now()
    enrollment = person.enrollments.get()
    assert (enrollment.end_date, enrollment.created_at) == (None, person.created_at)
    assert enrollment.source
    before = before["registry_person"]
    assert before[0]["person_id_number_unique"]["unique"]
    with pytest.raises(IntegrityError), transaction.atomic():  # the region key holds again
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_person SET region_id = %s WHERE id = %s",
                ["999999999999", person.pk],
            )
        connection.check_constraints(table_names=["registry_person"])


def test_it_rolls_back_and_stops_the_reader_when_a_parallel_import_fails(
    community_worker, monkeypatch
):
    from nuanxin.ledgers.pipeline import run as pipeline_run
    from nuanxin.ledgers.pipeline import write

    monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline_run, "CHUNK_ROWS", 2)

    def broken(self, plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write.Writer, "flush", broken)
    path = write_csv([HEAD] + [row(id_number=ident(seq=2 * i)) for i in range(40)])
    run = services.import_run_create(user=community_worker, files=[path])
    with pytest.raises(RuntimeError):
        services.ledger_import(run=run, batch_rows=3)
    import multiprocessing

    assert not multiprocessing.active_children()
    assert not Person.objects.exists()


# --- the visits app after a bulk load ------------------------------------------------
def test_it_gives_imported_people_their_visit_duty(community_worker):
    from nuanxin.visits.models import VisitSchedule

    run = run_import(community_worker, write_csv([HEAD, row(category="特困"),
                                                  row(id_number=ident(seq=4), category="低保")]))  # fmt: skip
    assert run.summary["created"] == 2
    sched = VisitSchedule.objects.get(person__id_number=ident())
    assert sched.tier and sched.active and sched.due_on is not None
    assert Person.objects.get(id_number=ident()).tier == sched.tier


def test_it_queues_the_visit_duties_of_a_big_import_by_district(
    community_worker, monkeypatch, django_capture_on_commit_callbacks
):
    from nuanxin.visits.models import VisitSchedule

    monkeypatch.setattr(services, "INLINE_REFRESH", 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_import(community_worker, write_csv([HEAD, row(category="特困"),
                                                row(id_number=ident(seq=4), category="特困")]))  # fmt: skip
    assert not VisitSchedule.objects.exists()  # not until the import has committed
    for callback in callbacks:
        callback()  # the immediate task backend runs the refresh at once
    assert VisitSchedule.objects.filter(tier__gt="").count() == 2


def test_it_keeps_the_cells_of_rows_rejected_in_a_parallel_import(
    grid_worker, grid2_person, monkeypatch
):
    from nuanxin.ledgers.pipeline import run as pipeline_run

    monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", 0)
    head = ["姓名", "身份证号", "区划代码", "救助类别"]
    rows = [head, ["王大爷", grid2_person.id_number, HEMEI_GRID1, "独居老人"],
            ["李四", ident(seq=6), HEMEI_GRID1, "低保"], ["赵五", "123", HEMEI_GRID1, "低保"]]  # fmt: skip
    run = run_import(grid_worker, write_csv(rows))
    assert run.summary["rejection_codes"] == {"region_out_of_scope": 1, "id_length": 1}
    kept = {r.values[0]: r.values for r in RejectedRow.objects.filter(run=run)}
    assert kept["王大爷"] == rows[1] and kept["赵五"] == rows[3]
    assert run.summary["created"] == 1


def test_it_copies_the_wal_into_the_database_in_a_thread(tmp_path):
    import sqlite3

    from nuanxin.ledgers.pipeline.write import checkpoint_in_background

    path = tmp_path / "wal.sqlite3"
    database = sqlite3.connect(path, isolation_level=None)
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("PRAGMA wal_autocheckpoint = 0")  # as during an import
    database.execute("CREATE TABLE t (x)")
    database.executemany("INSERT INTO t VALUES (?)", [(str(i) * 20,) for i in range(20000)])
    before = path.stat().st_size
    checkpoint_in_background(str(path)).join()
    assert path.stat().st_size > before + 200_000
    database.close()


def test_it_writes_every_row_of_a_batch_in_multi_row_statements(community_worker, monkeypatch):
    from django.db import connection

    from nuanxin.ledgers.pipeline import write

    if connection.vendor != "sqlite":
        pytest.skip("multi-row INSERTs are the SQLite path; PostgreSQL uses COPY")
    monkeypatch.setattr(write.SqliteInsert, "ROWS", 2)  # two full statements and a part
    rows = [HEAD] + [row(id_number=ident(seq=2 * i), category="低保、特困") for i in range(5)]
    run = run_import(community_worker, write_csv(rows))
    assert run.summary["created"] == 5
    assert Enrollment.objects.filter(person__id_number=ident(seq=8)).count() == 2
    assert Enrollment.objects.count() == 10 and Person.objects.count() == 5


def test_it_leaves_no_error_report_when_the_import_fails_at_the_end(community_worker, monkeypatch):
    from nuanxin.ledgers.pipeline import write

    def broken(self):
        raise RuntimeError("disk full")  # after every row was read: the report is under way

    monkeypatch.setattr(write.Writer, "finish", broken)
    run = services.import_run_create(
        user=community_worker, files=[write_csv([HEAD, row(), row(id_number="123")])]
    )
    with pytest.raises(RuntimeError):
        services.ledger_import(run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and not run.error_report
    assert not list(services.run_dir(run).glob("errors-*.xlsx"))
    assert not Person.objects.exists()
