"""Story S10 — winter street rescue: 27 encounters, 22 into the rescue station, 5 to hospital,
by district and by ISO week; an identified person's encounters on their timeline.

Patrols start on the page, encounters come from the patrol's phones (the API) and the
encounter form; only people and users are set up through services.
"""

from __future__ import annotations

import io

from django.test import Client
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.oversight.models import Encounter, Patrol

CITY = "510100000000"
CHENGHUA = "510108000000"
JINJIANG = "510104000000"
SEASON = {"from": "2025-11-01", "to": "2026-03-31"}

# (district, patrol start, [(time, outcome), …]): 成华 17 (14/3), 锦江 10 (8/2).
# 成华's second patrol runs past midnight on Sunday 18 January: three encounters fall on
# Monday, in ISO week 4.
PATROLS = [
    (CHENGHUA, "2026-01-05T21:30", [(f"2026-01-05T22:{m:02d}", "station") for m in range(0, 40, 5)]
     + [("2026-01-05T23:10", "hospital")]),
    (JINJIANG, "2026-01-06T21:00", [(f"2026-01-06T22:{m:02d}", "station") for m in range(0, 48, 6)]
     + [("2026-01-06T23:20", "hospital"), ("2026-01-06T23:40", "hospital")]),
    (CHENGHUA, "2026-01-18T21:00", [(f"2026-01-18T22:{m:02d}", "station") for m in range(0, 40, 10)]
     + [("2026-01-18T23:30", "hospital"), ("2026-01-19T00:20", "station"),
        ("2026-01-19T00:40", "station"), ("2026-01-19T01:10", "hospital")]),
]  # fmt: skip


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_it_plays_s10_the_winter_season(client, district_officer, outsider, city_admin, ms_cai):
    officers = {CHENGHUA: district_officer, JINJIANG: outsider}
    first_encounter = True
    for district, start, encounters in PATROLS:
        officer = officers[district]
        client.force_login(officer)
        response = client.post(
            f"/oversight/rescue/patrols/new/?region={district}",
            {"team": "救助站夜巡组", "route": "主城区街面", "started_at": start},
        )
        assert response.status_code == 302
        patrol = Patrol.objects.latest("pk")
        phone = api(officer)
        for n, (at, outcome) in enumerate(encounters):
            if district == CHENGHUA and first_encounter:
                # The first: 蔡阿姨, identified, on the encounter form.
                first_encounter = False
                response = client.post(
                    f"/oversight/rescue/patrols/{patrol.pk}/",
                    {
                        "at": at,
                        "place": "二仙桥公交站",
                        "latitude": "30.684512",
                        "longitude": "104.112733",
                        "person_id": ms_cai.pk,
                        "condition": "迷路，衣着单薄",
                        "outcome": outcome,
                        "follow_ups": "通知社区",
                    },
                )
                assert response.status_code == 302
                continue
            body = {
                "patrol_id": patrol.pk,
                "at": f"{at}:00+08:00",
                "place": "桥洞下",
                "description": f"男，约{50 + n}岁",
                "condition": "露宿",
                "outcome": outcome,
                "client_id": f"{patrol.pk}-{n}",
            }
            answer = phone.post("/api/v1/rescue/encounters", body, content_type="application/json")
            assert answer.status_code == 201, answer.content
            # The phone retries: nothing more is stored.
            again = phone.post("/api/v1/rescue/encounters", body, content_type="application/json")
            assert again.json()["id"] == answer.json()["id"]
    assert Encounter.objects.count() == 27

    report = api(city_admin).get("/api/v1/rescue/report", {"region": CITY, **SEASON}).json()
    assert report["total"] == 27
    assert (report["by_outcome"]["station"], report["by_outcome"]["hospital"]) == (22, 5)
    assert [(d["name"], d["total"], d["outcomes"]["station"], d["outcomes"]["hospital"])
            for d in report["by_district"]] == [("锦江区", 10, 8, 2), ("成华区", 17, 14, 3)]  # fmt: skip
    assert [
        (w["week"], w["total"], w["outcomes"]["station"], w["outcomes"]["hospital"])
        for w in report["by_week"]
    ] == [  # fmt: skip
        ("2026-W02", 19, 16, 3),
        ("2026-W03", 5, 4, 1),
        ("2026-W04", 3, 2, 1),
    ]
    # Each district reads its own; the page and the ledger say the same.
    mine = api(district_officer).get("/api/v1/rescue/report", {"region": CHENGHUA, **SEASON}).json()
    assert (mine["total"], mine["by_outcome"]["station"], mine["by_outcome"]["hospital"]) == (
        17,
        14,
        3,
    )
    client.force_login(city_admin)
    page = client.get("/oversight/rescue/report/", {"region": CITY, **SEASON})
    assert page.context["report"].total == 27
    ledger = client.get("/oversight/rescue/report/", {"region": CITY, **SEASON, "export": "xlsx"})
    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(ledger.content)).get_sheet_by_index(0).to_python()
    )
    assert sheet[-1][1:4] == ["27", "22", "5"]  # the total row: encounters, station, hospital
    # 蔡阿姨's timeline shows her encounter.
    timeline = api(district_officer).get(
        f"/api/v1/persons/{ms_cai.pk}/timeline", {"kind": "encounter"}
    )
    items = timeline.json()["items"]
    assert [i["kind"] for i in items] == ["encounter"]
    assert "二仙桥公交站" in items[0]["detail"]


