"""An Export button exports what the list above it shows: the same filters, the same rows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.conftest import BAOHE, HEMEI, HEMEI_GRID2
from tests.factories import make_person


@pytest.fixture
def hemei_people(ms_cai, places):
    make_person(name="王大爷", region=HEMEI_GRID2, female=False, categories=["dibao"])
    make_person(name="张奶奶", region=HEMEI, categories=["elderly_alone", "dibao"])
    make_person(name="刘伯伯", region="510108020001", female=False, categories=["tekun_dispersed"])


def _listed(client, query: dict) -> set[str]:
    response = client.get(reverse("registry:person_list"), query)
    assert response.status_code == 200
    return {person.name for person, _view in response.context["rows"]}


def _exported(client, query: dict) -> set[str]:
    response = client.get(reverse("ledgers:people_export"), query)
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return {row[0] for row in rows[1:]}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"region": BAOHE},  # a padded street code: once taken as a prefix, exporting nobody
        {"region": HEMEI},
        {"region": HEMEI_GRID2},
        {"category": "dibao"},
        {"category": "elderly_alone", "region": HEMEI},
        {"status": "active"},
        {"q": "zn"},
        {"q": "王"},
    ],
)
def test_it_exports_the_rows_the_people_list_shows(client, district_officer, hemei_people, query):
    client.force_login(district_officer)
    listed = _listed(client, query)
    assert listed == _exported(client, query)
    if query.get("region") == BAOHE:
        assert listed == {"蔡阿姨", "王大爷", "张奶奶"}


def test_it_exports_the_blind_spots_the_page_shows(client, district_officer, hemei_people):
    client.force_login(district_officer)
    for region in ("510108000000", BAOHE, HEMEI):
        page = client.get(reverse("visits:blind_spots"), {"region": region})
        listed = {row.name for row in page.context["page"].object_list}
        data = client.get(reverse("visits:blind_spots"), {"region": region, "export": "xlsx"})
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data.content)).get_sheet_by_index(0)
        assert {row[0] for row in sheet.to_python()[1:]} == listed
