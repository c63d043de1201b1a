"""Uploads and imports are bounded (issue #11, item 2): size, rows, the
uncompressed size and compression ratio of workbooks, shared strings and cells,
checked before reading; refused and failed uploads leave nothing on disk and
are audited like successful ones."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import python_calamine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from nuanxin.audit.models import AuditAction, AuditEvent
from nuanxin.ledgers import services
from nuanxin.ledgers.models import ImportRun, RejectedRow, RunStatus
from nuanxin.ledgers.pipeline import run as pipeline_run
from nuanxin.ledgers.pipeline.limits import MB, LedgerLimitError, Limits
from nuanxin.ledgers.pipeline.read import CsvRows
from nuanxin.registry.models import Person
from tests.test_ledgers import HEAD, ident, row, write_csv, write_ods, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    """The refusals read in English here (the pages ask for it); one test reads Chinese."""
    with translation.override("en"):
        yield


def stored_files() -> list[Path]:
    """Everything the ledgers keep on disk."""
    root = services.runs_dir()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def import_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.IMPORT).order_by("id"))


def rows(n: int) -> list[list]:
    return [HEAD] + [row(id_number=ident(seq=2 * i)) for i in range(n)]


@pytest.fixture
def no_reading(monkeypatch):
    """Fails the test if a workbook is opened: the limits must refuse it first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was read")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def hostile_xlsx(part: str, size: int, *, name: str = "evil.xlsx", directory: Path) -> Path:
    """A real workbook whose `part` is replaced by `size` bytes of one repeated
    letter inside the right XML: a few hundred KB on disk."""
    source = write_xlsx({"Sheet1": [HEAD, row()]})
    path = directory / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != part:
                out.writestr(info.filename, src.read(info.filename))
        if part.endswith("sharedStrings.xml"):
            head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            tail = b"</t></si></sst>"
        else:
            head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            tail = b"</t></is></c></row></sheetData></worksheet>"
        with out.open(part, "w", force_zip64=True) as fh:
            fh.write(head)
            block = b"A" * MB
            for _ in range(size // MB):
                fh.write(block)
            fh.write(tail)
    return path


def upload(client, path: Path, language: str = "en"):
    with open(path, "rb") as fh:
        return client.post(
            reverse("ledgers:import_start"), {"files": [fh]}, HTTP_ACCEPT_LANGUAGE=language
        )


# --- refused at once, with the limit named --------------------------------------------
def test_it_refuses_a_huge_shared_string_before_reading_it(
    client, community_worker, tmp_path, no_reading
):
    # The file: one 200 MB shared string in a ~200 KB workbook.
    path = hostile_xlsx("xl/sharedStrings.xml", 200 * MB, directory=tmp_path)
    assert path.stat().st_size < 1 * MB
    client.force_login(community_worker)
    response = upload(client, path)
    assert response.status_code == 200  # the form again, with the refusal
    page = response.content.decode()
    assert "NUANXIN_UPLOAD_MAX_SHARED_STRINGS_MB" in page and "100.0 MB" in page
    assert not ImportRun.objects.exists() and stored_files() == []
    (event,) = import_events()
    assert event.user == community_worker
    assert event.changes["result"] == "refused" and event.changes["limit"] == "shared_strings"
    assert event.changes["files"] == ["evil.xlsx"]


def test_it_refuses_a_zip_bomb_before_reading_it(community_worker, tmp_path, no_reading):
    path = hostile_xlsx("xl/worksheets/sheet1.xml", 400 * MB, directory=tmp_path)
    with pytest.raises(ValidationError) as refused:
        services.import_run_create(user=community_worker, files=[path])
    assert "NUANXIN_UPLOAD_MAX_UNCOMPRESSED_MB" in str(refused.value)
    assert stored_files() == []


def test_it_refuses_a_workbook_compressed_too_well(
    settings, community_worker, tmp_path, no_reading
):
    # Under the size limits, yet at a ratio no spreadsheet reaches.
    path = hostile_xlsx("xl/worksheets/sheet1.xml", 20 * MB, directory=tmp_path)
    with pytest.raises(ValidationError) as refused:
        services.import_run_create(user=community_worker, files=[path])
    assert "NUANXIN_UPLOAD_MAX_COMPRESSION_RATIO" in str(refused.value)
    settings.LEDGER_MAX_COMPRESSION_RATIO = 10_000
    run = services.import_run_create(
        user=community_worker, files=[path]
    )  # the limit is the setting
    assert run.files


@pytest.mark.parametrize("spelling", ["plain", "folded"])
def test_it_refuses_two_cells_far_apart_before_reading_them(
    community_worker, tmp_path, no_reading, spelling
):
    # The reader makes a sheet as big as its farthest cell: a 5 KB workbook with
    # a cell in A1 and one in XFD1048576 would take terabytes.
    source = write_xlsx({"Sheet1": [HEAD, row()]})
    path = tmp_path / "far.xlsx"
    far = '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    if spelling == "folded":  # other white space, the other quote, lower case
        far = "<c\tr='xfd1048576'\tt='inlineStr'><is><t>x</t></is></c>"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>", f'<row r="1048576">{far}</row></sheetData>'.encode()
                )
            out.writestr(info.filename, data)
    assert path.stat().st_size < 10_000
    with pytest.raises(ValidationError) as refused:
        services.import_run_create(user=community_worker, files=[path])
    assert "NUANXIN_IMPORT_MAX_SHEET_CELLS" in str(refused.value)
    assert "1,048,576" in str(refused.value) and "16,384" in str(refused.value)
    assert stored_files() == []


