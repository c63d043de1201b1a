"""Access cases for the fund pages and /api/v1/funds (format: tests/url_cases.py).

The fund is 和美社区's own (the region is 蔡阿姨's community), with an income there,
so "owner" and "outsider" mean what they mean for her. Fund pages carry no person."""

from nuanxin.campaigns import services
from tests.url_cases import api, builder, page

HEMEI = "510108010001"
FUND = {"pk": "fund"}
API_FUND = {"fund_id": "fund"}


@builder("fund")
def _fund(s):
    fund = services.fund_create(user=s.worker, name="社区募捐", kind="donation", region_code=HEMEI)
    services.fund_entry_add(user=s.worker, fund_id=fund.pk, kind="income", amount_fen=10_000,
                            region=HEMEI)  # fmt: skip
    return fund.pk


def _with_fund(s):
    s.pk("fund")
    return {}


def _income(s):
    return {"kind": "income", "amount_fen": 100, "region": HEMEI}


CASES = [
    page("funds:fund_list", scope="list", data=_with_fund),
    page(
        "funds:fund_list",
        method="POST",
        data={"name": "访问测试", "kind": "donation", "region_code": HEMEI},
        action="change",
        ok=302,
        # The form is for those who change somewhere: an inspector is refused before any
        # region is read, as on the other pages of an action held nowhere.
        expect={"inspector": 404},
    ),
    page("funds:fund_detail", kwargs=FUND),
    page(
        "funds:fund_detail",
        kwargs=FUND,
        method="POST",
        data={"kind": "income", "amount_yuan": "1.00", "region": HEMEI},
        action="change",
        ok=302,
    ),
    page("funds:fund_export", kwargs=FUND, action="export"),
    api("api:fund_list", scope="list", data=_with_fund),
    api(
        "api:fund_create",
        method="POST",
        data={"name": "访问测试", "kind": "donation", "region": HEMEI},
        action="change",
        ok=201,
    ),
    api("api:fund_entries", kwargs=API_FUND),
    api(
        "api:fund_entry_add",
        kwargs=API_FUND,
        method="POST",
        data=_income,
        action="change",
        ok=201,
    ),
    api("api:fund_balances", kwargs=API_FUND),
]
