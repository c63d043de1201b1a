"""Casework in the demo city: the directory, story S8 played through, and a city's worth of cases.

Three seed steps (see nuanxin/demo/steps.py), in this order:

- `directory_seed`: a dozen service providers of 成都 with contacts and service
  areas; the `provider` demo login is linked to the 锦江 repair service.
- `story_s8_seed`: Grandma Li's hotline call three days before `today`, played
  through the real services by the demo social workers 孙婷 and 何静 and the
  repair service's own account, from the call to the home camera.
- `background_seed`: a few hundred help requests, service tasks, care plans,
  referrals and applications across the districts, so the lists, the dashboard
  and the blind-spot report have something to show. Written in bulk with the
  fields the services would set. 和美社区 is left alone: S1 (Ms. Cai) and S2 are
  for the visitor to play by hand.

Every step is idempotent: run again, it adds nothing that is already there.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone, translation

from nuanxin.accounts.models import User
from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.casework.models import (
    AdlItem,
    AdlLevel,
    Application,
    ApplicationStatus,
    CareSession,
    HelpRequest,
    Loneliness,
    NeedType,
    OccurrenceStatus,
    PlanKind,
    Recurrence,
    Referral,
    ReferralStatus,
    RequestEvent,
    RequestStatus,
    Scheme,
    ServiceTask,
    SessionMode,
    Source,
    TaskKind,
    TaskOccurrence,
    TaskStatus,
    Urgency,
)
from nuanxin.directory.models import ProviderKind, ServiceProvider
from nuanxin.directory.services import provider_create
from nuanxin.regions.models import contains

from .story import story_person
from .users import DEMO_REPAIR_PROVIDER, demo_users_ensure

HEMEI = "510108010001"  # S1/S2's community: kept free of generated casework

# --- the directory --------------------------------------------------------------------

# (name, kind, phone, address, services, service area codes (none: the whole city), contacts)
PROVIDERS = [
    (
        "成都燃气集团 抢修服务中心",
        ProviderKind.GAS,
        "028-962777",
        "成都市锦江区东大街下东大街段 1 号",
        "燃气泄漏抢修、燃气设施安全检查、燃气热水器及灶具安全隐患排查（24 小时）",
        [],
        [("值班调度", "调度员", "02886612345"), ("周建华", "抢修班长", "13908061201")],
    ),
    (
        DEMO_REPAIR_PROVIDER,
        ProviderKind.REPAIR,
        "028-84451230",
        "锦江区春熙路街道 和平街 18 号",
        "燃气热水器、灶具、冰箱、洗衣机等家电上门维修；特殊困难老人免上门费",
        ["510104000000"],
        [("刘建", "负责人", "13880112233"), ("陈小兵", "维修师傅", "13880114455")],
    ),
    (
        "东升便民维修服务队",
        ProviderKind.REPAIR,
        "028-85801166",
        "双流区东升街道 棠湖社区服务中心",
        "水电、门窗、家电维修；困难群众免费小修",
        ["510116000000"],
        [("罗志刚", "队长", "13981723456")],
    ),
    (
        "成都市第二人民医院",
        ProviderKind.HOSPITAL,
        "028-86637733",
        "成都市锦江区庆云南街 10 号",
        "老年病门诊、家庭医生签约、上门巡诊、慢病随访",
        ["510104000000", "510105000000"],
        [("医务部", "转诊联络", "02886637700")],
    ),
    (
        "四川大学华西医院 老年医学中心",
        ProviderKind.HOSPITAL,
        "028-85422114",
        "成都市武侯区国学巷 37 号",
        "老年综合评估、失能老人医疗照护指导、远程会诊",
        [],
        [("老年医学中心", "护士长", "02885423000")],
    ),
    (
        "成华区人民医院",
        ProviderKind.HOSPITAL,
        "028-83128888",
        "成都市成华区槐树店路 50 号",
        "门诊、住院、就医陪诊绿色通道、慢病送药",
        ["510108000000"],
        [("刘芳", "社工部", "13541112345")],
    ),
    (
        "锦江区心晴心理咨询服务中心",
        ProviderKind.COUNSELLING,
        "028-86711520",
        "锦江区水井坊街道 交子社区 2 楼",
        "老年人心理疏导、哀伤辅导、线上和入户心理咨询",
        ["510104000000"],
        [("王心怡", "心理咨询师", "13688001234")],
    ),
    (
        "成都市心理援助热线（成都市第四人民医院）",
        ProviderKind.COUNSELLING,
        "028-87577510",
        "成都市金牛区营门口路 8 号",
        "24 小时心理援助热线、心理危机干预、精神科转介",
        [],
        [("热线值班", "", "02887577510")],
    ),
    (
        "锦江区安康居家养老服务中心",
        ProviderKind.HOME_SERVICE,
        "028-86520088",
        "锦江区春熙路街道 和平社区日间照料中心",
        "助餐、助洁、助浴、代购、陪同就医（居家养老上门服务）",
        ["510104000000"],
        [("张秀兰", "站长", "13882001122")],
    ),
    (
        "成华区幸福家园居家养老服务中心",
        ProviderKind.HOME_SERVICE,
        "028-84332211",
        "成华区保和街道 和美社区服务中心",
        "助餐、助洁、送水、代购药品、紧急呼叫响应",
        ["510108000000"],
        [("杜梅", "服务主管", "13708012345")],
    ),
    (
        "武侯区乐龄居家养老服务中心",
        ProviderKind.HOME_SERVICE,
        "028-85556677",
        "武侯区玉林街道 玉林北路社区",
        "居家养老上门服务、适老化改造评估、助浴",
        ["510107000000"],
        [("黄立", "项目主管", "13980561234")],
    ),
    (
        "大邑县沙渠街道社会工作服务站",
        ProviderKind.SOCIAL_WORK,
        "028-88211234",
        "大邑县沙渠街道 蔡场社区党群服务中心",
        "困难群众走访、个案管理、志愿者队伍组织",
        ["510129001000"],
        [("杨帆", "站长", "13551234567"), ("李雪", "社工", "13551237890")],
    ),
    (
        "锦江区春熙路街道社会工作服务站",
        ProviderKind.SOCIAL_WORK,
        "028-86661010",
        "锦江区春熙路街道 和平社区",
        "个案管理、需求评估、心理关爱、链接社会资源",
        ["510104010000"],
        [("孙婷", "社工", "13980010100")],
    ),
    (
        "成华区保和街道社会工作服务站",
        ProviderKind.SOCIAL_WORK,
        "028-84321010",
        "成华区保和街道办事处一楼",
        "个案管理、困境儿童关爱、为老服务",
        ["510108010000"],
        [("唐静", "社工", "13708019876")],
    ),
]


def _users() -> dict[str, User]:
    """The demo logins the steps act as (created here: the steps run before `nuanxin demo` does)."""
    demo_users_ensure()
    return {
        u.username: u
        for u in User.objects.filter(username__in=["city", "social", "social2", "provider"])
    }


def directory_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    """The providers (by name, so a rerun adds none twice) and the provider login's link."""
    from nuanxin.demo.places import story_places_load

    story_places_load()  # the street-level service areas are story places
    admin = _users()["city"]
    existing = set(ServiceProvider.objects.values_list("name", flat=True))
    added = 0
    for name, kind, phone, address, services, area, contacts in PROVIDERS:
        if name in existing:
            continue
        provider_create(
            user=admin,
            name=name,
            kind=kind,
            phone=phone,
            address=address,
            services=services,
            service_area=area,
            contacts=[{"name": n, "role": r, "phone": p} for n, r, p in contacts],
        )
        added += 1
    demo_users_ensure()  # now links `provider` to the repair service
    if stdout is not None:
        stdout.write(f"  directory: {added} service providers")


