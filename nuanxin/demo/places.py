"""The places the stories name, with fixed synthetic codes below the real districts.

Tests and the demo build the same places from this one list, so a story's test
and its demo walk-through talk about the same 和美社区.
"""

# (code, name); the parent is found from the code.
STORY_PLACES = [
    # 成华区: Ms. Cai (S1), the spot-checks and the supervision group (S9)
    ("510108010000", "保和街道"),
    ("510108010001", "和美社区"),
    ("510108010001001", "和美社区第一网格"),
    ("510108010001002", "和美社区第二网格"),
    ("510108020000", "猛追湾街道"),
    ("510108020001", "望平社区"),
    # 大邑县: the social-work station volunteers
    ("510129001000", "沙渠街道"),
    ("510129001001", "蔡场社区"),
    # 新都区: Xiao Zhou and the 24 departments (S6)
    ("510114110000", "新繁街道"),
    ("510114110201", "曲水村"),
    # 锦江区: Grandma Li (S8), cold snap (S3), charity (S5)
    ("510104010000", "春熙路街道"),
    ("510104010001", "和平社区"),
    ("510104020000", "水井坊街道"),
    ("510104020001", "交子社区"),
    # 武侯区: the health kits (S4)
    ("510107010000", "浆洗街街道"),
    ("510107010001", "洗面桥社区"),
    ("510107020000", "玉林街道"),
    ("510107020001", "玉林北路社区"),
    # 双流区: cold snap (S3), charity (S5)
    ("510116010000", "东升街道"),
    ("510116010001", "棠湖社区"),
    ("510116020000", "西航港街道"),
    ("510116020001", "空港社区"),
]


def parent_code(code: str) -> str:
    """The code of the region one level up."""
    if len(code) == 15:
        return code[:12]
    if code[9:] != "000":
        return code[:9] + "000"
    if code[6:] != "000000":
        return code[:6] + "000000"
    return code[:4] + "00000000"


def story_places_load() -> None:
    """Create the story places (idempotent); the districts come from migrations."""
    from nuanxin.regions.models import Region
    from nuanxin.regions.services import region_get_or_create

    for code, name in STORY_PLACES:
        region_get_or_create(
            code=code, name=name, parent=Region.objects.get(code=parent_code(code))
        )
