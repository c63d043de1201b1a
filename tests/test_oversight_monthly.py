"""The monthly report (月报): each figure equals the one on the page or route it comes from."""

from __future__ import annotations

import datetime as dt
import io

from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from nuanxin.accounts.services import api_token_create
from nuanxin.casework.services.requests import request_create
from nuanxin.oversight import services
from nuanxin.oversight.models import SpotCheckCall
from nuanxin.visits.services import visit_record
from tests.factories import make_person

CHENGHUA = "510108000000"
BAOHE = "510108010000"
HEMEI_GRID1 = "510108010001001"
HEMEI_GRID2 = "510108010001002"


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def month_of_activity(officer, worker):
    """A little of everything in 成华区 this month, through the services."""
    today = timezone.localdate()
    first = today.replace(day=1)
    people = [
        make_person(name="甲", region=HEMEI_GRID1, categories=["dibao", "elderly_alone"]),
        make_person(name="乙", region=HEMEI_GRID1, categories=["tekun_dispersed"]),
        make_person(name="丙", region=HEMEI_GRID2, categories=["dibao"]),
        make_person(
            name="丁",
            region=HEMEI_GRID2,
            categories=["orphan_scattered"],
            birth=dt.date(2014, 5, 1),
        ),
    ]
    visit_record(user=worker, person_id=people[0].pk, visited_on=first, method="home",
                 with_whom="community_worker", outcome="met")  # fmt: skip
    visit_record(user=worker, person_id=people[1].pk, visited_on=today, method="phone",
                 with_whom="community_worker", outcome="met")  # fmt: skip
    request_create(user=worker, source="hotline", need_type="heating", description="没有暖气",
                   person_id=people[2].pk, urgency="urgent",
                   received_at=timezone.now() - dt.timedelta(hours=1))  # fmt: skip
    request_create(user=worker, source="walk_in", need_type="repairs", description="门坏了",
                   person_id=people[3].pk)  # fmt: skip
    services.spot_check_draw(user=worker, street_code=BAOHE, day=today)
    call = SpotCheckCall.objects.first()
    services.call_record(user=worker, call_id=call.pk, reached=True, ok=False, needs="缺米面",
                         open_request=True)  # fmt: skip
    from nuanxin.directory.services import organisation_create

    deps = [
        organisation_create(user=None, name=n, kind="department", region_code=CHENGHUA).pk
        for n in ("民政", "卫健")
    ]
    team = services.team_create(
        user=officer, district_code=CHENGHUA, name="组", department_ids=deps
    )
    plan = services.plan_create(user=officer, team_id=team.pk, title="计划", target_codes=[BAOHE],
                                starts_on=first, ends_on=today)  # fmt: skip
    inspection = services.inspection_create(user=officer, plan_id=plan.pk, region_code=BAOHE,
                                            method="on_site", on=first)  # fmt: skip
    for deadline in (first, today + dt.timedelta(days=5)):
        services.finding_add(user=officer, inspection_id=inspection.pk, text="台账", severity="minor",
                             responsible_name="保和街道", owner_id=officer.pk, deadline=deadline)  # fmt: skip
    patrol = services.patrol_start(user=officer, district_code=CHENGHUA, team="夜巡", route="路",
                                   started_at=timezone.now() - dt.timedelta(hours=3))  # fmt: skip
    for outcome in ("station", "station", "hospital"):
        services.encounter_record(user=officer, patrol_id=patrol.pk, place="桥下", condition="冷",
                                  outcome=outcome, description="男")  # fmt: skip
    return today, first


