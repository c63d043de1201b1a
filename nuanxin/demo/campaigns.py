"""Campaigns and funds in the demo city: S4's health kits half delivered, S5's charity fund.

Two seed steps (see nuanxin/demo/steps.py):

- `story_s4_seed`: the 12-unit hotline sheet, and 武侯区's "健康防疫包" (¥700,000;
  N95 ×10, hand gel ×2) for 低保, 特困 and 孤儿, allocated through the real service
  (once per person), about a fifth notified and half delivered, written in bulk.
- `story_s5_seed`: the city's 慈善一日捐 income, passed down to 锦江区 and 双流区 and
  on to their streets, purchases for heating supplies and gas alarms, a refund
  and a correction, all through the fund service (so it balances to the fen);
  双流区's gas-alarm installation campaign with a few homes done.

Both are idempotent: run again, they add nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from nuanxin.campaigns import services
from nuanxin.campaigns.models import Allocation, Campaign, Fund
from nuanxin.directory.models import Hotline
from nuanxin.regions.models import Region

WUHOU = "510107000000"
S4_NAME = "健康防疫包"
S4_CATEGORIES = ["dibao", "tekun_dispersed", "tekun_central", "orphan_scattered", "orphan_central"]

# (unit, number, hours, topic): the sheet handed out with every kit.
HOTLINES = [
    ("成都市民政局社会救助热线", "028-61885670", "工作日 9:00-17:00", "低保、特困、临时救助"),
    ("成都市12345亲民热线", "12345", "24小时", "政务咨询与投诉"),
    ("急救中心", "120", "24小时", "急救"),
    ("火警", "119", "24小时", "火灾与燃气险情"),
    ("报警服务台", "110", "24小时", "治安求助"),
    ("成都市疾病预防控制中心", "028-85565811", "工作日 9:00-17:00", "防疫咨询"),
    ("武侯区民政局", "028-85553012", "工作日 9:00-17:00", "救助申请与政策"),
    ("武侯区卫生健康局", "028-85576213", "工作日 9:00-17:00", "医疗与防疫"),
    ("武侯区残疾人联合会", "028-85579134", "工作日 9:00-17:00", "残疾人服务"),
    ("成都市心理援助热线", "028-87577510", "24小时", "心理援助"),
    ("成都燃气服务热线", "962777", "24小时", "燃气报修"),
    ("武侯区未成年人保护热线", "028-85069315", "工作日 9:00-17:00", "儿童保护"),
]


def _hotlines() -> list[Hotline]:
    found = []
    for position, (unit, number, hours, topic) in enumerate(HOTLINES, start=1):
        hotline, _created = Hotline.objects.get_or_create(
            unit=unit,
            number=number,
            defaults={"hours": hours, "topic": topic, "position": position},
        )
        found.append(hotline)
    return found


def story_s4_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if Campaign.objects.filter(name=S4_NAME, region_id=WUHOU).exists():
        return
    if not Region.objects.filter(code=WUHOU).exists():
        return
    campaign = services.campaign_create(
        user=None,
        name=S4_NAME,
        region_codes=[WUHOU],
        categories=S4_CATEGORIES,
        budget_fen=70_000_000,
        items=[{"name": "N95 口罩", "quantity": 10}, {"name": "免洗洗手液", "quantity": 2}],
        starts_on=today - dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=14),
        hotline_ids=[h.pk for h in _hotlines()],
    )
    services.campaign_transition(user=None, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=None, campaign_id=campaign.pk, background=False)
    ids = list(Allocation.objects.filter(campaign=campaign).values_list("id", "method"))
    rng.shuffle(ids)
    half = len(ids) // 2
    now = timezone.now()
    delivered, notified = ids[:half], ids[half : half + len(ids) // 5]
    for chunk in _chunks(delivered):
        for method in ("pickup", "delivery"):
            pks = [pk for pk, m in chunk if m == method]
            if not pks:
                continue
            Allocation.objects.filter(pk__in=pks).update(
                status="delivered",
                delivered_at=now - dt.timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 8)),
                signer="person" if rng.random() < 0.8 else "relative",
                note="社区工作人员发放" if method == "pickup" else "入户送达",
                call_outcome="reached" if method == "pickup" else "",
            )
    for chunk in _chunks(notified):
        Allocation.objects.filter(pk__in=[pk for pk, _m in chunk]).update(
            status="notified",
            call_outcome="reached",
            notified_at=now - dt.timedelta(days=rng.randint(0, 5)),
        )
    if stdout is not None:
        stdout.write(f"  story S4: {S4_NAME}, {len(ids)} allocated, {half} delivered")


def _chunks(rows, size: int = 500):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


FUND_NAME = "2026年慈善一日捐"
CITY = "510100000000"
JINJIANG, SHUANGLIU = "510104000000", "510116000000"
STREETS = {
    JINJIANG: ["510104010000", "510104020000"],  # 春熙路街道, 水井坊街道
    SHUANGLIU: ["510116010000", "510116020000"],  # 东升街道, 西航港街道
}


def story_s5_seed(*, rng: random.Random, today: dt.date, stdout=None) -> None:
    if Fund.objects.filter(name=FUND_NAME).exists():
        return
    codes = [CITY, JINJIANG, SHUANGLIU, *STREETS[JINJIANG], *STREETS[SHUANGLIU]]
    if Region.objects.filter(code__in=codes).count() != len(codes):
        return
    fund = services.fund_create(user=None, name=FUND_NAME, kind="charity_day", region_code=CITY)

    def entry(**kwargs):
        return services.fund_entry_add(user=None, fund_id=fund.pk, **kwargs)

    entry(kind="income", amount_fen=328_645_027, region=CITY, note="全市机关企事业单位捐款")
    entry(kind="income", amount_fen=rng.randint(5_000_000, 9_000_000), region=CITY,
          note="社会捐赠")  # fmt: skip
    heating = services.campaign_create(
        user=None, name="冬季取暖物资", region_codes=[JINJIANG, SHUANGLIU],
        categories=["dibao", "tekun_dispersed", "elderly_alone"], budget_fen=60_000_000,
        items=[{"name": "电热毯", "quantity": 1}, {"name": "棉被", "quantity": 1}],
        starts_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=40),
    )  # fmt: skip
    alarms = services.campaign_create(
        user=None, name="燃气报警器安装", kind="installation", device_kind="gas_alarm",
        region_codes=[SHUANGLIU], categories=["dibao", "tekun_dispersed", "elderly_alone"],
        unit="household", budget_fen=20_000_000,
        items=[{"name": "燃气报警器", "quantity": 1}],
        starts_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=30),
    )  # fmt: skip
    for campaign in (heating, alarms):
        services.campaign_transition(user=None, campaign_id=campaign.pk, action="open")
        services.campaign_allocate(user=None, campaign_id=campaign.pk, background=False)
    for district, share in ((JINJIANG, 80_000_000), (SHUANGLIU, 60_000_000)):
        entry(kind="transfer", amount_fen=share, region=CITY, to_region=district,
              note="区级分配")  # fmt: skip
        for street in STREETS[district]:
            down = rng.randint(20_000_000, 28_000_000)
            entry(kind="transfer", amount_fen=down, region=district, to_region=street,
                  note="街道分配")  # fmt: skip
            bought = entry(kind="purchase", amount_fen=rng.randint(8_000_000, 15_000_000),
                           region=street, campaign_id=heating.pk, note="取暖物资采购")  # fmt: skip
            if district == SHUANGLIU:
                entry(kind="purchase", amount_fen=rng.randint(2_000_000, 5_000_000),
                      region=street, campaign_id=alarms.pk, note="燃气报警器采购")  # fmt: skip
        entry(kind="refund", amount_fen=123_456, region=street, campaign_id=heating.pk,
              note="退回多付货款")  # fmt: skip
    # A purchase keyed twice, reversed: the ledger keeps both and still balances.
    entry(kind="correction", reverses_id=bought[0].pk, note="重复录入，冲销")
    done = 0
    for allocation in Allocation.objects.filter(campaign=alarms).order_by("id")[:10]:
        services.installation_record(
            user=None, allocation_id=allocation.pk, model="JT-A1", installer="成都燃气 王师傅",
            serial=f"GA{rng.randint(10**7, 10**8 - 1)}",
            installed_on=today - dt.timedelta(days=rng.randint(0, 10)),
        )  # fmt: skip
        done += 1
    if stdout is not None:
        stdout.write(f"  story S5: {FUND_NAME} balanced to the fen; {done} gas alarms installed")
