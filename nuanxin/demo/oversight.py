"""Oversight in the demo city: a week of phone spot-checks in 成华区, one joint supervision with
open and overdue rectifications, and last winter's street-rescue season.

Three seed steps (see nuanxin/demo/steps.py):

- `spot_checks_seed`: 成华区 calls 5 recipients a street a day; the seven days before
  `today` are drawn by the real draw (so an inspector redraws the same lists) and their
  calls written in bulk: most reached, some not, a few problems that became help
  requests (none in 和美社区, which is kept for the stories played by hand). Today's
  sample is left for the visitor to draw by opening the call sheet.
- `supervision_seed`: six departments of 成华区 in the directory, a joint team of them,
  a plan for 保和街道 and 猛追湾街道, three inspections (on-site, questioning, ledger
  review) and five findings: one verified, one awaiting verification, one open, two
  overdue — on the district's dashboard and the owners' worklists.
- `rescue_seed`: last winter's season: 27 encounters on night patrols in 成华区, 锦江区
  and 金牛区 — 22 persuaded into the rescue station, 5 sent to hospital — two of them
  identified people of 成华区, whose timelines show the encounter.

Each step is idempotent: run again, it adds nothing that is already there.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.casework.services.requests import request_create
from nuanxin.directory.models import Organisation
from nuanxin.directory.services import organisation_create
from nuanxin.oversight import services
from nuanxin.oversight.models import (
    CallAttempt,
    CallStatus,
    Encounter,
    Patrol,
    SpotCheckCall,
    SpotCheckDraw,
    SpotCheckSetting,
    SupervisionTeam,
)
from nuanxin.oversight.selectors import winter_of
from nuanxin.regions.models import Level, Region, contains
from nuanxin.registry.models import Person

from .users import demo_users_ensure

CHENGHUA = "510108000000"
BAOHE = "510108010000"
MENGZHUIWAN = "510108020000"
HEMEI = "510108010001"  # S1/S2's community: no generated help requests
DAYS = 7

NEEDS = [
    ("heating", "电暖器坏了，屋里冷"),
    ("medicine", "降压药快吃完了，行动不便"),
    ("living_supplies", "米面油不够了"),
    ("repairs", "水管漏水"),
    ("psychological", "独居，情绪低落，想有人说说话"),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


# --- spot-checks ------------------------------------------------------------------------


def spot_checks_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    start = today - dt.timedelta(days=DAYS)
    if SpotCheckDraw.objects.within(CHENGHUA).filter(day__gte=start).exists():
        return
    demo_users_ensure()
    worker = _user("district")
    SpotCheckSetting.objects.get_or_create(region_id=CHENGHUA, defaults={"count": 5})
    streets = list(Region.objects.filter(parent_id=CHENGHUA, level=Level.STREET).order_by("code"))
    calls = requests = 0
    for n in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=n)
        for street in streets:
            drawn = services.spot_check_draw(user=None, street_code=street.code, day=day)
            done = _calls_play(rng, drawn, day, worker)
            calls += done[0]
            requests += done[1]
    if stdout is not None:
        stdout.write(f"  spot-checks: {calls} calls over {DAYS} days, {requests} help requests")


def _calls_play(rng, drawn, day, worker) -> tuple[int, int]:
    """The day's calls, written in bulk: 85% reached (some at the second try), the rest not."""
    rows = list(SpotCheckCall.objects.filter(draw=drawn).select_related("person"))
    attempts, made = [], 0
    for call in rows:
        at = timezone.make_aware(
            dt.datetime.combine(day, dt.time(9 + rng.randrange(8), rng.randrange(60)))
        )
        call.attempts = 1 if rng.random() < 0.8 else 2
        if call.attempts == 2:
            attempts.append(CallAttempt(call=call, at=at, by=worker, reached=False))
            at += dt.timedelta(hours=2)
        call.called_at, call.called_by = at, worker
        if rng.random() < 0.85:
            call.status, call.ok = CallStatus.REACHED, True
            if rng.random() < 0.12:
                need, text = rng.choice(NEEDS)
                call.ok, call.needs = False, text
                if not contains(HEMEI, call.region_id):
                    call.help_request = request_create(
                        user=None,
                        source="spot_check",
                        need_type=need,
                        description=text,
                        person_id=call.person_id,
                        received_at=at,
                        recorded_by=worker,
                    )
                    made += 1
        else:
            call.status = CallStatus.UNREACHED
        attempts.append(
            CallAttempt(
                call=call,
                at=at,
                by=worker,
                reached=call.status == CallStatus.REACHED,
                ok=call.ok,
                needs=call.needs,
            )
        )
    SpotCheckCall.objects.bulk_update(
        rows, ["status", "attempts", "ok", "needs", "called_at", "called_by", "help_request"]
    )
    CallAttempt.objects.bulk_create(attempts)
    return len(rows), made