def test_it_refuses_an_opendocument_sheet_of_repeated_cells_before_reading_it(
    community_worker, tmp_path, no_reading
):
    # One cell holding a value, repeated 1,000 columns by 10,000 rows: under a
    # kilobyte on disk, over a gigabyte once read.
    repeated = (
        '<table:table-row table:number-rows-repeated="10000"><table:table-cell'
        ' office:value-type="string" table:number-columns-repeated="1000"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )
    source = write_ods({"S": [HEAD, row()]})
    path = tmp_path / "repeated.ods"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(b"</table:table>", repeated.encode() + b"</table:table>")
            out.writestr(info, data)
    assert path.stat().st_size < 2_000
    with pytest.raises(ValidationError) as refused:
        services.import_run_create(user=community_worker, files=[path])
    assert "10,002" in str(refused.value) and "1,000" in str(refused.value)
    assert "NUANXIN_IMPORT_MAX_SHEET_CELLS" in str(refused.value)


def test_it_spans_an_opendocument_sheet_to_its_last_value(community_worker):
    # Trailing empty repeats (every OpenDocument sheet has a million) span nothing.
    source = write_ods({"S": [HEAD, row(), row(id_number=ident(seq=4))]})
    empty = (
        '<table:table-column table:number-columns-repeated="1024"/>'
        '<table:table-row table:number-rows-repeated="1048573">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    path = source.with_name("trailing.ods")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(b"</table:table>", empty.encode() + b"</table:table>")
            out.writestr(info, data)
    run = services.ledger_import(
        run=services.import_run_create(user=community_worker, files=[path])
    )
    assert run.summary["created"] == 2


def test_it_refuses_a_damaged_workbook_instead_of_failing(client, community_worker, tmp_path):
    path = write_xlsx({"Sheet1": [HEAD, *(row(name=f"张{i}") for i in range(300))]})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 200  # inside the compressed sheet
    data[start : start + 50] = bytes(b ^ 0xFF for b in data[start : start + 50])
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    client.force_login(community_worker)
    response = upload(client, damaged)
    assert response.status_code == 200
    assert "damaged.xlsx cannot be read" in response.content.decode()
    assert stored_files() == [] and import_events()[0].changes["limit"] == "unreadable"


def test_it_refuses_an_upload_over_the_size_limit_without_storing_it(
    settings, client, community_worker
):
    settings.LEDGER_MAX_BYTES = 1000
    path = write_csv(rows(30))
    assert path.stat().st_size > 1000
    client.force_login(community_worker)
    page = upload(client, path).content.decode()
    # Stopped as it arrived, by the page's upload handler: never stored whole.
    assert "is more than 1,000 B" in page and "NUANXIN_UPLOAD_MAX_MB" in page
    assert not ImportRun.objects.exists() and stored_files() == []
    assert import_events()[0].changes["limit"] == "size"
    assert upload(client, write_csv(rows(1))).status_code == 302  # a small one passes
    # The command and other callers: by the file's size, before it is copied.
    with pytest.raises(ValidationError, match=r"is 2\.\d KB|is [\d,]+ B, more than 1,000 B"):
        services.import_run_create(user=community_worker, files=[path])


def test_it_names_the_limit_in_chinese(settings, client, community_worker):
    settings.LEDGER_MAX_BYTES = 1000
    client.force_login(community_worker)
    page = upload(client, write_csv(rows(30)), language="zh-hans").content.decode()
    assert "超过单个文件的上限" in page and "NUANXIN_UPLOAD_MAX_MB" in page


def test_it_refuses_a_csv_over_the_row_limit_at_upload(settings, client, community_worker):
    settings.LEDGER_MAX_ROWS = 5
    client.force_login(community_worker)
    page = upload(client, write_csv(rows(9))).content.decode()
    assert "NUANXIN_IMPORT_MAX_ROWS" in page and "10 rows" in page
    assert not ImportRun.objects.exists() and stored_files() == []
    assert upload(client, write_csv(rows(4))).status_code == 302  # 5 rows: at the limit


def test_it_refuses_a_long_cell_while_counting_rows_at_upload(settings, client, community_worker):
    settings.LEDGER_MAX_ROWS = 5
    settings.LEDGER_MAX_CELL_CHARS = 50
    data = rows(9)
    data[3][5] = "保和街道, " + "张" * 51  # quoted, so the count parses it
    client.force_login(community_worker)
    response = upload(client, write_csv(data))
    assert response.status_code == 200  # refused, never a server error
    assert "NUANXIN_IMPORT_MAX_CELL_CHARS" in response.content.decode()
    assert stored_files() == []


def test_it_refuses_a_workbook_over_the_row_limit_before_reading_it(
    settings, community_worker, no_reading
):
    settings.LEDGER_MAX_ROWS = 5
    path = write_xlsx({"一": rows(3), "二": rows(3)})  # 4 + 4 rows: the file's rows count
    with pytest.raises(ValidationError) as refused:
        services.import_run_create(user=community_worker, files=[path])
    assert "NUANXIN_IMPORT_MAX_ROWS" in str(refused.value) and "8 rows" in str(refused.value)


def test_it_refuses_from_the_command(settings, places):
    settings.LEDGER_MAX_ROWS = 5
    path = write_csv(rows(9))
    with pytest.raises(CommandError, match="NUANXIN_IMPORT_MAX_ROWS"):
        call_command("import", str(path), "--json")
    assert path.exists()  # the command reads files in place: never deletes them
    assert import_events()[0].changes["result"] == "refused"
    assert not Person.objects.exists()


# --- while importing: rows and cells, all or nothing -----------------------------------
@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "reader-processes"])
def test_it_stops_an_import_over_the_row_limit(settings, community_worker, monkeypatch, parallel):
    # A file that passed at upload, over the limit by the time it runs (or that
    # lied about its extent): the reader counts every row itself.
    run = services.import_run_create(user=community_worker, files=[write_csv(rows(30))])
    settings.LEDGER_MAX_ROWS = 12
    monkeypatch.setattr(pipeline_run, "PARALLEL_MIN_BYTES", 0 if parallel else None)
    monkeypatch.setattr(pipeline_run, "CHUNK_ROWS", 4)
    with pytest.raises(LedgerLimitError, match="NUANXIN_IMPORT_MAX_ROWS"):
        services.ledger_import(run=run, batch_rows=3)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "NUANXIN_IMPORT_MAX_ROWS" in run.error
    assert not Person.objects.exists() and not RejectedRow.objects.exists()
    assert stored_files() == []
    event = import_events()[-1]
    assert event.object_id == str(run.pk)
    assert event.changes["result"] == "failed" and event.changes["limit"] == "rows"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_it_refuses_a_cell_over_the_cell_limit(settings, community_worker, kind):
    settings.LEDGER_MAX_CELL_CHARS = 50
    long = row()
    long[0] = "张" * 51
    data = rows(3) + [long]
    path = write_csv(data) if kind == "csv" else write_xlsx({"Sheet1": data})
    run = services.import_run_create(user=community_worker, files=[path])
    with pytest.raises(LedgerLimitError, match="NUANXIN_IMPORT_MAX_CELL_CHARS"):
        services.ledger_import(run=run)
    assert not Person.objects.exists() and stored_files() == []
    assert import_events()[-1].changes["limit"] == "cell"


