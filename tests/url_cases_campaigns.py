"""Access cases for the campaign pages and /api/v1/campaigns, /api/v1/allocations
(format: tests/url_cases.py). The campaign runs over 和美社区 (蔡阿姨's community), made
by its community worker; 蔡阿姨 (elderly living alone) gets one allocation."""

from nuanxin.campaigns import services
from nuanxin.campaigns.models import Allocation
from tests.url_cases import api, builder, page

CAMPAIGN = {"pk": "campaign"}
API_CAMPAIGN = {"campaign_id": "campaign"}
API_DRAFT = {"campaign_id": "campaign_draft"}
ALLOCATION = {"pk": "allocation"}
API_ALLOCATION = {"allocation_id": "allocation"}
HEMEI = "510108010001"


def _create(s, name="健康防疫包"):
    return services.campaign_create(
        user=s.worker,
        name=name,
        region_codes=[HEMEI],
        categories=["elderly_alone"],
        budget_fen=100_000,
        items=[{"name": "N95 口罩", "quantity": 10}],
    )


@builder("campaign")
def _campaign(s):
    campaign = _create(s)
    services.campaign_transition(user=s.worker, campaign_id=campaign.pk, action="open")
    services.campaign_allocate(user=s.worker, campaign_id=campaign.pk)
    return campaign.pk


@builder("campaign_draft")
def _campaign_draft(s):
    return _create(s, name="草稿").pk


@builder("allocation")
def _allocation(s):
    return Allocation.objects.get(campaign_id=s.pk("campaign"), person=s.person).pk


def _new_page(s):
    return {
        "name": "访问测试",
        "kind": "goods",
        "region_codes": HEMEI,
        "categories": ["elderly_alone"],
        "unit": "person",
        "items": "N95 × 1",
        "budget_yuan": "10",
    }


def _new_api(s):
    return {"name": "访问测试", "region_codes": [HEMEI], "categories": ["elderly_alone"]}


def _with_campaign(s):
    s.pk("campaign")
    return {}


# The new-campaign page is for those who change somewhere: an inspector never sees it
# (404 before any region is read), as with the other "new" pages of actions held nowhere.
NEW_PAGE = {"inspector": 404}

CASES = [
    page("campaigns:campaign_list", scope="list", data=_with_campaign),
    page("campaigns:campaign_new", scope="create", action="change"),
    page(
        "campaigns:campaign_new",
        method="POST",
        data=_new_page,
        action="change",
        ok=302,
        expect=NEW_PAGE,
    ),
    page("campaigns:campaign_detail", kwargs=CAMPAIGN),
    page("campaigns:campaign_progress", kwargs=CAMPAIGN),
    page(
        "campaigns:campaign_transition",
        kwargs=CAMPAIGN,
        method="POST",
        data={"action": "close"},
        action="change",
        ok=302,
    ),
    page("campaigns:campaign_allocate", kwargs=CAMPAIGN, method="POST", action="change", ok=302),
    page("campaigns:allocation_list", kwargs=CAMPAIGN),
    page("campaigns:campaign_export", kwargs=CAMPAIGN, action="export"),
    page(
        "campaigns:campaign_export",
        kwargs=CAMPAIGN,
        method="POST",
        data={"reason": "入户发放核对"},
        action="reveal",
    ),
    page("campaigns:hotline_sheet", kwargs=CAMPAIGN),
    page("campaigns:delivery_list", kwargs=CAMPAIGN),
    page("campaigns:allocation_detail", kwargs=ALLOCATION),
    page(
        "campaigns:allocation_detail",
        kwargs=ALLOCATION,
        method="POST",
        data={"action": "deliver", "deliver-method": "pickup", "deliver-signer": "person"},
        action="change",
        ok=302,
    ),
    api("api:campaign_list", scope="list", data=_with_campaign),
    api("api:campaign_create", method="POST", data=_new_api, action="change", ok=201),
    api("api:campaign_detail", kwargs=API_CAMPAIGN),
    api("api:campaign_open", kwargs=API_DRAFT, method="POST", action="change"),
    api("api:campaign_close", kwargs=API_CAMPAIGN, method="POST", action="change"),
    api("api:campaign_allocate", kwargs=API_CAMPAIGN, method="POST", action="change"),
    api("api:campaign_progress", kwargs=API_CAMPAIGN),
    api("api:allocation_list", kwargs=API_CAMPAIGN, shows=False),
    api(
        "api:allocation_notify",
        kwargs=API_ALLOCATION,
        method="POST",
        data={"outcome": "reached"},
        action="change",
    ),
    api(
        "api:allocation_deliver",
        kwargs=API_ALLOCATION,
        method="POST",
        data={"signer": "person", "client_id": "walk-1"},
        action="change",
        ok=201,
    ),
    api(
        "api:allocation_refuse",
        kwargs=API_ALLOCATION,
        method="POST",
        data={"reason": "不需要"},
        action="change",
    ),
    api(
        "api:installation_create",
        method="POST",
        data=lambda s: {"person_id": s.person.pk, "kind": "gas_alarm", "serial": "SN-1"},
        action="change",
        ok=201,
    ),
]