# --- story S8 -------------------------------------------------------------------------

S8_DESCRIPTION = "燃气热水器坏了，冬天没有热水"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def story_s8_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    """Grandma Li, from the hotline call (3 days ago) to the camera: see STORIES.md S8."""
    from nuanxin.casework.services import assessments, care_plans, referrals, requests
    from nuanxin.registry.models import DeviceKind
    from nuanxin.registry.services import consent_record, device_record

    li = story_person("grandma_li")
    if li is None:
        return
    if HelpRequest.objects.filter(person=li, description=S8_DESCRIPTION).exists():
        return
    users = _users()
    sun, he, repairer = users["social"], users["social2"], users["provider"]
    provider = ServiceProvider.objects.get(name=DEMO_REPAIR_PROVIDER)
    # Dated records (assessment, referral, plan …) sit at midnight on the timeline, so
    # the call comes in the evening and everything after it happens on later days.
    call_day, visit_day, next_day = (today - dt.timedelta(days=n) for n in (3, 2, 1))

    # The evening call: the heater failed at bath time. 孙婷 triages it, takes it on with 何静.
    hr = requests.request_create(
        user=sun,
        source=Source.HOTLINE,
        need_type=NeedType.HEATING,
        description=S8_DESCRIPTION,
        person_id=li.pk,
        received_at=_at(call_day, 20, 30),
    )
    requests.request_triage(
        user=sun,
        help_request=hr,
        urgency=Urgency.URGENT,
        need_type=NeedType.REPAIRS,
        note="独居视障老人，冬季无热水",
    )
    requests.request_assign(user=sun, help_request=hr, assignee_ids=[sun.pk, he.pk])
    requests.request_contact(
        user=sun, help_request=hr, at=_at(call_day, 21, 0), note="电话回访，安抚老人，约定明早入户"
    )
    # The services stamp triage and assignment "now"; the story happened on the call day.
    events = list(hr.events.order_by("id"))
    for event, moment in zip(
        events, [_at(call_day, 20, 30), _at(call_day, 20, 40), _at(call_day, 20, 45)], strict=False
    ):
        RequestEvent.objects.filter(pk=event.pk).update(at=moment)
    HelpRequest.objects.filter(pk=hr.pk).update(triaged_at=_at(call_day, 20, 40))

    # Next morning: the home visit and the needs assessment; the repair is referred.
    adl = {item: AdlLevel.INDEPENDENT for item in AdlItem.values}
    adl[AdlItem.BATHING] = AdlLevel.NEEDS_HELP
    assessment = assessments.assessment_create(
        user=sun,
        person=li,
        assessed_on=visit_day,
        assessors=[sun, he],
        adl=adl,
        loneliness=Loneliness.SEVERE,
        help_request=hr,
        living_conditions="独居，老旧小区五楼无电梯；燃气热水器使用超过 10 年，点火失败",
        health="视力残疾二级，高血压，洗澡需要有人在旁",
        safety="热水器老化，存在燃气安全隐患；夜间独自在家无人知晓",
        psychological="自老伴去世后少言寡语，很少下楼，拒绝参加社区活动，常说“不想麻烦别人”",
        social_support="女儿在上海工作，每周通话一次；邻里往来少",
        finances="低保，每月另有少量养老金",
        summary="独居视障老人，热水器故障需立即维修；孤独感强、明显退缩，需要心理关爱",
        recommendations="转介维修；制定心理关爱方案，每周一次；经本人书面同意后安装居家安全摄像头",
    )
    referral = referrals.referral_create(
        user=sun,
        person=li,
        provider=provider,
        asked="上门检修燃气热水器（点火失败），必要时更换；老人视力不好，请先电话联系",
        sent_on=visit_day,
        due_on=visit_day,
        help_request=hr,
    )
    referrals.referral_accept(user=repairer, referral=referral)
    referrals.referral_complete(
        user=repairer, referral=referral, outcome="更换点火器和燃气软管，试机正常，已教老人使用"
    )
    Referral.objects.filter(pk=referral.pk).update(
        accepted_at=_at(visit_day, 10, 0), completed_at=_at(visit_day, 16, 0)
    )
    requests.request_resolve(
        user=sun, help_request=hr, resolution="热水器已由维修服务部修复；转入心理关爱方案跟进"
    )
    HelpRequest.objects.filter(pk=hr.pk).update(resolved_at=_at(visit_day, 16, 30))
    RequestEvent.objects.filter(request=hr, to_status=RequestStatus.RESOLVED).update(
        at=_at(visit_day, 16, 30)
    )

    # From the day after the assessment: weekly psychological care for 12 weeks.
    plan = care_plans.care_plan_create(
        user=sun,
        person_id=li.pk,
        kind=PlanKind.PSYCHOLOGICAL,
        goals="缓解孤独感，逐步恢复与邻里和社区的往来",
        measures="每周一次入户或电话心理关爱；邀请参加社区老年活动；协助与女儿视频通话",
        starts_on=next_day,
        sessions=12,
        recurrence=Recurrence.WEEKLY,
        responsible=[sun, he],
        assessment=assessment,
        help_request=hr,
    )
    first = plan.session_set.order_by("number").first()
    care_plans.care_session_record(
        user=he,
        session_id=first.pk,
        held_on=next_day,
        mode=SessionMode.IN_PERSON,
        notes="入户陪伴一小时，老人谈起老伴时落泪；约定下周一起去社区活动室",
    )

    # Her written consent, then the home-safety camera.
    consent = consent_record(
        user=sun,
        person=li,
        purpose="home_camera",
        method="written",
        given_on=next_day,
        document="居家安全摄像头知情同意书 春熙路社工站 2026-017（纸质原件存社工站）",
    )
    device_record(
        user=sun,
        person=li,
        kind=DeviceKind.CAMERA,
        installed_on=today,
        consent=consent,
        serial="JJ-CAM-0017",
    )
    if stdout is not None:
        stdout.write("  story S8: 李奶奶, from the hotline call to the home camera")