def test_it_shows_the_refusal_in_the_preview(settings, client, community_worker):
    settings.LEDGER_MAX_CELL_CHARS = 50
    long = row()
    long[0] = "张" * 51
    run = services.import_run_create(user=community_worker, files=[write_csv([HEAD, long])])
    client.force_login(community_worker)
    page = client.get(reverse("ledgers:run_preview", args=[run.pk])).content.decode()
    assert "NUANXIN_IMPORT_MAX_CELL_CHARS" in page


# --- the preview reads only the first rows --------------------------------------------
def test_it_previews_only_the_first_rows(client, community_worker, monkeypatch):
    run = services.import_run_create(user=community_worker, files=[write_csv(rows(500))])
    read = {"rows": 0}
    original = CsvRows.__next__

    def counting(self):
        read["rows"] += 1
        return original(self)

    monkeypatch.setattr(CsvRows, "__next__", counting)
    client.force_login(community_worker)
    page = client.get(reverse("ledgers:run_preview", args=[run.pk]))
    assert page.status_code == 200
    assert read["rows"] <= 1 + 10 + 1  # the header, ten rows, and not one more


def test_it_previews_only_the_first_rows_of_a_workbook(client, community_worker, monkeypatch):
    path = write_xlsx({"一": [["台账"], *rows(500)], "二": rows(3)})
    run = services.import_run_create(user=community_worker, files=[path])
    loaded = []
    original = python_calamine.CalamineWorkbook.get_sheet_by_name

    def recording(self, name):
        sheet = original(self, name)
        loaded.append((name, sheet.height))
        return sheet

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_name", recording)
    client.force_login(community_worker)
    page = client.get(reverse("ledgers:run_preview", args=[run.pk])).content.decode()
    # The workbook reader loads whole sheets: it is given the first rows only.
    assert loaded == [("一", 20), ("二", 4)]
    assert page.count('<span class="text-success">') == 10 + 3  # ten rows of each sheet, all OK
    # The import reads every row.
    assert services.ledger_import(run=run).summary["created"] == 500