def test_it_needs_a_description_for_someone_not_identified(district_officer):
    from django.utils import timezone

    from nuanxin.oversight.services import patrol_start

    patrol = patrol_start(user=district_officer, district_code=CHENGHUA, team="夜巡", route="建设路",
                          started_at=timezone.now())  # fmt: skip
    answer = api(district_officer).post(
        "/api/v1/rescue/encounters",
        {"patrol_id": patrol.pk, "place": "路口", "condition": "醉酒", "outcome": "police"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "description"


def test_it_keeps_an_encounter_out_of_another_districts_reach(outsider, district_officer):
    from django.utils import timezone

    from nuanxin.oversight.services import patrol_start

    patrol = patrol_start(user=district_officer, district_code=CHENGHUA, team="夜巡", route="建设路",
                          started_at=timezone.now())  # fmt: skip
    answer = api(outsider).post(
        "/api/v1/rescue/encounters",
        {
            "patrol_id": patrol.pk,
            "place": "路口",
            "description": "女",
            "condition": "冷",
            "outcome": "home",
        },
        content_type="application/json",
    )
    assert answer.status_code == 404


def test_it_exports_the_season_from_the_command_line(tmp_path, district_officer, inspector):
    import io as _io

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.utils import timezone

    from nuanxin.oversight.selectors import winter_of
    from nuanxin.oversight.services import encounter_record, patrol_start

    start, _end = winter_of(timezone.localdate())
    began = timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time()))
    patrol = patrol_start(
        user=None, district_code=CHENGHUA, team="夜巡", route="路", started_at=began
    )
    encounter_record(user=None, patrol_id=patrol.pk, at=began + timezone.timedelta(hours=1),
                     place="桥下", description="男", condition="冷", outcome="hospital")  # fmt: skip
    target = tmp_path / "rescue.xlsx"
    out = _io.StringIO()
    call_command("export", "rescue", "--region", CHENGHUA, "--user", inspector.username,
                 "-o", str(target), stdout=out)  # fmt: skip
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows[-1][1] == "1"
    try:
        call_command("export", "rescue", "--region", JINJIANG, "--user", inspector.username,
                     "-o", str(tmp_path / "x.xlsx"), stdout=out)  # fmt: skip
    except CommandError:
        pass
    else:
        raise AssertionError("an inspector of 成华区 exported 锦江区")


def test_it_links_a_described_person_identified_later(
    client, district_officer, ms_cai, jinjiang_person
):
    from django.utils import timezone

    from nuanxin.oversight.services import encounter_record, patrol_start

    patrol = patrol_start(user=None, district_code=CHENGHUA, team="夜巡", route="建设路",
                          started_at=timezone.now() - timezone.timedelta(hours=1))  # fmt: skip
    encounter = encounter_record(user=None, patrol_id=patrol.pk, place="桥下", condition="迷路",
                                 description="女，约七十岁", outcome="home")  # fmt: skip
    client.force_login(district_officer)
    url = f"/oversight/rescue/encounters/{encounter.pk}/link/"
    # Someone the officer may not see cannot be linked (404, like a stranger).
    assert client.post(url, {"person_id": jinjiang_person.pk}).status_code == 404
    assert client.post(url, {"person_id": ms_cai.pk}).status_code == 302
    encounter.refresh_from_db()
    assert encounter.person == ms_cai
    items = api(district_officer).get(f"/api/v1/persons/{ms_cai.pk}/timeline").json()["items"]
    assert "encounter" in [i["kind"] for i in items]


def test_it_reads_the_season_and_the_patrols_in_a_fixed_number_of_queries(
    client, city_admin, django_assert_max_num_queries
):
    from django.utils import timezone

    from nuanxin.oversight.services import encounter_record, patrol_start

    for district in (CHENGHUA, JINJIANG):
        patrol = patrol_start(user=None, district_code=district, team="夜巡", route="路",
                              started_at=timezone.now() - timezone.timedelta(hours=2))  # fmt: skip
        for outcome in ("station", "hospital", "home", "police"):
            encounter_record(user=None, patrol_id=patrol.pk, place="桥下", condition="冷",
                             description="男", outcome=outcome)  # fmt: skip
    client.force_login(city_admin)
    today = timezone.localdate().isoformat()
    with django_assert_max_num_queries(15):
        page = client.get("/oversight/rescue/report/", {"region": CITY, "from": today, "to": today})
    assert page.context["report"].total == 8
    with django_assert_max_num_queries(15):
        listed = client.get("/oversight/rescue/", {"region": CITY})
    assert len(listed.context["page"].object_list) == 2
