"""Access cases for the oversight pages and /api/v1/spot-checks (format: tests/url_cases.py)."""

from django.utils import timezone

from nuanxin.oversight import services
from nuanxin.oversight.models import SpotCheckCall
from tests.url_cases import api, builder, page

BAOHE = "510108010000"  # 蔡阿姨's street
HEMEI = "510108010001"  # her community
CHENGHUA = "510108000000"
CALL = {"pk": "spot_check_call"}
# The setting is the district's: a community worker who may change 蔡阿姨's records may not
# set how many people the whole district calls (403: the district is in sight).
DISTRICT_ONLY = {"community_worker": 403, "dual": 403}


@builder("spot_check_call")
def _spot_check_call(s):
    """Today's draw of 保和街道: 蔡阿姨 is its only recipient, so she is drawn."""
    services.spot_check_draw(user=None, street_code=BAOHE, day=timezone.localdate())
    return SpotCheckCall.objects.get(person=s.person, day=timezone.localdate()).pk


def _call_in(s):
    s.pk("spot_check_call")
    return {
        "person_id": s.person.pk,
        "date": timezone.localdate().isoformat(),
        "reached": False,
        "notes": "access test",
    }


CASES = [
    page("oversight:index", scope="create"),
    page("oversight:spot_checks", query=f"region={BAOHE}"),
    page("oversight:call_record", kwargs=CALL),
    page(
        "oversight:call_record",
        kwargs=CALL,
        method="POST",
        data={"reached": "no", "urgency": "normal"},
        action="change",
        ok=302,
    ),
    page("oversight:spot_check_report", query=f"region={CHENGHUA}"),
    page(
        "oversight:spot_check_report",
        query=f"region={HEMEI}&export=xlsx",
        action="export",
        label="export",
    ),
    page(
        "oversight:spot_check_setting",
        query=f"region={CHENGHUA}",
        action="change",
        expect=DISTRICT_ONLY,
    ),
    page(
        "oversight:spot_check_setting",
        query=f"region={CHENGHUA}",
        method="POST",
        data={"count": "3", "skip_days": "30"},
        action="change",
        ok=302,
        expect=DISTRICT_ONLY,
    ),
    api("api:spot_check_list", query=f"region={BAOHE}"),
    api("api:spot_check_call", method="POST", data=_call_in, action="change", ok=201),
    api("api:spot_check_report", query=f"region={CHENGHUA}"),
]


# --- joint supervision -----------------------------------------------------------------------

# Teams and plans are the district's: a community worker does not see them (404), whatever
# they may change in 蔡阿姨's community.
DISTRICT_RECORD = {"community_worker": 404, "dual": 404}
# Inspectors change nothing but their own findings: recording one is theirs to do.
INSPECTOR_WRITES = {"inspector": 302}


def _departments():
    from nuanxin.directory.services import organisation_create

    return [
        organisation_create(user=None, name=name, kind="department", region_code=CHENGHUA).pk
        for name in ("成华区民政局（测试）", "成华区卫健局（测试）")
    ]


@builder("supervision_team")
def _team(s):
    return supervision.team_create(
        user=None, district_code=CHENGHUA, name="联合督导组（测试）", department_ids=_departments()
    ).pk


@builder("supervision_plan")
def _plan(s):
    today = timezone.localdate()
    return supervision.plan_create(
        user=None,
        team_id=s.pk("supervision_team"),
        title="冬季督导（测试）",
        target_codes=[BAOHE],
        starts_on=today,
        ends_on=today,
    ).pk


@builder("inspection")
def _inspection(s):
    return supervision.inspection_create(
        user=None,
        plan_id=s.pk("supervision_plan"),
        region_code=HEMEI,
        method="ledger_review",
        on=timezone.localdate(),
    ).pk


@builder("finding")
def _finding(s):
    return supervision.finding_add(
        user=None,
        inspection_id=s.pk("inspection"),
        text="台账不全（测试）",
        severity="major",
        responsible_name="和美社区居委会",
        owner_id=s.worker.pk,
        deadline=timezone.localdate(),
    ).pk


def _team_form(s):
    return {"name": "督导组", "department_ids": _departments()}


def _plan_form(s):
    day = timezone.localdate().isoformat()
    return {"title": "督导", "target_codes": [BAOHE], "starts_on": day, "ends_on": day}


def _inspection_form(s):
    return {"region_code": HEMEI, "method": "on_site", "on": timezone.localdate().isoformat()}


def _finding_form(s):
    return {
        "text": "走访记录缺失",
        "severity": "minor",
        "responsible_name": "和美社区",
        "owner_id": s.worker.pk,
        "deadline": timezone.localdate().isoformat(),
    }


def _inspection_in(s):
    return {
        "plan_id": s.pk("supervision_plan"),
        "region": HEMEI,
        "method": "questioning",
        "on": timezone.localdate().isoformat(),
    }


supervision = services
TEAM = {"team_id": "supervision_team"}
PLAN = {"plan_id": "supervision_plan"}
INSPECTION = {"pk": "inspection"}
FINDING = {"pk": "finding"}