# --- nothing left on disk, everything audited -----------------------------------------
def test_it_leaves_nothing_of_a_refused_file_on_disk(client, community_worker):
    client.force_login(community_worker)
    evil = io.BytesIO(b"<script>alert(1)</script>")
    evil.name = "evil.html"
    response = client.post(
        reverse("ledgers:import_start"), {"files": [evil]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and "evil.html" in response.content.decode()
    assert stored_files() == [] and not ImportRun.objects.exists()
    (event,) = import_events()
    assert event.changes["result"] == "refused" and event.changes["files"] == ["evil.html"]


def test_it_audits_a_failed_import_and_deletes_its_upload(community_worker, monkeypatch):
    from nuanxin.ledgers.pipeline import write

    def broken(self, plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write.Writer, "flush", broken)
    run = services.import_run_create(user=community_worker, files=[write_csv(rows(3))])
    assert stored_files()  # the upload, until the import has run
    with pytest.raises(RuntimeError):
        services.ledger_import(run=run)
    assert stored_files() == []
    (event,) = import_events()
    assert event.user == community_worker and event.object_id == str(run.pk)
    assert event.changes["result"] == "failed" and "disk full" in event.changes["error"]


def test_it_writes_a_big_error_report_from_the_table(community_worker, monkeypatch):
    # Past the rows kept in memory, the report streams from the table, sheet by
    # sheet, in the order the sheets were read.
    monkeypatch.setattr(services._ReportWriter, "KEEP_REJECTED", 1)
    bad = [row(id_number="123", name=f"错{i}") for i in range(5)]
    path = write_xlsx({"乙": [HEAD, *bad[:3]], "甲": [HEAD + ["备注"], *bad[3:]]})
    run = services.ledger_import(
        run=services.import_run_create(user=community_worker, files=[path])
    )
    assert run.summary["rejected"] == 5
    workbook = python_calamine.CalamineWorkbook.from_path(run.error_report)
    assert workbook.sheet_names == ["乙", "甲"]
    first = workbook.get_sheet_by_name("乙").to_python()
    second = workbook.get_sheet_by_name("甲").to_python()
    assert [r[0] for r in first[1:]] == ["错0", "错1", "错2"]
    assert second[0][: len(HEAD) + 1] == HEAD + ["备注"] and len(second) == 3


def test_it_takes_the_limits_from_the_settings(settings):
    settings.LEDGER_MAX_BYTES = 7 * MB
    settings.LEDGER_MAX_ROWS = 9
    settings.LEDGER_MAX_UNCOMPRESSED_BYTES = 8 * MB
    settings.LEDGER_MAX_COMPRESSION_RATIO = 11
    settings.LEDGER_MAX_SHARED_STRINGS_BYTES = 2 * MB
    settings.LEDGER_MAX_CELL_CHARS = 12
    settings.LEDGER_MAX_SHEET_CELLS = 13
    assert Limits.configured() == Limits(7 * MB, 9, 8 * MB, 11, 2 * MB, 12, 13)
    assert Limits() == Limits(50 * MB, 1_100_000, 300 * MB, 100, 100 * MB, 32_767, 10_000_000)


def test_it_states_the_limits_on_the_upload_page(settings, client, community_worker):
    settings.LEDGER_MAX_BYTES = 20 * MB
    settings.LEDGER_MAX_ROWS = 250_000
    client.force_login(community_worker)
    page = client.get(reverse("ledgers:import_start")).content.decode()
    assert "每个文件不超过 20 MB、250,000 行。" in page
    english = client.get(reverse("ledgers:import_start"), HTTP_ACCEPT_LANGUAGE="en")
    assert "At most 20 MB and 250,000 rows a file." in english.content.decode()


def test_it_does_not_accept_binary_workbooks(community_worker, tmp_path):
    # An .xlsb sheet cannot be scanned for the cells it spans before it is read.
    path = tmp_path / "ledger.xlsb"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValidationError, match="ledger.xlsb"):
        services.import_run_create(user=community_worker, files=[path])
    assert stored_files() == [] and import_events()[0].changes["result"] == "refused"