def test_it_reports_each_figure_as_its_source_shows_it(client, district_officer, community_worker):
    today, first = month_of_activity(district_officer, community_worker)
    month = f"{first:%Y-%m}"
    officer = api(district_officer)
    report = officer.get("/api/v1/reports/monthly", {"region": CHENGHUA, "month": month}).json()

    # Coverage by child region: GET /api/v1/coverage.
    coverage = officer.get("/api/v1/coverage", {"region": CHENGHUA, "month": month}).json()
    keys = ("in_scope", "visited", "explained", "missed")
    assert [{k: c[k] for k in ("region", *keys)} for c in coverage["children"]] == [
        {"region": c["code"], **{k: c[k] for k in keys}} for c in report["coverage"]
    ]
    assert report["coverage_total"]["in_scope"] == 4
    # People by category and by tier: GET /api/v1/persons?category=… / ?tier=….
    for line in report["people_by_category"]:
        listed = officer.get("/api/v1/persons", {"region": CHENGHUA, "category": line["code"]})
        assert listed.json()["count"] == line["value"], line
    for line in report["people_by_tier"]:
        listed = officer.get("/api/v1/persons", {"region": CHENGHUA, "tier": line["code"]})
        assert listed.json()["count"] == line["value"], line
    assert {line["code"]: line["value"] for line in report["people_by_category"]}["dibao"] == 2
    # Visits by method: the visit list page, this month's rows.
    client.force_login(district_officer)
    visits = client.get("/visits/", {"region": CHENGHUA}).context["page"].paginator.object_list
    for line in report["visits_by_method"]:
        shown = [v for v in visits if v.method == line["code"] and v.visited_on >= first]
        assert len(shown) == line["value"], line
    assert sum(line["value"] for line in report["visits_by_method"]) == 2
    # Requests: GET /api/v1/requests (all this month), and ?breached=true.
    listed = officer.get("/api/v1/requests", {"page_size": 200}).json()
    assert report["requests"]["opened"] == listed["count"] == 3
    breached = officer.get("/api/v1/requests", {"breached": "true"}).json()
    assert report["requests"]["breached"] == breached["count"]
    # Spot-checks: the daily reports of the month's days, summed.
    days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
    daily = [officer.get("/api/v1/spot-checks/report", {"region": CHENGHUA, "date": d.isoformat()}).json()
             for d in days]  # fmt: skip
    for key in ("drawn", "reached", "problems", "follow_ups", "follow_ups_closed"):
        assert report["spot_checks"][key] == sum(d["totals"][key] for d in daily), key
    assert report["spot_checks"]["problems"] == 1
    # Rectifications: GET /api/v1/rectifications and ?overdue=true.
    assert (
        report["rectifications"]["opened"] == officer.get("/api/v1/rectifications").json()["count"]
    )
    overdue = officer.get("/api/v1/rectifications", {"overdue": "true"}).json()["count"]
    assert report["rectifications"]["overdue"] == overdue
    # Street rescue: GET /api/v1/rescue/report for the month.
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    season = officer.get("/api/v1/rescue/report", {"region": CHENGHUA, "from": first.isoformat(),
                                                    "to": last.isoformat()}).json()  # fmt: skip
    assert {line["code"]: line["value"] for line in report["rescue"]} == season["by_outcome"]
    assert report["rescue_total"] == season["total"] == 3

    # The print view and the ledger carry the same figures.
    page = client.get("/oversight/monthly/", {"region": CHENGHUA, "month": month})
    assert page.context["m"].requests == report["requests"]
    ledger = client.get(
        "/oversight/monthly/", {"region": CHENGHUA, "month": month, "export": "xlsx"}
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(ledger.content))
    people = book.get_sheet_by_index(1).to_python()
    assert [int(row[2]) for row in people[1:]] == [
        line["value"] for line in report["people_by_category"] + report["people_by_tier"]
    ]
    figures = book.get_sheet_by_index(3).to_python()
    assert figures[-1][2] == "3"  # the rescue total, last


def test_it_answers_404_for_a_region_out_of_reach(outsider):
    answer = api(outsider).get("/api/v1/reports/monthly", {"region": CHENGHUA, "month": "2026-01"})
    assert answer.status_code == 404