CASES += [
    page("oversight:supervision", query=f"region={HEMEI}"),
    page("oversight:team_new", query=f"region={CHENGHUA}", action="change", expect=DISTRICT_ONLY),
    page(
        "oversight:team_new",
        query=f"region={CHENGHUA}",
        method="POST",
        data=_team_form,
        action="change",
        ok=302,
        expect=DISTRICT_ONLY,
    ),
    page("oversight:plan_new", kwargs=TEAM, action="change", expect=DISTRICT_RECORD),
    page(
        "oversight:plan_new",
        kwargs=TEAM,
        method="POST",
        data=_plan_form,
        action="change",
        ok=302,
        expect=DISTRICT_RECORD,
    ),
    page("oversight:inspection_new", kwargs=PLAN, action="change", expect=DISTRICT_RECORD),
    page(
        "oversight:inspection_new",
        kwargs=PLAN,
        method="POST",
        data=_inspection_form,
        action="change",
        ok=302,
        expect=DISTRICT_RECORD,
    ),
    page("oversight:inspection_detail", kwargs=INSPECTION),
    page(
        "oversight:inspection_detail",
        kwargs=INSPECTION,
        method="POST",
        data=_finding_form,
        action="change",
        ok=302,
        expect=INSPECTOR_WRITES,
    ),
    page("oversight:finding_detail", kwargs=FINDING),
    page(
        "oversight:finding_detail",
        kwargs=FINDING,
        method="POST",
        data={"action": "done", "note": "已补齐"},
        action="change",
        ok=302,
    ),
    page("oversight:rectification_list", query=f"region={HEMEI}"),
    api("api:inspection_list", scope="list"),
    api(
        "api:inspection_create",
        method="POST",
        data=_inspection_in,
        action="change",
        ok=201,
        expect=DISTRICT_RECORD,
    ),
    api(
        "api:finding_create",
        kwargs={"inspection_id": "inspection"},
        method="POST",
        data=_finding_form,
        action="change",
        ok=201,
        expect={"inspector": 201},
    ),
    api("api:rectification_list", scope="list", query="overdue=true"),
]


# --- street rescue ---------------------------------------------------------------------------


@builder("patrol")
def _patrol(s):
    return supervision.patrol_start(
        user=None,
        district_code=CHENGHUA,
        team="成华区救助站夜巡一组",
        route="建设路—二仙桥",
        started_at=timezone.now() - timezone.timedelta(hours=2),
    ).pk


def _encounter_form(s):
    return {
        "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "建设路地下通道",
        "person_id": s.person.pk,
        "condition": "衣着单薄",
        "outcome": "station",
    }


def _encounter_in(s):
    return {
        "patrol_id": s.pk("patrol"),
        "place": "建设路地下通道",
        "description": "男，约六十岁，灰色棉衣",
        "condition": "衣着单薄",
        "outcome": "declined",
    }


PATROL = {"pk": "patrol"}

CASES += [
    page("oversight:rescue", query=f"region={HEMEI}"),
    page("oversight:patrol_new", query=f"region={CHENGHUA}", action="change", expect=DISTRICT_ONLY),
    page(
        "oversight:patrol_new",
        query=f"region={CHENGHUA}",
        method="POST",
        data={"team": "夜巡", "route": "建设路", "started_at": "2026-01-05T22:00"},
        action="change",
        ok=302,
        expect=DISTRICT_ONLY,
    ),
    # A patrol is the district's: a community worker does not see it.
    page("oversight:patrol_detail", kwargs=PATROL, expect=DISTRICT_RECORD),
    page(
        "oversight:patrol_detail",
        kwargs=PATROL,
        method="POST",
        data=_encounter_form,
        action="change",
        ok=302,
        expect=DISTRICT_RECORD,
    ),
    page("oversight:rescue_report", query=f"region={CHENGHUA}"),
    page(
        "oversight:rescue_report",
        query=f"region={HEMEI}&export=xlsx",
        action="export",
        label="export",
    ),
    api(
        "api:encounter_create",
        method="POST",
        data=_encounter_in,
        action="change",
        ok=201,
        expect=DISTRICT_RECORD,
    ),
    api("api:rescue_report", query=f"region={CHENGHUA}&from=2025-11-01&to=2026-03-31"),
]


# --- the monthly report ----------------------------------------------------------------------

CASES += [
    page("oversight:monthly_report", query=f"region={HEMEI}&month=2026-01"),
    page(
        "oversight:monthly_report",
        query=f"region={HEMEI}&month=2026-01&export=xlsx",
        action="export",
        label="export",
    ),
    api("api:monthly_report", query=f"region={HEMEI}&month=2026-01"),
]


@builder("encounter")
def _encounter(s):
    return supervision.encounter_record(
        user=None,
        patrol_id=s.pk("patrol"),
        place="桥洞下",
        description="女，约七十岁",
        condition="迷路",
        outcome="home",
    ).pk


CASES += [
    # Identifying a described person later: the patrol's district decides, then the person.
    page(
        "oversight:encounter_link",
        kwargs={"pk": "encounter"},
        method="POST",
        data=lambda s: {"person_id": s.person.pk},
        action="change",
        ok=302,
        expect=DISTRICT_RECORD,
    ),
]
