"""Care arrangements in the demo city (one seed step, see nuanxin/demo/steps.py).

- Entrusted-care agreements for dispersed 特困 people, most with a check this
  month; S7's 赵德胜 (锦江区 交子社区) has one whose caregiver is away ill with a
  substitute named.
- 新都区's 24 departments, each paired with one of the district's orphans —
  Xiao Zhou (S6, 14, his grandparents as guardians) among them — and the
  `partner` login answering for the department paired with him.
- An open screening of 新繁街道, half done.

Idempotent: run again, it adds nothing once the agreements exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from nuanxin.care import services as care_services
from nuanxin.care.models import (
    ActivityKind,
    CareAbsence,
    CareAgreement,
    CareCheck,
    CareDuty,
    CaregiverKind,
    CareLevel,
    CareSubstitute,
    Measure,
    Pairing,
    PairingActivity,
    Satisfaction,
    ScreeningItem,
)
from nuanxin.directory.models import Organisation, OrganisationAccount, OrganisationKind
from nuanxin.regions.models import Level, ancestor_codes, level_of
from nuanxin.registry.models import ORPHAN_CATEGORIES, Category, Enrollment, Status

from .story import story_person
from .users import demo_users_ensure

XINDU = "510114000000"
XINFAN = "510114110000"

DEPARTMENTS = [
    "民政局",
    "教育局",
    "人力资源和社会保障局",
    "卫生健康局",
    "残疾人联合会",
    "妇女联合会",
    "共青团新都区委",
    "公安分局",
    "司法局",
    "财政局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "文化广电旅游局",
    "市场监督管理局",
    "医疗保障局",
    "应急管理局",
    "退役军人事务局",
    "统计局",
    "审计局",
    "生态环境局",
    "水务局",
    "商务局",
    "总工会",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂兰", "建国", "志强", "玉珍", "德华", "淑芬", "国庆", "红梅", "明"]
SCHOOLS = ["新繁小学", "新繁中学", "新都一中", "清流小学", "大丰中学"]
GRADES = ["三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"]
FEE_FEN = {CareLevel.SELF_CARING: 30000, CareLevel.PARTLY_LOST: 60000, CareLevel.FULLY_LOST: 100000}


def _street(code: str) -> str:
    return next(c for c in ancestor_codes(code) if level_of(c) == Level.STREET)


def _phone(rng: random.Random) -> str:
    return "139" + "".join(str(rng.randrange(10)) for _ in range(8))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def care_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if CareAgreement.objects.exists():
        return
    demo_users_ensure()
    counts = {
        "agreements": _agreements_seed(rng, today),
        "pairings": _pairings_seed(rng, today),
        "screened": _screening_seed(rng, today),
    }
    if stdout is not None:
        stdout.write("  care: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


# --- agreements -------------------------------------------------------------------------------


def _agreements_seed(rng: random.Random, today: dt.date) -> int:
    people = list(
        Enrollment.objects.active_on(today)
        .filter(category=Category.TEKUN_DISPERSED, person__status=Status.ACTIVE)
        .select_related("person")
        .order_by("person_id")
    )
    zhao = story_person("jinjiang_tekun")
    # Most dispersed 特困 people have a caregiver; a few are left for the duty to find.
    chosen = {e.person_id: e.person for e in people if rng.random() < 0.85}
    if zhao is not None:
        chosen[zhao.pk] = zhao
    rows = []
    for person in chosen.values():
        level = {"self": CareLevel.SELF_CARING, "partly": CareLevel.PARTLY_LOST}.get(
            person.self_care, CareLevel.FULLY_LOST
        )
        kind = rng.choice([CaregiverKind.RELATIVE, CaregiverKind.NEIGHBOUR])
        duties = [CareDuty.DAILY_LOOK_IN, CareDuty.EMERGENCY]
        duties += rng.sample([CareDuty.PERSONAL_CARE, CareDuty.MEALS, CareDuty.HOSPITAL], 2)
        rows.append(
            CareAgreement(
                person=person,
                region_id=person.region_id,
                street_id=_street(person.region_id),
                caregiver_kind=kind,
                caregiver_name=_name(rng),
                caregiver_phone=_phone(rng),
                duties=duties,
                care_level=level,
                monthly_fee_fen=FEE_FEN[level],
                starts_on=today - dt.timedelta(days=rng.randrange(60, 700)),
            )
        )
    if zhao is not None:
        for row in rows:
            if row.person_id == zhao.pk:
                row.caregiver_kind, row.caregiver_name = CaregiverKind.NEIGHBOUR, "邻居王秀英"
                row.caregiver_phone = "13980010011"
    agreements = CareAgreement.objects.bulk_create(rows, batch_size=500)
    # Most were checked this month; one in five unannounced (四不两直).
    checks = [
        CareCheck(
            agreement=a,
            person_id=a.person_id,
            region_id=a.region_id,
            checked_on=today - dt.timedelta(days=rng.randrange(0, max(today.day, 1))),
            unannounced=rng.random() < 0.2,
            duties_performed={d: True for d in a.duties},
            satisfaction=Satisfaction.SATISFIED,
        )
        for a in agreements
        if rng.random() < 0.75
    ]
    CareCheck.objects.bulk_create(checks, batch_size=500)
    if zhao is not None:
        _s7_absence(zhao, today)
    # An agreement is what makes their caregiver reliable: their tiers follow.
    from nuanxin.visits.derive import schedules_refresh

    schedules_refresh(person_ids=[a.person_id for a in agreements], today=today)
    return len(agreements)


def _s7_absence(zhao, today: dt.date) -> None:
    """S7: the neighbour is ill for ten days from yesterday; her nephew stands in."""
    agreement = CareAgreement.objects.get(person=zhao)
    now = timezone.now()
    start = now - dt.timedelta(days=1)
    absence = CareAbsence.objects.create(
        agreement=agreement,
        person=zhao,
        region_id=agreement.region_id,
        starts_at=start,
        ends_at=start + dt.timedelta(days=10),
        reason="生病住院",
        reported_at=start,
        substitute_due_at=start + dt.timedelta(hours=24),
    )
    CareSubstitute.objects.create(
        absence=absence,
        region_id=agreement.region_id,
        caregiver_kind=CaregiverKind.RELATIVE,
        caregiver_name="赵勇",
        caregiver_phone="13980010003",
        named_at=start + dt.timedelta(hours=5),
    )


# --- pairings ---------------------------------------------------------------------------------


def _pairings_seed(rng: random.Random, today: dt.date) -> int:
    from nuanxin.accounts.models import User
    from nuanxin.regions.models import Region

    xindu = Region.objects.filter(code=XINDU).first()
    if xindu is None:
        return 0
    names = [f"新都区{d}" for d in DEPARTMENTS]
    existing = set(Organisation.objects.filter(name__in=names).values_list("name", flat=True))
    Organisation.objects.bulk_create(
        Organisation(name=n, kind=OrganisationKind.DEPARTMENT, region=xindu)
        for n in names
        if n not in existing
    )
    departments = list(Organisation.objects.filter(name__in=names).order_by("id"))
    zhou = story_person("xiao_zhou")
    orphans = list(
        dict.fromkeys(
            Enrollment.objects.within(XINDU)
            .active_on(today)
            .filter(category__in=ORPHAN_CATEGORIES, person__status=Status.ACTIVE)
            .order_by("person_id")
            .values_list("person_id", flat=True)
        )
    )
    if zhou is not None and zhou.pk in orphans:
        orphans.remove(zhou.pk)
        orphans.insert(0, zhou.pk)
    people = {p.pk: p for p in _people(orphans[: len(departments)])}
    pairings = [
        Pairing(
            organisation=department,
            person_id=pid,
            region_id=people[pid].region_id,
            starts_on=today - dt.timedelta(days=rng.randrange(30, 400)),
            school="新繁中学" if zhou is not None and pid == zhou.pk else rng.choice(SCHOOLS),
            grade="初二" if zhou is not None and pid == zhou.pk else rng.choice(GRADES),
        )
        for department, pid in zip(departments, orphans, strict=False)
    ]
    pairings = Pairing.objects.bulk_create(pairings)
    activities = [
        PairingActivity(
            pairing=p,
            person_id=p.person_id,
            region_id=p.region_id,
            kind=rng.choice([k for k in ActivityKind.values if k != ActivityKind.VISIT]),
            held_on=today - dt.timedelta(days=rng.randrange(1, 60)),
            note="",
        )
        for p in pairings
        for _ in range(rng.randrange(1, 4))
    ]
    PairingActivity.objects.bulk_create(activities)
    partner = User.objects.filter(username="partner").first()
    if (
        partner is not None
        and pairings
        and not OrganisationAccount.objects.filter(user=partner).exists()
    ):
        # The demo partner answers for the department paired with Xiao Zhou (the first).
        OrganisationAccount.objects.create(user=partner, organisation=pairings[0].organisation)
    return len(pairings)


def _people(ids):
    from nuanxin.registry.models import Person

    return Person.objects.filter(pk__in=ids)


# --- screening ---------------------------------------------------------------------------------


def _screening_seed(rng: random.Random, today: dt.date) -> int:
    from nuanxin.regions.models import Region

    if not Region.objects.filter(code=XINFAN).exists():
        return 0
    screening = care_services.screening_open(
        user=None,
        region_code=XINFAN,
        categories=[
            Category.ORPHAN_SCATTERED,
            Category.LEFT_BEHIND_CHILD,
            Category.TEKUN_DISPERSED,
            Category.SEVERE_DISABILITY,
        ],
        deadline=today + dt.timedelta(days=14),
        title="新繁街道困境群体摸排",
    )
    items = list(ScreeningItem.objects.filter(screening=screening).order_by("id"))
    done = items[: len(items) // 2]
    now = timezone.now()
    measures = [m for m in Measure.values if m != Measure.NONE]
    for item in done:
        if rng.random() < 0.6:
            item.measure, item.reason = Measure.NONE, "家庭照料到位，暂无需求"
        else:
            item.measure, item.reason = rng.choice(measures), ""
        item.done_at = now - dt.timedelta(hours=rng.randrange(1, 72))
    ScreeningItem.objects.bulk_update(done, ["measure", "reason", "done_at"], batch_size=500)
    return len(done)
