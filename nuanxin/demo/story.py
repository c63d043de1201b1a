"""The people the stories (STORIES.md) name, with fixed facts.

`story_people_create()` puts them into the demo city; `story_person(key)` finds
one again (by name and place, since birth dates and so ID numbers follow
`today`, keeping every age right whatever the day).

和美社区 holds exactly the 40 people of story S2 — Ms. Cai and 39 neighbours,
6 of them red by their facts, 10 yellow and 24 blue — and generated people are
kept out of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nuanxin.core import idnumber
from nuanxin.registry.models import Category as C
from nuanxin.registry.models import DisabilityCategory as D
from nuanxin.registry.models import Household, Living, Person

from .people import IDNumbers, PersonPlan, birth_for_age, person_row

HEMEI_GRID1 = "510108010001001"
HEMEI_GRID2 = "510108010001002"


@dataclass(frozen=True)
class StoryPerson:
    key: str
    name: str
    sex: str
    age: int
    region: str
    living: str
    categories: tuple[str, ...]
    adl_lost: int = 0
    disability: tuple[int, int] | None = None
    phone: str = ""
    address: str = ""
    household: str = ""  # people with the same key share a household
    relation: str = "户主"
    # (name, relation, phone, is_guardian, is_emergency, note); None = a son or daughter
    contacts: tuple | None = None
    story: str = ""
    tier_hint: str = ""  # the tier their facts call for (S2); the tier rules decide
    extra: dict = field(default_factory=dict)


def _hemei(key, name, sex, age, grid, living, cats, tier, adl=0, dis=None, **kw) -> StoryPerson:
    region = HEMEI_GRID1 if grid == 1 else HEMEI_GRID2
    return StoryPerson(
        key=key,
        name=name,
        sex=sex,
        age=age,
        region=region,
        living=living,
        categories=tuple(cats),
        adl_lost=adl,
        disability=dis,
        story="S2",
        tier_hint=tier,
        **kw,
    )


# Short names keep the table below one person a line.
A, E, F, INST = Living.ALONE, Living.EMPTY_NEST, Living.WITH_FAMILY, Living.INSTITUTION

# fmt: off
STORY_PEOPLE: list[StoryPerson] = [
    # S1: Ms. Cai, blue, lives with her family; her son is away on business.
    StoryPerson(
        key="ms_cai",
        name="蔡阿姨",
        sex="F",
        age=70,
        region=HEMEI_GRID1,
        living=F,
        categories=(C.DIBAO,),
        phone="13812345678",
        address="和美社区3栋2单元101号",
        contacts=(("蔡明", "儿子", "13880001111", False, True, "常出差"),),
        story="S1 S2",
        tier_hint="blue",
    ),
    # S2: the rest of 和美社区. Red by their facts (6).
    _hemei("hemei_01", "王淑芬", "F", 86, 1, A, [C.TEKUN_DISPERSED, C.ELDERLY_ALONE, C.ELDERLY_ADVANCED], "red", adl=2),
    _hemei("hemei_02", "刘德明", "M", 67, 1, F, [C.SEVERE_DISABILITY, C.DIBAO], "red", adl=6, dis=(D.PHYSICAL, 1)),
    _hemei("hemei_03", "陈桂兰", "F", 92, 2, A, [C.ELDERLY_ALONE, C.ELDERLY_ADVANCED], "red", adl=3),
    _hemei("hemei_04", "张志强", "M", 74, 2, A, [C.ELDERLY_ALONE, C.DIBAO], "red", adl=4),
    _hemei(
        "hemei_05", "林小雨", "F", 9, 1, F, [C.UNSUPPORTED_CHILD], "red",
        relation="孙子女",
        contacts=(("杨素珍", "祖母", "13980002005", False, True, "照料人；父亲服刑，母亲失联，监护缺位"),),
    ),
    _hemei(
        "hemei_06", "赵建华", "M", 45, 2, F, [C.SEVERE_DISABILITY, C.DIBAO], "red",
        adl=4, dis=(D.INTELLECTUAL, 1), relation="子女",
        contacts=(("钱玉珍", "母亲", "13980002006", True, True, ""),),
    ),
    # Yellow by their facts (10).
    _hemei("hemei_07", "钱秀英", "F", 72, 1, E, [C.ELDERLY_EMPTY_NEST], "yellow", household="sun", relation="配偶"),
    _hemei("hemei_08", "孙国庆", "M", 74, 1, E, [C.ELDERLY_EMPTY_NEST], "yellow", household="sun"),
    _hemei("hemei_09", "周玉兰", "F", 76, 1, A, [C.ELDERLY_ALONE], "yellow"),
    _hemei("hemei_10", "吴长林", "M", 79, 2, A, [C.ELDERLY_ALONE, C.DIBAO_EDGE], "yellow"),
    _hemei("hemei_11", "郑美华", "F", 68, 1, F, [C.SEVERE_DISABILITY], "yellow", dis=(D.HEARING, 2)),
    _hemei(
        "hemei_12", "何建军", "M", 58, 2, F, [C.SEVERE_DISABILITY, C.DIBAO], "yellow",
        dis=(D.MENTAL, 2), relation="子女",
        contacts=(("何建平", "哥哥", "13980002012", True, True, ""),),
    ),
    _hemei(
        "hemei_13", "黄思琪", "F", 12, 2, F, [C.DISTRESSED_CHILD, C.DIBAO], "yellow", dis=(D.PHYSICAL, 2),
        relation="子女", contacts=(("罗晓梅", "母亲", "13980002013", True, True, "长期患病"),),
    ),
    _hemei("hemei_14", "马凤英", "F", 73, 1, E, [C.FAMILY_PLANNING, C.ELDERLY_EMPTY_NEST], "yellow"),
    _hemei("hemei_15", "杨德福", "M", 86, 2, F, [C.ELDERLY_ADVANCED, C.DIBAO], "yellow", adl=2),
    _hemei("hemei_16", "罗桂芳", "F", 71, 2, F, [C.DIBAO], "yellow", adl=3),
    # Blue by their facts (23, and Ms. Cai).
    _hemei("hemei_17", "谢德华", "M", 66, 1, F, [C.DIBAO], "blue", household="xie"),
    _hemei("hemei_18", "许兰芳", "F", 64, 1, F, [C.DIBAO], "blue", household="xie", relation="配偶"),
    _hemei("hemei_19", "曾凡荣", "M", 72, 1, F, [C.DIBAO_EDGE], "blue", household="zeng"),
    _hemei("hemei_20", "彭玉珍", "F", 70, 1, F, [C.DIBAO_EDGE], "blue", household="zeng", relation="配偶"),
    _hemei("hemei_21", "邓志明", "M", 63, 1, F, [C.DIBAO_EDGE], "blue"),
    _hemei("hemei_22", "胡秀珍", "F", 69, 1, F, [C.DIBAO], "blue"),
    _hemei("hemei_23", "高建国", "M", 61, 1, F, [C.DIBAO], "blue", dis=(D.PHYSICAL, 4)),
    _hemei("hemei_24", "梁淑英", "F", 75, 1, F, [C.DIBAO_EDGE], "blue"),
    _hemei("hemei_25", "宋玉梅", "F", 65, 2, F, [C.DIBAO], "blue"),
    _hemei("hemei_26", "韩志刚", "M", 52, 2, F, [C.DIBAO], "blue", dis=(D.PHYSICAL, 3), household="han"),
    _hemei(
        "hemei_27", "韩浩然", "M", 10, 2, F, [C.DIBAO], "blue", household="han", relation="子女",
        contacts=(("韩志刚", "父亲", "13980002026", True, True, ""),),
    ),
    _hemei("hemei_28", "冯丽娟", "F", 38, 2, F, [C.DIBAO], "blue", household="feng"),
    _hemei(
        "hemei_29", "冯子涵", "F", 7, 2, F, [C.DIBAO], "blue", household="feng", relation="子女",
        contacts=(("冯丽娟", "母亲", "13980002028", True, True, ""),),
    ),
    _hemei("hemei_30", "董秀兰", "F", 67, 2, F, [C.DIBAO_EDGE], "blue"),
    _hemei("hemei_31", "萧德明", "M", 62, 2, F, [C.TEMPORARY_ASSISTANCE], "blue"),
    _hemei("hemei_32", "程玉华", "F", 74, 2, F, [C.DIBAO], "blue"),
    _hemei("hemei_33", "曹建平", "M", 68, 2, F, [C.DIBAO], "blue", dis=(D.VISUAL, 4)),
    _hemei("hemei_34", "袁桂香", "F", 71, 2, F, [C.DIBAO_EDGE], "blue"),
    _hemei("hemei_35", "潘国强", "M", 64, 2, F, [C.DIBAO], "blue"),
    _hemei("hemei_36", "田秀英", "F", 78, 1, F, [C.DIBAO], "blue"),
    _hemei("hemei_37", "贾文华", "M", 55, 1, F, [C.DIBAO], "blue", dis=(D.HEARING, 3)),
    _hemei("hemei_38", "夏春兰", "F", 66, 1, F, [C.FAMILY_PLANNING], "blue"),
    _hemei("hemei_39", "钟明", "M", 60, 2, F, [C.DIBAO_EDGE], "blue"),
    # S8: Grandma Li, 锦江区 春熙路街道 和平社区.
    StoryPerson(
        key="grandma_li",
        name="李奶奶",
        sex="F",
        age=71,
        region="510104010001001",
        living=A,
        categories=(C.ELDERLY_ALONE, C.DIBAO),
        adl_lost=1,
        disability=(D.VISUAL, 2),
        phone="13980010001",
        address="和平社区5栋1单元302号",
        contacts=(("王丽", "女儿", "13980010002", False, True, "在上海工作"),),
        story="S8",
    ),
    # S7: a dispersed 特困 person in 锦江区 水井坊街道 交子社区, who needs a caregiver.
    StoryPerson(
        key="jinjiang_tekun",
        name="赵德胜",
        sex="M",
        age=78,
        region="510104020001001",
        living=A,
        categories=(C.TEKUN_DISPERSED, C.ELDERLY_ALONE),
        adl_lost=2,
        phone="02884561234",
        address="交子社区2栋3单元201号",
        contacts=(("赵勇", "侄子", "13980010003", False, True, ""),),
        story="S7",
    ),
    # S6: Xiao Zhou (小周), 14, a scattered orphan raised by his grandparents.
    StoryPerson(
        key="xiao_zhou",
        name="周晓宇",
        sex="M",
        age=14,
        region="510114110201001",
        living=F,
        categories=(C.ORPHAN_SCATTERED,),
        address="曲水村3组15号",
        relation="孙子女",
        contacts=(
            ("周建国", "祖父", "13980010004", True, True, ""),
            ("刘秀英", "祖母", "13980010005", True, False, ""),
        ),
        story="S6",
    ),
    # S4: the health kits in 武侯区 — 低保, 特困 and 孤儿, one of them in two categories.
    StoryPerson(
        key="wuhou_dibao",
        name="钱志远",
        sex="M",
        age=72,
        region="510107010001001",
        living=F,
        categories=(C.DIBAO,),
        phone="13980020001",
        story="S4",
    ),
    StoryPerson(
        key="wuhou_dibao_couple",
        name="冯秀珍",
        sex="F",
        age=66,
        region="510107010001001",
        living=E,
        categories=(C.DIBAO, C.ELDERLY_EMPTY_NEST),
        phone="13980020002",
        story="S4",
    ),
    StoryPerson(
        key="wuhou_tekun_dispersed",
        name="蒋文斌",
        sex="M",
        age=81,
        region="510107010001002",
        living=A,
        categories=(C.TEKUN_DISPERSED, C.ELDERLY_ALONE, C.ELDERLY_ADVANCED),
        phone="13980020003",
        story="S4",
    ),
    StoryPerson(
        key="wuhou_tekun_central",
        name="韩桂英",
        sex="F",
        age=77,
        region="510107020001001",
        living=INST,
        categories=(C.TEKUN_CENTRAL,),
        address="玉林敬老院",
        story="S4",
    ),
    StoryPerson(
        key="wuhou_orphan_dibao",
        name="唐小军",
        sex="M",
        age=11,
        region="510107020001001",
        living=F,
        categories=(C.ORPHAN_SCATTERED, C.DIBAO),
        relation="孙子女",
        contacts=(("李桂芝", "祖母", "13980020004", True, True, ""),),
        story="S4",
    ),
    StoryPerson(
        key="wuhou_housebound",
        name="曹淑华",
        sex="F",
        age=84,
        region="510107020001002",
        living=F,
        categories=(C.DIBAO, C.ELDERLY_ADVANCED),
        adl_lost=5,
        phone="13980020005",
        story="S4",
        extra={"note": "卧床，不能出门"},
    ),
    StoryPerson(
        key="wuhou_orphan",
        name="许诺",
        sex="F",
        age=8,
        region="510107010001002",
        living=F,
        categories=(C.ORPHAN_SCATTERED,),
        relation="侄女",
        contacts=(("许红", "姑姑", "13980020006", True, True, ""),),
        story="S4",
    ),
]
# fmt: on
STORY_KEYS = {p.key: p for p in STORY_PEOPLE}


def _default_contact(index: int, spec: StoryPerson) -> tuple:
    relation = "儿子" if index % 2 else "女儿"
    given = "军" if relation == "儿子" else "红"
    return (spec.name[0] + given, relation, f"1398000{index:04d}", False, True, "")


def _plan(index: int, spec: StoryPerson, today: dt.date, ids: IDNumbers) -> PersonPlan:
    birth = birth_for_age(today, spec.age, (index * 37) % 300 + 5)
    # A fixed sequence number per story person keeps their ID numbers apart.
    number = idnumber.make(spec.region[:6], birth, 700 + index * 2 + (spec.sex == "M"))
    if number in ids.used:  # taken by someone already in this database
        number = ids.make(spec.region[:6], birth, spec.sex)
    ids.claim(number)
    phone = spec.phone
    if not phone and spec.age >= 18 and spec.living != Living.INSTITUTION:
        phone = f"1398003{index:04d}"
    person = person_row(
        name=spec.name,
        id_number=number,
        region_id=spec.region,
        living=spec.living,
        adl_lost=spec.adl_lost,
        phone=phone,
        relation_to_head=spec.relation,
        **spec.extra,
    )
    contacts = spec.contacts
    if contacts is None:
        contacts = () if spec.age < 18 else (_default_contact(index, spec),)
    start = today - dt.timedelta(days=400 + index * 11)
    plan = PersonPlan(person=person, contacts=list(contacts))
    plan.categories = [(c, max(start, birth), None) for c in spec.categories]
    if spec.disability:
        plan.disabilities = [(int(spec.disability[0]), spec.disability[1])]
    return plan


def _address(index: int, spec: StoryPerson, community: str) -> str:
    # One building per story household, so no two households share an address.
    return spec.address or f"{community}{index + 1}栋{index % 3 + 1}单元{index % 6 + 1}01号"


def story_people_create(*, today: dt.date, ids: IDNumbers, writer) -> int:
    """Add the story people to `writer` (skipped if they exist); returns how many."""
    from nuanxin.regions.models import Region

    if story_person("ms_cai") is not None:
        return 0
    communities = dict(
        Region.objects.filter(code__in={s.region[:12] for s in STORY_PEOPLE}).values_list(
            "code", "name"
        )
    )
    households: dict[str, tuple[Household, list[PersonPlan]]] = {}
    for index, spec in enumerate(STORY_PEOPLE):
        plan = _plan(index, spec, today, ids)
        address = _address(index, spec, communities[spec.region[:12]])
        plan.person.address = address
        key = spec.household or spec.key
        if key not in households:
            number = f"{spec.region[:12]}-S{index:03d}"
            households[key] = (Household(number=number, address=address, region_id=spec.region), [])
        households[key][1].append(plan)
    for household, plans in households.values():
        for plan in plans:
            plan.person.address = household.address
        writer.add(household, plans)
    return len(STORY_PEOPLE)


def story_person(key: str) -> Person | None:
    """The story person `key` (e.g. "ms_cai", "grandma_li", "xiao_zhou"), if seeded."""
    spec = STORY_KEYS[key]
    return Person.objects.filter(name=spec.name, region_id=spec.region).first()
