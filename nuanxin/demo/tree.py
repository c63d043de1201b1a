"""The demo city's region tree below Chengdu's 20 real districts.

Streets and towns carry their real names where we know them; communities,
villages and grids are plausible inventions. The tree does not depend on the
seed or on the number of people: it is drawn from its own fixed random stream,
so a code printed in the docs (和美社区 510108010001) means the same place in
every demo database.

Codes follow the statistical scheme (DESIGN §1): 6 digits of district, 3 of
street, 3 of community (communities from 001, villages from 201, as the
statistics bureau numbers them), and a grid adds 3 more.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from nuanxin.regions import chengdu
from nuanxin.regions.models import Level, Region, contains, level_of

from .places import STORY_PLACES, story_places_load

TREE_SEED = "nuanxin-demo-tree-v1"
CHINESE_NUMERALS = "一二三四五六七八九十"

# The community with exactly the 40 people of story S2: generated people stay out.
HEMEI = "510108010001"

# Real street and town names, five per district; the story streets come first
# and keep their codes from places.py.
STREETS: dict[str, list[str]] = {
    "510104": ["春熙路街道", "水井坊街道", "书院街街道", "牛市口街道", "沙河街道", "成龙路街道"],
    "510105": ["少城街道", "草市街街道", "府南街道", "光华街道", "金沙街道", "苏坡街道"],
    "510106": ["西安路街道", "荷花池街道", "驷马桥街道", "茶店子街道", "抚琴街道", "天回镇街道"],
    "510107": ["浆洗街街道", "玉林街道", "望江路街道", "跳伞塔街道", "红牌楼街道", "簇桥街道"],
    "510108": ["保和街道", "猛追湾街道", "府青路街道", "二仙桥街道", "双桥子街道", "万年场街道"],
    "510112": ["龙泉街道", "大面街道", "十陵街道", "洛带镇", "山泉镇"],
    "510113": ["大弯街道", "弥牟镇", "城厢镇", "姚渡镇", "清泉镇"],
    "510114": ["新繁街道", "新都街道", "大丰街道", "三河街道", "清流镇", "军屯镇"],
    "510115": ["柳城街道", "公平街道", "涌泉街道", "万春镇", "寿安镇"],
    "510116": ["东升街道", "西航港街道", "九江街道", "黄甲街道", "彭镇", "黄水镇"],
    "510117": ["郫筒街道", "犀浦街道", "安德街道", "唐昌街道", "友爱镇", "三道堰镇"],
    "510118": ["五津街道", "花源街道", "安西镇", "永商镇", "宝墩镇"],
    "510121": ["赵镇街道", "淮口街道", "官仓街道", "三星镇", "竹篙镇", "五凤镇"],
    "510129": ["沙渠街道", "晋原街道", "王泗镇", "安仁镇", "新场镇", "花水湾镇"],
    "510131": ["鹤山街道", "寿安街道", "大塘镇", "朝阳湖镇", "西来镇"],
    "510181": ["灌口街道", "幸福街道", "蒲阳街道", "青城山镇", "龙池镇", "聚源镇"],
    "510182": ["天彭街道", "致和街道", "丽春镇", "九尺镇", "通济镇", "丹景山镇"],
    "510183": ["临邛街道", "文君街道", "羊安街道", "平乐镇", "夹关镇", "天台山镇"],
    "510184": ["崇阳街道", "羊马街道", "三江街道", "怀远镇", "街子镇", "元通镇"],
    "510185": ["简城街道", "射洪坝街道", "东溪街道", "石桥街道", "禾丰镇", "踏水镇"],
}


# The five central districts are wholly urban: their streets hold communities only.
def _words(text: str) -> list[str]:
    return text.split()


URBAN_DISTRICTS = {"510104", "510105", "510106", "510107", "510108"}

COMMUNITY_STEMS = _words(
    "和平 新华 建设 光明 幸福 东风 红星 锦绣 桂花 望江 莲花 青龙 双林 水碾 玉沙 府河 沙河 "
    "龙潭 天府 长寿 太平 书院 文华 育英 惠民 安康 清源 蜀锦 芙蓉 银杏 桃源 梧桐 紫荆 翠林 "
    "南苑 北苑 东苑 西苑 新民 永安 花园 江畔 金桂 丽景 红光 和顺 兴隆 锦华 盛世 春晓"
)
VILLAGE_STEMS = _words(
    "红旗 新民 双河 石桥 柏树 高碑 青岗 白鹤 金桥 永丰 五星 团结 大石 竹林 三合 龙凤 黄桷 "
    "清泉 楠木 凤凰 天池 回龙 万福 古井 桂林 杨柳 白果 茶园 梨花 水井 观音 广福 石龙 马鞍 "
    "宝山 河坝 松林 鹤鸣 新桥 太和 联合 光荣 胜利 和睦 长林 向阳 庙坝 合江 青杠 沙坝"
)

# How many people in hardship each district has, relative to the others.
DISTRICT_WEIGHT = {
    "510104": 1.0,
    "510105": 1.0,
    "510106": 1.1,
    "510107": 1.0,
    "510108": 1.0,
    "510112": 0.9,
    "510113": 0.6,
    "510114": 0.9,
    "510115": 0.6,
    "510116": 0.9,
    "510117": 0.8,
    "510118": 0.5,
    "510121": 1.0,
    "510129": 0.7,
    "510131": 0.4,
    "510181": 0.8,
    "510182": 1.0,
    "510183": 0.8,
    "510184": 0.8,
    "510185": 1.2,
}


@dataclass(frozen=True)
class Place:
    """Somewhere a generated household can live: a grid, or a community with no grid known."""

    code: str
    community_name: str
    rural: bool
    weight: float


def grid_name(community_name: str, number: int) -> str:
    return f"{community_name}第{CHINESE_NUMERALS[number - 1]}网格"


def _story_children(prefix: str, level: Level) -> dict[str, str]:
    """Story places of `level` right under `prefix`, name -> code."""
    return {
        name: code
        for code, name in STORY_PLACES
        if len(code) == 12 and level_of(code) == level and contains(prefix, code)
    }


def _free_codes(used: set[str], start: int):
    """Three-digit codes from `start` upward that nobody uses yet."""
    number = start
    while True:
        code = f"{number:03d}"
        if code not in used:
            yield code
        number += 1


def _streets(district: str) -> list[tuple[str, str]]:
    story = _story_children(district, Level.STREET)
    used = {code[6:9] for code in story.values()}
    free = _free_codes(used, 1)
    return [(story.get(name) or f"{district}{next(free)}000", name) for name in STREETS[district]]


def _communities(rng: random.Random, street_code: str, street_name: str) -> list[tuple[str, str]]:
    """3–5 communities/villages of a street; its story communities are among them."""
    district = street_code[:6]
    story = _story_children(street_code[:9], Level.COMMUNITY)
    result = [(code, name) for name, code in story.items()]
    used = {code[9:] for code, _name in result}
    names = {name for _code, name in result}
    community_codes, village_codes = _free_codes(used, 1), _free_codes(used, 201)
    if street_name.endswith("镇"):
        village_share = 0.85
    elif district in URBAN_DISTRICTS:
        village_share = 0.0
    else:
        village_share = 0.35
    for _ in range(rng.randint(3, 5) - len(result)):
        village = rng.random() < village_share
        stems = VILLAGE_STEMS if village else COMMUNITY_STEMS
        name = rng.choice(stems) + ("村" if village else "社区")
        while name in names:
            name = rng.choice(stems) + ("村" if village else "社区")
        names.add(name)
        code = street_code[:9] + next(village_codes if village else community_codes)
        result.append((code, name))
    return sorted(result)


def tree_build() -> list[Place]:
    """Create the demo region tree (idempotent) and return where people may live.

    Existing codes are left alone, so running it on a database that already has
    some of the tree (the story places, an earlier seed) adds only what is missing.
    """
    story_places_load()
    existing = set(Region.objects.values_list("code", flat=True))
    rng = random.Random(TREE_SEED)
    new: list[Region] = []
    places: list[Place] = []

    def add(code: str, name: str, parent: str) -> None:
        if code not in existing:
            existing.add(code)
            new.append(Region(code=code, name=name, level=level_of(code), parent_id=parent))

    for district, _district_name in chengdu.DISTRICTS:
        district_code = district + "000000"
        for street_code, street_name in _streets(district):
            add(street_code, street_name, district_code)
            communities = _communities(rng, street_code, street_name)
            weight = DISTRICT_WEIGHT[district] / len(STREETS[district]) / len(communities)
            for community_code, community_name in communities:
                add(community_code, community_name, street_code)
                rural = community_name.endswith("村")
                # Decided from the story list, never from the database, so the random
                # stream (and so every later name) is the same on every run.
                grids = [c for c, _n in STORY_PLACES if len(c) == 15 and c[:12] == community_code]
                if not grids:
                    grids = [f"{community_code}{n:03d}" for n in range(1, rng.randint(2, 4) + 1)]
                    for number, code in enumerate(grids, start=1):
                        add(code, grid_name(community_name, number), community_code)
                if community_code == HEMEI:
                    continue
                # A few households are known only to their community, not to a grid.
                places.append(Place(community_code, community_name, rural, weight * 0.05))
                for code in grids:
                    places.append(Place(code, community_name, rural, weight * 0.95 / len(grids)))
    Region.objects.bulk_create(new, batch_size=500)
    return places
