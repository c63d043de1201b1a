"""S11: household by household — a district screens four categories; it closes only when done."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.care import selectors, services
from nuanxin.care.models import Screening, ScreeningItem
from tests.factories import make_person

CATEGORIES = ["orphan_scattered", "left_behind_child", "tekun_dispersed", "severe_disability"]
BAOHE_GRID = "510108010001001"
WANGPING = "510108020001"  # 猛追湾街道 望平社区


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def district(places):
    """成华区's people: three in 保和街道, two in 猛追湾街道, and two outside the screening."""
    return {
        "orphan": make_person(name="小明", region=BAOHE_GRID, categories=["orphan_scattered"]),
        "left_behind": make_person(
            name="小红", region=BAOHE_GRID, categories=["left_behind_child", "distressed_child"]
        ),
        "tekun": make_person(name="老周", region=BAOHE_GRID, categories=["tekun_dispersed"]),
        "disabled": make_person(name="老吴", region=WANGPING, categories=["severe_disability"]),
        "both": make_person(
            name="老郑", region=WANGPING, categories=["tekun_dispersed", "severe_disability"]
        ),
        "dibao": make_person(name="老钱", region=BAOHE_GRID, categories=["dibao"]),
        "jinjiang": make_person(
            name="李孤儿", region="510104010001", categories=["orphan_scattered"]
        ),
    }


def test_it_plays_s11_a_screening_that_closes_only_when_everyone_has_a_result(
    client, district_officer, street_officer, district, django_assert_max_num_queries
):
    client.force_login(district_officer)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        "/care/screenings/new/",
        {
            "title": "成华区困境群体摸排",
            "region": "510108000000",
            "categories": CATEGORIES,
            "deadline": deadline.isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    screening = Screening.objects.get()
    officer = api(district_officer)
    url = f"/api/v1/screenings/{screening.pk}"
    with django_assert_max_num_queries(8):
        body = officer.get(url).json()
    # Five people in scope (老郑 once for two categories); not the 低保 man, not 锦江区.
    assert (body["in_scope"], body["done"], body["open"]) == (5, 0, 5)
    assert [(r["region"], r["in_scope"]) for r in body["by_region"]] == [
        ("510108010000", 3),
        ("510108020000", 2),
    ]
    # Each person has a screening duty on the worklist of their area.
    due = selectors.ScreeningDuties().due(
        user=street_officer, today=timezone.localdate(), until=deadline
    )
    assert sorted(d.person_name for d in due) == ["小明", "小红", "老周"]
    # The street officer records 保和's results on the page; 猛追湾's people are not hers.
    client.force_login(street_officer)
    result_url = f"/care/screenings/{screening.pk}/result/{{}}/"
    assert client.get(result_url.format(district["disabled"].pk)).status_code == 404
    for key, measure in (("orphan", "pairing"), ("left_behind", "care_plan")):
        response = client.post(
            result_url.format(district[key].pk), {"measure": measure, "reason": ""}
        )
        assert response.status_code == 302
    # "None needed" needs a reason.
    response = client.post(result_url.format(district["tekun"].pk), {"measure": "none"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    client.post(
        result_url.format(district["tekun"].pk), {"measure": "none", "reason": "已入住敬老院"}
    )
    # The district does 猛追湾's by API; with one person still open it refuses to close.
    response = post(
        officer,
        f"{url}/results",
        {"person_id": district["disabled"].pk, "measure": "service_task"},
    )
    assert response.status_code == 201
    response = post(officer, f"{url}/close", {})
    assert response.status_code == 422
    assert "1" in response.json()["detail"][0]["message"]
    client.force_login(district_officer)
    client.post(f"/care/screenings/{screening.pk}/", {"action": "close"})
    screening.refresh_from_db()
    assert screening.status == "open"
    body = officer.get(url).json()
    assert (body["in_scope"], body["done"], body["open"]) == (5, 4, 1)
    assert [(r["region"], r["done"], r["open"]) for r in body["by_region"]] == [
        ("510108010000", 3, 0),
        ("510108020000", 1, 1),
    ]
    post(
        officer,
        f"{url}/results",
        {"person_id": district["both"].pk, "measure": "care_agreement"},
    )
    response = post(officer, f"{url}/close", {})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    # Its ledger: one row a person, with the result.
    response = client.get(f"/care/screenings/{screening.pk}/", {"export": "xlsx"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    for name in ("小明", "小红", "老周", "老吴", "老郑", "已入住敬老院"):
        assert name in text
    assert "老钱" not in text and "李孤儿" not in text


@pytest.mark.parametrize("n", [2, 10])
def test_it_shows_progress_in_a_fixed_number_of_queries(
    client, district_officer, places, django_assert_max_num_queries, n
):
    for i in range(n):
        make_person(
            name=f"孤儿{i}",
            region=BAOHE_GRID if i % 2 else WANGPING,
            categories=["orphan_scattered"],
        )
    screening = services.screening_open(
        user=district_officer,
        region_code="510108000000",
        categories=["orphan_scattered"],
        deadline=timezone.localdate(),
    )
    client.force_login(district_officer)
    with django_assert_max_num_queries(14):
        response = client.get(f"/care/screenings/{screening.pk}/")
    assert response.context["total"].in_scope == n
    assert ScreeningItem.objects.filter(screening=screening).count() == n


def test_it_refuses_a_screening_of_a_community_or_outside_scope(street_officer, outsider, places):
    officer = api(street_officer)
    deadline = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = post(
        officer,
        "/api/v1/screenings",
        {"region": "510108010001", "categories": ["dibao"], "deadline": deadline},
    )
    assert response.status_code == 422
    response = post(
        api(outsider),
        "/api/v1/screenings",
        {"region": "510108010000", "categories": ["dibao"], "deadline": deadline},
    )
    assert response.status_code == 403
    assert not Screening.objects.exists()
