"""The four leaks the one gate closes, each kept as a test (they all failed before it).

1. An export took the rows a user may *view*, not those they may *export*.
2. A masked ID number sat beside the birth date (its hidden digits), and a phone's
   tail could be searched digit by digit.
3. A volunteer or a provider account read tiers, categories and visits.
4. A visit's `client_id` was global: another person's visit came back, or a
   message naming another region.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.audit.models import AuditAction, AuditEvent
from nuanxin.casework.services.referrals import referral_create
from nuanxin.core.masking import mask_id_number
from nuanxin.directory.models import ServiceProvider
from nuanxin.visits.models import Visit
from nuanxin.visits.services import visit_record
from tests.conftest import HEMEI_GRID2
from tests.factories import assign_task, make_person

EXPORT = reverse("ledgers:people_export")


def _rows(response) -> list[list]:
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


# --- 1. exports follow the export right, region by region --------------------------------


def test_it_exports_only_where_the_user_may_export(client, dual, ms_cai, jinjiang_person):
    """Community worker of 和美社区 (may export) and social worker in 春熙路 (may not)."""
    client.force_login(dual)
    names = {row[0] for row in _rows(client.get(EXPORT))[1:]}
    assert names == {"蔡阿姨"}  # 李奶奶 is in view, never in the export
    # Viewing is not narrowed: the list still shows both.
    listed = client.get(reverse("registry:person_list")).content.decode()
    assert "李奶奶" in listed and "蔡阿姨" in listed


def test_it_reveals_in_an_export_only_where_the_user_may_reveal(
    client, dual, ms_cai, jinjiang_person
):
    client.force_login(dual)
    rows = _rows(client.post(EXPORT, {"reason": "核对台账"}))
    cells = {cell for row in rows for cell in row}
    assert ms_cai.id_number in cells
    assert jinjiang_person.id_number not in cells and "李奶奶" not in cells


# --- 2. masks that cannot be undone ---------------------------------------------------------


def test_it_never_shows_a_reader_the_birth_date_beside_the_masked_id(client, inspector, ms_cai):
    birth = ms_cai.birth_date.isoformat()
    body = _api(inspector).get(f"/api/v1/persons/{ms_cai.pk}").json()
    assert body["id_number"] == mask_id_number(ms_cai.id_number)
    assert body["birth_date"] is None and body["age"] == ms_cai.age
    listed = _api(inspector).get("/api/v1/persons").json()["items"][0]
    assert listed["birth_date"] is None
    client.force_login(inspector)
    assert birth not in client.get(ms_cai.get_absolute_url()).content.decode()
    cells = {str(cell) for row in _rows(client.get(EXPORT)) for cell in row}
    assert birth not in cells and mask_id_number(ms_cai.id_number) in cells


def test_it_keeps_the_birth_date_out_of_a_masked_export_for_everyone(
    client, community_worker, ms_cai
):
    """A masked ledger is handed on: it must not carry what undoes its own mask."""
    client.force_login(community_worker)
    rows = _rows(client.get(EXPORT))
    header, row = rows[0], rows[1]
    assert row[header.index("出生日期")] == ""
    assert str(row[header.index("年龄")]) == str(ms_cai.age)
    revealed = _rows(client.post(EXPORT, {"reason": "核对台账"}))[1]
    assert revealed[header.index("出生日期")] == ms_cai.birth_date.isoformat()


@pytest.mark.parametrize("tail", ["45678", "2345678", "12345678", "13812345678"])
def test_it_matches_a_longer_phone_tail_only_where_it_may_be_revealed(
    inspector, community_worker, ms_cai, tail
):
    # 蔡阿姨's phone is 13812345678; the inspector sees 138****5678.
    assert _api(inspector).get("/api/v1/persons", {"q": tail}).json()["count"] == 0
    assert _api(community_worker).get("/api/v1/persons", {"q": tail}).json()["count"] == 1


def test_it_matches_the_last_four_digits_anyone_can_read(client, inspector, ms_cai):
    assert _api(inspector).get("/api/v1/persons", {"q": "5678"}).json()["count"] == 1
    client.force_login(inspector)
    assert "蔡阿姨" in client.get(reverse("registry:person_list"), {"q": "5678"}).content.decode()


def test_it_audits_searches_by_identifier_digits_but_not_by_name(client, community_worker, ms_cai):
    client.force_login(community_worker)
    client.get(reverse("registry:person_list"), {"q": "cay"})
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()
    client.get(reverse("registry:person_list"), {"q": "12345678"})
    _api(community_worker).get("/api/v1/persons", {"q": "5678"})
    events = list(AuditEvent.objects.filter(action=AuditAction.SEARCH).order_by("id"))
    assert [e.changes["digits"] for e in events] == [8, 4]
    # The log keeps the last four, like a masked value, never the digits searched.
    assert all("12345678" not in json.dumps(e.changes) for e in events)


# --- 3. a task or a referral shows what the job needs, nothing more ------------------------


@pytest.fixture
def linked_volunteer(volunteer, community_worker, ms_cai):
    assign_task(person=ms_cai, volunteer=volunteer, by=community_worker)
    return volunteer


@pytest.fixture
def linked_provider(provider, community_worker, ms_cai):
    referral_create(
        user=community_worker,
        person=ms_cai,
        provider=ServiceProvider.objects.get(accounts__user=provider),
        asked="燃气热水器不能点火",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    return provider


def _visit(worker, person):
    return visit_record(
        user=worker,
        person_id=person.pk,
        visited_on=timezone.localdate(),
        method="home",
        with_whom="community_worker",
        outcome="met",
        notes="燃气软管老化",
    )[0]


@pytest.mark.parametrize("who", ["linked_volunteer", "linked_provider"])
def test_it_shows_a_link_no_visits(request, client, community_worker, ms_cai, who):
    user = request.getfixturevalue(who)
    _visit(community_worker, ms_cai)
    client.force_login(user)
    assert client.get(reverse("visits:person_visits", args=[ms_cai.pk])).status_code == 404
    assert _api(user).get(f"/api/v1/persons/{ms_cai.pk}/visits").status_code == 404
    # Her restricted profile opens, without the visit's notes.
    page = client.get(ms_cai.get_absolute_url()).content.decode()
    assert "蔡阿姨" in page and "燃气软管老化" not in page


@pytest.mark.parametrize("who", ["linked_volunteer", "linked_provider"])
def test_it_lists_a_linked_person_without_tier_id_or_categories(request, client, ms_cai, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    page = client.get(reverse("registry:person_list")).content.decode()
    assert "蔡阿姨" in page and "13812345678" in page
    for secret in (mask_id_number(ms_cai.id_number), "独居老人", "elderly_alone", "tier-"):
        assert secret not in page, secret
    item = _api(user).get("/api/v1/persons").json()["items"][0]
    assert item["link_only"] and item["tier"] is None and item["categories"] == []
    assert item["id_number"] is None and item["birth_date"] is None


# --- 4. a client id belongs to its author --------------------------------------------------


def _visit_in(person, client_id):
    return {
        "client_id": client_id,
        "person_id": person.pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "community_worker",
        "outcome": "met",
    }


def test_it_keeps_client_ids_apart_by_author(
    district_officer, community_worker, inspector, ms_cai, places
):
    wang = make_person(name="王大爷", region=HEMEI_GRID2, female=False, categories=["dibao"])
    post = lambda user, person, cid: _api(user).post(  # noqa: E731
        "/api/v1/visits", _visit_in(person, cid), content_type="application/json"
    )
    first = post(district_officer, ms_cai, "cid-1")
    assert first.status_code == 201
    # Someone else's cid-1 is theirs alone: a new visit, to their own person.
    other = post(community_worker, wang, "cid-1")
    assert other.status_code == 201 and other.json()["person_id"] == wang.pk
    # An inspector gets no visit back, only the refusal of a reader.
    refused = post(inspector, wang, "cid-1")
    assert refused.status_code == 403 and "蔡阿姨" not in refused.content.decode()
    # A retry is the same visit; the same id for another person is a conflict.
    again = post(district_officer, ms_cai, "cid-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    clash = post(district_officer, wang, "cid-1")
    assert clash.status_code == 409
    assert clash.json()["detail"][0]["field"] == "client_id"
    assert Visit.objects.count() == 2


# --- the same answers on the command line -------------------------------------------------


def test_it_answers_the_command_line_as_the_pages_do(tmp_path, inspector, volunteer, dual, ms_cai,
                                                     jinjiang_person):  # fmt: skip
    from django.core.management import CommandError, call_command

    target = tmp_path / "people.xlsx"
    with pytest.raises(CommandError, match="reveal|无权"):
        call_command("export", "people", "--user", inspector.username, "--reveal", "核对",
                     "-o", str(target))  # fmt: skip
    with pytest.raises(CommandError):
        call_command("export", "people", "--user", volunteer.username, "-o", str(target))
    with pytest.raises(CommandError):
        call_command("import", str(target), "--user", inspector.username)
    # Two roles in two places: the export holds the rows of the region where it may export.
    call_command("export", "people", "--user", dual.username, "-o", str(target))
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert {row[0] for row in rows[1:]} == {"蔡阿姨"}