# --- the city's background casework ---------------------------------------------------

NEEDS = [
    (NeedType.HEATING, "家中电暖器坏了，夜里很冷"),
    (NeedType.HEATING, "冬天被褥单薄，需要取暖物资"),
    (NeedType.WATER, "水管冻裂，家里停水两天"),
    (NeedType.REPAIRS, "厨房水龙头漏水，自己修不了"),
    (NeedType.REPAIRS, "楼道灯坏了，晚上下楼不安全"),
    (NeedType.MEDICINE, "降压药快吃完了，腿脚不便无法去医院取药"),
    (NeedType.MEDICAL, "需要有人陪同去医院复查"),
    (NeedType.LIVING_SUPPLIES, "米面油快用完了，希望帮忙购买"),
    (NeedType.PSYCHOLOGICAL, "老伴去世后情绪低落，不愿出门"),
    (NeedType.SAFETY, "闻到燃气异味，担心漏气"),
    (NeedType.POLICY, "咨询临时救助的申请条件"),
    (NeedType.POLICY, "想了解残疾人护理补贴怎么申请"),
    (NeedType.OTHER, "希望有人帮忙办理银行卡挂失"),
]
SOURCES = [
    (Source.HOTLINE, 30),
    (Source.VISIT, 25),
    (Source.OWN_CALL, 15),
    (Source.WALK_IN, 10),
    (Source.SPOT_CHECK, 10),
    (Source.DEPARTMENT, 10),
]
URGENCIES = [(Urgency.URGENT, 15), (Urgency.NORMAL, 65), (Urgency.LOW, 20)]
SLA = {Urgency.URGENT: (2, 24), Urgency.NORMAL: (24, 72), Urgency.LOW: (72, 168)}
RESOLUTIONS = ["已上门处理", "已协调社区志愿者解决", "已转介服务机构处理完毕", "已电话解答并办理"]
PLAN_GOALS = {
    PlanKind.PSYCHOLOGICAL: "缓解孤独和焦虑情绪，重建社会支持",
    PlanKind.HOME_SERVICE: "保障日常起居，每周上门助洁助浴",
    PlanKind.LIVING_ASSISTANCE: "保障基本生活物资，协助办理救助",
}
REFERRAL_ASKS = ["上门检修", "上门巡诊", "心理疏导", "助餐助洁", "入户走访评估", "燃气安全检查"]
MISSED_NOTES = ["老人外出，未能送达", "志愿者临时有事，未能上门", "敲门无人应答"]
TASK_KINDS = [
    (TaskKind.WATER, "送桶装水"),
    (TaskKind.RUBBISH, "帮忙倒垃圾"),
    (TaskKind.MEDICINE, "代购常用药"),
    (TaskKind.SHOPPING, "代购米面油和蔬菜"),
    (TaskKind.HEATING_CHECK, "检查取暖设备和电热毯"),
    (TaskKind.HOSPITAL_ESCORT, "陪同去社区医院复查"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["丽", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞"]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _district_workers(rng: random.Random) -> dict[str, User]:
    """One social worker per district (no login: demo helpers), to own the background cases."""
    from nuanxin.accounts.services import user_create
    from nuanxin.core.access import Role
    from nuanxin.regions.models import Level, Region

    workers = {}
    existing = {u.username: u for u in User.objects.filter(username__startswith="sw-")}
    for district in Region.objects.filter(level=Level.DISTRICT).order_by("code"):
        username = f"sw-{district.code[:6]}"
        user = existing.get(username)
        if user is None:
            user = user_create(
                username=username,
                role=Role.SOCIAL_WORKER,
                region_code=district.code,
                full_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            )
        workers[district.code[:6]] = user
    return workers


def background_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    """Casework across the districts, in bulk, sized to the city (≈ 320 requests for 20,000)."""
    from nuanxin.registry.models import Person, Status

    if HelpRequest.objects.filter(created_by__username__startswith="sw-").exists():
        return  # seeded already
    li = story_person("grandma_li")
    pool = [
        (pk, region_id)
        for pk, region_id in Person.objects.filter(status=Status.ACTIVE)
        .exclude(pk=getattr(li, "pk", None))
        .order_by("pk")
        .values_list("pk", "region_id")
        if not contains(HEMEI, region_id)
    ]
    if not pool:
        return
    workers = _district_workers(rng)
    now = timezone.now()
    if today < timezone.localdate():
        now = _at(today, 18)  # a city built for an earlier day: "now" is that evening
    n = min(320, max(10, len(pool) // 20))
    people = rng.sample(pool, min(n, len(pool)))
    counts = {
        "requests": _requests_seed(rng, people, workers, now),
        "tasks": _tasks_seed(rng, people, workers, today),
    }
    users = _users()
    counts["plans"] = _plans_seed(rng, people, workers, today, users["city"])
    counts["referrals"] = _referrals_seed(rng, people, today, users["city"])
    counts["applications"] = _applications_seed(rng, people, today, users["city"])
    audit_record(
        user=None,
        action=AuditAction.CREATE,
        object_type="demo.casework",
        object_id=today.isoformat(),
        object_repr="demo casework: " + ", ".join(f"{v} {k}" for k, v in counts.items()),
        changes=counts,
    )
    if stdout is not None:
        stdout.write("  casework: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


def _request_status(rng: random.Random, age_hours: float, resolve_hours: int) -> str:
    """Older requests are mostly finished; a few stay open past their deadline (breaches)."""
    if age_hours < 3:
        return rng.choice([RequestStatus.NEW, RequestStatus.TRIAGED, RequestStatus.ASSIGNED])
    if age_hours < resolve_hours:
        return _pick(
            rng,
            [
                (RequestStatus.TRIAGED, 10),
                (RequestStatus.ASSIGNED, 25),
                (RequestStatus.IN_PROGRESS, 40),
                (RequestStatus.RESOLVED, 25),
            ],
        )
    return _pick(
        rng,
        [
            (RequestStatus.ASSIGNED, 4),
            (RequestStatus.IN_PROGRESS, 8),
            (RequestStatus.RESOLVED, 20),
            (RequestStatus.CLOSED, 60),
            (RequestStatus.REJECTED, 8),
        ],
    )


ORDER = [
    RequestStatus.NEW,
    RequestStatus.TRIAGED,
    RequestStatus.ASSIGNED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.RESOLVED,
    RequestStatus.CLOSED,
]


def _requests_seed(rng, people, workers, now) -> int:
    rows, chains = [], []
    for person_id, region_id in people:
        need, text = rng.choice(NEEDS)
        urgency = _pick(rng, URGENCIES)
        first_h, resolve_h = SLA[urgency]
        age = rng.uniform(0.5, 24) if rng.random() < 0.15 else rng.uniform(1, 24 * 45)
        received = now - dt.timedelta(hours=age)
        status = _request_status(rng, age, resolve_h)
        worker = workers[region_id[:6]]
        hr = HelpRequest(
            person_id=person_id,
            region_id=region_id,
            source=_pick(rng, SOURCES),
            need_type=need,
            urgency=urgency,
            description=text,
            status=status,
            received_at=received,
            first_contact_due_at=received + dt.timedelta(hours=first_h),
            resolve_due_at=received + dt.timedelta(hours=resolve_h),
            created_by=worker,
        )
        moments = {RequestStatus.NEW: received}
        step = min(age, first_h * 1.5) / 4  # most first contacts in time, some late
        if status == RequestStatus.REJECTED:
            hr.triaged_at = received + dt.timedelta(hours=step)
            hr.closed_at = hr.triaged_at
            hr.reject_reason = "经核实不属于救助范围，已告知求助人其他办理渠道"
            moments[RequestStatus.REJECTED] = hr.closed_at
        else:
            reached = ORDER[: ORDER.index(status) + 1]
            at = received
            for s in reached[1:]:
                at = at + dt.timedelta(hours=step if s != RequestStatus.RESOLVED else age / 3)
                at = min(at, now)
                moments[s] = at
            hr.triaged_at = moments.get(RequestStatus.TRIAGED)
            hr.first_contact_at = moments.get(RequestStatus.IN_PROGRESS)
            hr.resolved_at = moments.get(RequestStatus.RESOLVED)
            hr.closed_at = moments.get(RequestStatus.CLOSED)
            if hr.resolved_at:
                hr.resolution = rng.choice(RESOLUTIONS)
        rows.append(hr)
        chains.append((worker, moments))
    HelpRequest.objects.bulk_create(rows)
    events, assigned = [], []
    Through = HelpRequest.assignees.through
    for hr, (worker, moments) in zip(rows, chains, strict=True):
        previous = ""
        for to_status, at in moments.items():
            events.append(
                RequestEvent(
                    request=hr, at=at, by=worker, from_status=previous, to_status=to_status
                )
            )
            previous = to_status
        if RequestStatus.ASSIGNED in moments:
            assigned.append(Through(helprequest_id=hr.pk, user_id=worker.pk))
    RequestEvent.objects.bulk_create(events)
    Through.objects.bulk_create(assigned)
    return len(rows)


def _tasks_seed(rng, people, workers, today) -> int:
    from nuanxin.casework.services.service_tasks import recurrence_dates

    chosen = rng.sample(people, max(1, len(people) // 5))
    tasks, plans = [], []
    for person_id, region_id in chosen:
        kind, details = rng.choice(TASK_KINDS)
        recurrence = _pick(
            rng, [(Recurrence.DAILY, 50), (Recurrence.WEEKLY, 30), (Recurrence.ONCE, 20)]
        )
        count = {Recurrence.DAILY: rng.randint(7, 14), Recurrence.WEEKLY: rng.randint(4, 8)}.get(
            recurrence
        )
        starts = today - dt.timedelta(days=rng.randint(0, 12))
        dates = recurrence_dates(starts_on=starts, recurrence=recurrence, count=count)
        worker = workers[region_id[:6]]
        tasks.append(
            ServiceTask(
                person_id=person_id,
                region_id=region_id,
                kind=kind,
                details=details,
                assignee=worker,
                recurrence=recurrence,
                starts_on=starts,
                occurrences=count,
                created_by=worker,
            )
        )
        plans.append(dates)
    ServiceTask.objects.bulk_create(tasks)
    occurrences = []
    for task, dates in zip(tasks, plans, strict=True):
        for day in dates:
            occ = TaskOccurrence(
                task=task,
                person_id=task.person_id,
                region_id=task.region_id,
                assignee=task.assignee,
                due_on=day,
            )
            if day < today:
                roll = rng.random()
                if roll < 0.88:
                    occ.status = OccurrenceStatus.DONE
                    occ.done_at = _at(day, rng.randint(8, 17), rng.randint(0, 59))
                    occ.done_by = task.assignee
                elif roll < 0.94:
                    occ.status = OccurrenceStatus.MISSED
                    occ.note = rng.choice(MISSED_NOTES)
                # else: left due, so it is late — a blind spot
            occurrences.append(occ)
        if all(o.status != OccurrenceStatus.DUE for o in occurrences[-len(dates) :]):
            task.status = TaskStatus.FINISHED
    TaskOccurrence.objects.bulk_create(occurrences)
    finished = [t.pk for t in tasks if t.status == TaskStatus.FINISHED]
    ServiceTask.objects.filter(pk__in=finished).update(status=TaskStatus.FINISHED)
    return len(tasks)


def _plans_seed(rng, people, workers, today, admin) -> int:
    from nuanxin.casework.services.care_plans import care_plan_create

    plans, held = 0, []
    for person_id, region_id in rng.sample(people, min(8, len(people))):
        kind = rng.choice(PlanKind.values)
        worker = workers[region_id[:6]]
        plan = care_plan_create(
            user=admin,
            person_id=person_id,
            kind=kind,
            goals=PLAN_GOALS[kind],
            starts_on=today - dt.timedelta(days=rng.randint(0, 42)),
            sessions=rng.randint(8, 12),
            responsible=[worker],
        )
        for session in plan.session_set.filter(due_on__lt=today):
            if rng.random() < 0.85:  # the rest stay due: late sessions, blind spots
                session.status = OccurrenceStatus.DONE
                session.held_on = session.due_on
                session.mode = rng.choice(SessionMode.values)
                session.notes = "按计划开展，服务对象状态平稳"
                session.held_by = worker
                held.append(session)
        plans += 1
    # What care_session_record writes, for all of them at once.
    CareSession.objects.bulk_update(held, ["status", "held_on", "mode", "notes", "held_by"])
    return plans


def _referrals_seed(rng, people, today, admin) -> int:
    """Referrals to providers serving each person's area: sent, accepted or completed."""
    providers = {}
    rows = []
    for person_id, region_id in rng.sample(people, min(32, len(people))):
        if region_id[:6] not in providers:
            providers[region_id[:6]] = list(
                ServiceProvider.objects.filter(active=True).serving(region_id).order_by("pk")
            )
        if not providers[region_id[:6]]:
            continue
        sent = today - dt.timedelta(days=rng.randint(0, 30))
        referral = Referral(
            person_id=person_id,
            region_id=region_id,
            provider=rng.choice(providers[region_id[:6]]),
            asked=rng.choice(REFERRAL_ASKS),
            sent_on=sent,
            due_on=sent + dt.timedelta(days=rng.randint(3, 10)),
            created_by=admin,
            updated_by=admin,
        )
        roll = rng.random()
        if roll < 0.7:  # the rest are still waiting for the provider (some overdue)
            referral.status = ReferralStatus.ACCEPTED
            referral.accepted_at = _at(sent, 15)
            if roll < 0.5 and referral.due_on < today:
                referral.status = ReferralStatus.COMPLETED
                referral.completed_at = _at(referral.due_on, 11)
                referral.outcome = "已按要求完成服务"
        rows.append(referral)
    Referral.objects.bulk_create(rows)
    return len(rows)


def _applications_seed(rng, people, today, admin) -> int:
    """Applications being prepared, submitted, approved or refused."""
    from nuanxin.casework.services.applications import common_documents

    rows = []
    for person_id, region_id in rng.sample(people, min(20, len(people))):
        scheme = rng.choice(
            [Scheme.TEMPORARY, Scheme.DIBAO, Scheme.DISABILITY_CARE, Scheme.ELDERLY_ALLOWANCE]
        )
        with translation.override("zh-hans"):  # stored as written, in the demo's language
            documents = common_documents(scheme)
        application = Application(
            person_id=person_id,
            region_id=region_id,
            scheme=scheme,
            documents=documents[: rng.randint(1, len(documents))],
            helped_by=admin,
        )
        roll = rng.random()
        if roll < 0.7:
            application.status = ApplicationStatus.SUBMITTED
            application.documents = documents
            application.submitted_on = today - dt.timedelta(days=rng.randint(5, 40))
            if roll < 0.45:
                approved = roll < 0.38
                application.status = (
                    ApplicationStatus.APPROVED if approved else ApplicationStatus.REFUSED
                )
                application.decided_on = min(
                    today, application.submitted_on + dt.timedelta(days=rng.randint(3, 20))
                )
                application.decision = (
                    "符合条件，予以批准" if approved else "家庭收入超出标准，不予批准"
                )
        rows.append(application)
    Application.objects.bulk_create(rows)
    return len(rows)