# --- joint supervision ---------------------------------------------------------------------

DEPARTMENTS = [
    ("成华区民政局", "028-84321001"),
    ("成华区人力资源和社会保障局", "028-84321002"),
    ("成华区残疾人联合会", "028-84321003"),
    ("成华区卫生健康局", "028-84321004"),
    ("成华区医疗保障局", "028-84321005"),
    ("成华区教育局", "028-84321006"),
]
TEAM = "成华区困难群众冬季联合督导组"

# (text, severity, responsible unit, owner login, days from the inspection to the deadline,
#  state: "verified" / "done" / "open"). Two open ones are past their deadline.
FINDINGS = [
    ("部分低保户走访记录缺少本人签字", "major", "和美社区居委会", "community", 7, "verified"),
    ("特困分散供养人员照料协议未按年度续签", "major", "保和街道社会事务办", "street", 10, "done"),
    ("独居老人燃气报警器安装台账与实际不符", "critical", "保和街道社会事务办", "street", 5, "open"),
    ("临时救助审批资料不全", "minor", "和美社区居委会", "community", 9, "open"),
    ("困境儿童信息未及时更新", "major", "望平社区居委会", "district", 60, "open"),
]


def supervision_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if SupervisionTeam.objects.filter(name=TEAM).exists():
        return
    demo_users_ensure()
    officer, inspector = _user("district"), _user("inspector")
    owners = {"community": _user("community"), "street": _user("street"), "district": officer}
    deps = []
    for name, phone in DEPARTMENTS:
        found = Organisation.objects.filter(name=name).first()
        deps.append(
            found
            or organisation_create(
                user=None, name=name, kind="department", region_code=CHENGHUA, phone=phone
            )
        )
    team = services.team_create(
        user=officer,
        district_code=CHENGHUA,
        name=TEAM,
        department_ids=[d.pk for d in deps],
        leader="张建国（区民政局副局长）",
    )
    began = today - dt.timedelta(days=20)
    plan = services.plan_create(
        user=officer,
        team_id=team.pk,
        title="保和街道、猛追湾街道冬季困难群众保障督导",
        target_codes=[BAOHE, MENGZHUIWAN],
        starts_on=began,
        ends_on=today + dt.timedelta(days=10),
        focus="走访到位、台账规范、照料协议、燃气安全",
        other_targets="成华区社会福利院",
    )
    inspections = [
        services.inspection_create(
            user=officer,
            plan_id=plan.pk,
            region_code=region,
            method=method,
            on=on,
            summary=summary,
        )  # fmt: skip
        for region, method, on, summary in [
            (HEMEI, "on_site", began, "入户查看 12 户，询问 8 人"),
            (BAOHE, "ledger_review", began + dt.timedelta(days=1), "调阅街道低保、特困台账"),
            ("510108020001", "questioning", began + dt.timedelta(days=2), "询问社区工作人员 5 人"),
        ]
    ]
    by_region = {i.region_id: i for i in inspections}
    where = {"和美社区居委会": HEMEI, "保和街道社会事务办": BAOHE, "望平社区居委会": "510108020001"}
    for n, (text, severity, unit, owner, days, state) in enumerate(FINDINGS):
        inspection = by_region[where[unit]]
        owner_user = owners[owner]
        finding = services.finding_add(
            user=inspector if n % 2 == 0 else officer,
            inspection_id=inspection.pk,
            text=text,
            severity=severity,
            responsible_name=unit,
            responsible_unit_id=deps[0].pk,
            owner_id=owner_user.pk,
            deadline=inspection.on + dt.timedelta(days=days),
        )
        if state in ("done", "verified"):
            services.rectification_done(user=owner_user, finding_id=finding.pk, note="已整改完毕")
        if state == "verified":
            services.rectification_verify(user=finding.created_by, finding_id=finding.pk)
    if stdout is not None:
        stdout.write(
            f"  supervision: a team of 6 departments, 3 inspections, {len(FINDINGS)} findings"
        )


