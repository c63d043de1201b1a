"""Joint supervision (S9, second half): a team of 6 departments inspects a street; findings
get rectification deadlines; overdue ones show on the district dashboard and the owner's
worklist; inspectors read and export, and change nothing but their own findings."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from nuanxin.accounts.services import api_token_create
from nuanxin.core import duties
from nuanxin.directory.services import organisation_create
from nuanxin.oversight.models import Finding, Inspection, SupervisionPlan, SupervisionTeam

CHENGHUA = "510108000000"
BAOHE = "510108010000"
HEMEI = "510108010001"
DEPARTMENTS = ("民政局", "人社局", "残联", "卫健局", "医保局", "教育局")


def api(user) -> Client:
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_it_plays_s9s_joint_supervision(
    client, district_officer, community_worker, inspector, ms_cai
):
    departments = [
        organisation_create(
            user=district_officer, name=f"成华区{n}", kind="department", region_code=CHENGHUA
        )
        for n in DEPARTMENTS
    ]
    today = timezone.localdate()
    client.force_login(district_officer)
    response = client.post(
        f"/oversight/supervision/teams/new/?region={CHENGHUA}",
        {
            "name": "成华区困难群众冬季联合督导组",
            "leader": "张局长",
            "department_ids": [d.pk for d in departments],
        },
    )
    assert response.status_code == 302
    team = SupervisionTeam.objects.get()
    assert team.departments.count() == 6
    response = client.post(
        f"/oversight/supervision/teams/{team.pk}/plans/new/",
        {
            "title": "保和街道冬季督导",
            "target_codes": [BAOHE],
            "starts_on": (today - dt.timedelta(days=12)).isoformat(),
            "ends_on": today.isoformat(),
            "focus": "走访到位、台账规范",
        },
    )
    assert response.status_code == 302
    plan = SupervisionPlan.objects.get()
    # Three inspections by method, ten days ago.
    ten_days_ago = (today - dt.timedelta(days=10)).isoformat()
    for method in ("on_site", "questioning"):
        answer = post(
            api(district_officer),
            "/api/v1/inspections",
            {"plan_id": plan.pk, "region": HEMEI, "method": method, "on": ten_days_ago},
        )
        assert answer.status_code == 201, answer.content
    response = client.post(
        f"/oversight/supervision/plans/{plan.pk}/inspections/new/",
        {"region_code": BAOHE, "method": "ledger_review", "on": ten_days_ago},
    )
    assert response.status_code == 302
    review = Inspection.objects.get(method="ledger_review")
    listed = api(inspector).get("/api/v1/inspections").json()
    assert listed["count"] == 3
    # The inspector may not record an inspection, but reads the street's ledgers.
    refused = post(
        api(inspector),
        "/api/v1/inspections",
        {"plan_id": plan.pk, "region": HEMEI, "method": "unannounced", "on": today.isoformat()},
    )
    assert refused.status_code == 403
    reader = Client()
    reader.force_login(inspector)
    page = reader.get(f"/oversight/inspections/{review.pk}/")
    ledgers = page.context["ledgers"]
    assert len(ledgers) == 4
    people = reader.get(ledgers[0].url)
    assert people.status_code == 200 and people["Content-Type"].startswith("application/vnd")
    # Findings of the on-site check in 和美社区: the inspector records one (theirs), the
    # officer another; both rectifications are owned by the community worker; one is past
    # its deadline already.
    on_site = Inspection.objects.get(method="on_site")
    late = post(
        api(inspector),
        f"/api/v1/inspections/{on_site.pk}/findings",
        {
            "text": "低保户走访记录缺少签字",
            "severity": "major",
            "responsible_name": "和美社区居委会",
            "responsible_unit_id": departments[0].pk,
            "owner_id": community_worker.pk,
            "deadline": (today - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert late.status_code == 201, late.content
    response = client.post(
        f"/oversight/inspections/{on_site.pk}/",
        {
            "text": "特困人员照料协议未更新",
            "severity": "minor",
            "responsible_name": "保和街道办",
            "owner_id": community_worker.pk,
            "deadline": (today + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    late_finding = Finding.objects.get(pk=late.json()["id"])
    officer_finding = Finding.objects.exclude(pk=late_finding.pk).get()
    # Overdue: the API, the district dashboard and the owner's worklist.
    overdue = api(district_officer).get("/api/v1/rectifications", {"overdue": "true"}).json()
    assert [f["id"] for f in overdue["items"]] == [late_finding.pk]
    home = client.get("/")
    card = next(c for c in home.context["home"].cards if "rectifications" in c.context)
    assert card.context["rectifications"] == {"open": 2, "overdue": 1, "to_verify": 0}
    drawn = home.content.decode().split('id="rectifications"')[1].split("</section>")[0]
    assert re.findall(r'<div class="fs-4"[^>]*>([^<]*)</div>', drawn) == ["2", "1", "0"]
    mine = duties.mine(user=community_worker, today=today, until=today)
    assert [(d.kind, d.person_name) for d in mine if d.kind == "rectification"] == [
        ("rectification", "和美社区居委会")
    ]
    # The inspector cannot mark a rectification done, nor verify someone else's finding.
    assert (
        reader.post(
            f"/oversight/findings/{late_finding.pk}/", {"action": "done", "note": "x"}
        ).status_code
        == 403
    )
    owner = Client()
    owner.force_login(community_worker)
    for finding in (late_finding, officer_finding):
        done = owner.post(
            f"/oversight/findings/{finding.pk}/", {"action": "done", "note": "已整改"}
        )
        assert done.status_code == 302
    assert (
        reader.post(f"/oversight/findings/{officer_finding.pk}/", {"action": "verify"}).status_code
        == 403
    )
    # The owner cannot verify their own rectification; the inspector verifies their finding.
    assert (
        owner.post(f"/oversight/findings/{late_finding.pk}/", {"action": "verify"}).status_code
        == 403
    )
    assert (
        reader.post(f"/oversight/findings/{late_finding.pk}/", {"action": "verify"}).status_code
        == 302
    )
    late_finding.refresh_from_db()
    assert late_finding.status == "verified" and late_finding.verified_by == inspector
    assert (
        api(district_officer).get("/api/v1/rectifications", {"overdue": "true"}).json()["count"]
        == 0
    )


def test_it_refuses_a_team_of_other_kinds_of_organisation(client, district_officer):
    company = organisation_create(
        user=district_officer, name="某燃气公司", kind="company", region_code=CHENGHUA
    )
    one = organisation_create(
        user=district_officer, name="成华区民政局", kind="department", region_code=CHENGHUA
    )
    client.force_login(district_officer)
    response = client.post(
        f"/oversight/supervision/teams/new/?region={CHENGHUA}",
        {"name": "督导组", "department_ids": [company.pk, one.pk]},
    )
    assert response.status_code == 200
    assert "department_ids" in response.context["form"].errors
    assert not SupervisionTeam.objects.exists()


def test_it_lists_inspections_in_a_fixed_number_of_queries(
    client, district_officer, django_assert_max_num_queries
):
    from nuanxin.oversight import services

    deps = [
        organisation_create(user=None, name=f"部门{i}", kind="department", region_code=CHENGHUA).pk
        for i in range(2)
    ]
    team = services.team_create(user=None, district_code=CHENGHUA, name="组", department_ids=deps)
    today = timezone.localdate()
    plan = services.plan_create(
        user=None,
        team_id=team.pk,
        title="计划",
        target_codes=[BAOHE],
        starts_on=today,
        ends_on=today,
    )
    for method in ("on_site", "questioning", "ledger_review", "unannounced"):
        services.inspection_create(
            user=None, plan_id=plan.pk, region_code=HEMEI, method=method, on=today
        )
    client.force_login(district_officer)
    with django_assert_max_num_queries(20):
        response = client.get(f"/oversight/supervision/?region={CHENGHUA}")
    assert len(response.context["page"].object_list) == 4


def test_it_lists_rectifications_in_a_fixed_number_of_queries(
    client, district_officer, community_worker, django_assert_max_num_queries
):
    from nuanxin.oversight import services

    deps = [
        organisation_create(user=None, name=f"部门{i}", kind="department", region_code=CHENGHUA).pk
        for i in range(2)
    ]
    team = services.team_create(user=None, district_code=CHENGHUA, name="组", department_ids=deps)
    today = timezone.localdate()
    plan = services.plan_create(user=None, team_id=team.pk, title="计划", target_codes=[BAOHE],
                                starts_on=today, ends_on=today)  # fmt: skip
    inspection = services.inspection_create(user=None, plan_id=plan.pk, region_code=HEMEI,
                                            method="on_site", on=today)  # fmt: skip
    for n in range(6):
        services.finding_add(user=None, inspection_id=inspection.pk, text=f"问题{n}", severity="minor",
                             responsible_name="和美社区", owner_id=community_worker.pk,
                             deadline=today + dt.timedelta(days=n))  # fmt: skip
    client.force_login(district_officer)
    with django_assert_max_num_queries(15):
        response = client.get("/oversight/rectifications/", {"region": CHENGHUA})
    assert len(response.context["page"].object_list) == 6
    with django_assert_max_num_queries(15):
        response = client.get(f"/oversight/inspections/{inspection.pk}/")
    assert len(response.context["findings"]) == 6
