"""Upload limits benchmark (issue #11, item 2): hostile files refused before reading.

For each file, in a fresh subprocess so that peak memory is its own, runs the
upload check (`ledgers.pipeline.limits.check_file`, what `import_run_create`
does) and prints the file's size, the verdict (the limit that refused it),
the check's time and the process's peak memory. The hostile files are the
issue's 200 MB shared string in a small xlsx, a 400 MB zip bomb, two cells far
apart, and an OpenDocument sheet of one repeated value; the last case is an
honest 100,000-row xlsx (accepted), for the cost of the scan.

    python -m bench uploads
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

OUT = Path(__file__).parent / "out" / "uploads"
MB = 1024 * 1024
HEAD = ["姓名", "性别", "身份证号", "联系电话", "所属区县", "所属街道", "所属社区", "救助类别"]
ROW = ["张三", "女", "510108195003040021", "13812345678", "成华区", "保和街道", "和美社区", "低保"]
SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _xlsx(path: Path, rows: int) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("Sheet1")
    sheet.write_row(0, 0, HEAD)
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, [f"{ROW[0]}{r}", *ROW[1:]])
    workbook.close()
    return path


def _replace(source: Path, path: Path, part: str, head: bytes, size: int, tail: bytes) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != part:
                out.writestr(info.filename, src.read(info.filename))
        with out.open(part, "w", force_zip64=True) as fh:
            fh.write(head)
            for _ in range(size // MB):
                fh.write(b"A" * MB)
            fh.write(tail)
    return path


def files() -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    small = _xlsx(OUT / "small.xlsx", 1)
    made = {}
    path = OUT / "shared-string.xlsx"
    if not path.exists():
        head = f'<sst xmlns="{SPREADSHEETML}" count="1" uniqueCount="1"><si><t>'.encode()
        _replace(small, path, "xl/sharedStrings.xml", head, 200 * MB, b"</t></si></sst>")
    made["shared string 200 MB"] = path
    path = OUT / "bomb.xlsx"
    if not path.exists():
        head = f'<worksheet xmlns="{SPREADSHEETML}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
        tail = b"</t></is></c></row></sheetData></worksheet>"
        _replace(small, path, "xl/worksheets/sheet1.xml", head, 400 * MB, tail)
    made["zip bomb 400 MB"] = path
    path = OUT / "far.xlsx"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                far = (
                    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                )
                data = data.replace(b"</sheetData>", far + b"</sheetData>")
            out.writestr(info.filename, data)
    made["two cells far apart"] = path
    path = OUT / "repeated.ods"
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f"<office:document-content {ns}><office:body><office:spreadsheet>"
        '<table:table table:name="S"><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell office:value-type="string" table:number-columns-repeated="1000">'
        "<text:p>x</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("content.xml", content)
    made["ods repeated value"] = path
    path = OUT / "honest-100k.xlsx"
    if not path.exists():
        _xlsx(path, 100_000)
    made["honest xlsx 100,000 rows"] = path
    return made


def worker(path: Path) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanxin.settings")
    django.setup()
    from nuanxin.ledgers.pipeline.limits import LedgerLimitError, Limits, check_file

    started = time.perf_counter()
    try:
        check_file(path, path.name, Limits.configured())
        verdict = "accepted"
    except LedgerLimitError as exc:
        verdict = f"refused: {exc.code}"
    return {
        "check_s": time.perf_counter() - started,
        "verdict": verdict,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    print(f"{'file':<28}{'size':>12}{'check s':>9}{'peak MB':>9}  verdict")
    for label, path in files().items():
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_uploads", "--worker", str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        size = path.stat().st_size
        print(f"{label:<28}{size:>12,}{r['check_s']:>9.2f}{r['peak_mb']:>9}  {r['verdict']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(worker(Path(sys.argv[2]))))
    else:
        main()