# --- street rescue --------------------------------------------------------------------------

# (district, team, route, encounters: "S" into the station, "H" to hospital), one a night.
NIGHTS = [
    ("510108000000", "成华区救助站夜巡一组", "建设路—二仙桥—八里庄", "SSSSH"),
    ("510104000000", "锦江区救助站夜巡组", "春熙路—太古里—合江亭", "SSSS"),
    ("510106000000", "金牛区救助站夜巡组", "火车北站—荷花池", "SSSSSH"),
    ("510108000000", "成华区救助站夜巡二组", "东郊记忆—猛追湾", "SSSH"),
    ("510104000000", "锦江区救助站夜巡组", "东门大桥—水井坊", "SSH"),
    ("510106000000", "金牛区救助站夜巡组", "茶店子—营门口", "SSSH"),
    ("510108000000", "成华区救助站夜巡一组", "二仙桥—龙潭寺", "S"),
]
PLACES = ["地下通道", "桥洞下", "公交站台", "银行自助厅", "商场门口", "公园长椅", "火车站广场"]
CONDITIONS = ["衣着单薄，手脚冰凉", "饮酒后露宿", "腿部受伤，行走困难", "自述迷路", "咳嗽发热"]


def rescue_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    this_winter, _end = winter_of(today)
    first, last = winter_of(this_winter - dt.timedelta(days=1))
    low = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    high = timezone.make_aware(dt.datetime.combine(last, dt.time.max))
    if Patrol.objects.filter(started_at__gte=low, started_at__lte=high).exists():
        return
    known = list(
        Person.objects.within(CHENGHUA)
        .filter(status="active")
        .exclude(pk__in=Person.objects.within(HEMEI).values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    identified = {1, 15}  # one on each of 成华区's first two nights
    night = dt.datetime.combine(dt.date(first.year, 12, 8), dt.time(21, 30))
    n = 0
    for district, team, route, plan in NIGHTS:
        started = timezone.make_aware(night)
        patrol = services.patrol_start(
            user=None,
            district_code=district,
            team=team,
            route=route,
            started_at=started,
            ended_at=started + dt.timedelta(hours=4, minutes=30),
        )
        at = started
        for code in plan:
            at += dt.timedelta(minutes=rng.randrange(15, 50))
            person_id = rng.choice(known) if n in identified and known else None
            services.encounter_record(
                user=None,
                patrol_id=patrol.pk,
                at=at,
                place=f"{route.split('—')[0]}{rng.choice(PLACES)}",
                person_id=person_id,
                description="" if person_id else _described(rng),
                condition=rng.choice(CONDITIONS),
                outcome="station" if code == "S" else "hospital",
                follow_ups="次日回访" if code == "H" else "",
            )
            n += 1
        night += dt.timedelta(days=rng.randrange(5, 12))
    if stdout is not None:
        total = Encounter.objects.filter(at__gte=low, at__lte=high).count()
        stdout.write(f"  rescue: {len(NIGHTS)} night patrols, {total} encounters last winter")


def _described(rng) -> str:
    sex = rng.choice(["男", "女"])
    return (
        f"{sex}，约{rng.randrange(35, 80)}岁，{rng.choice(['灰色棉衣', '黑色外套', '蓝色羽绒服'])}"
    )
