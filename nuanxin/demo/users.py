"""The demo's logins: one user per role, placed where the stories happen."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation

from nuanxin.accounts.models import Membership, User
from nuanxin.accounts.services import membership_add, user_create
from nuanxin.core.access import Role
from nuanxin.regions.models import Level, Region

from .places import story_places_load

# Documented in docs/demo.md and printed by `nuanxin demo`. Demo databases only.
DEMO_PASSWORD = "nuanxin-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region: str
    full_name: str
    provider: str = ""  # the directory provider this account answers for, once it exists

    @property
    def description(self) -> str:
        """What the login is, in words, for the table `nuanxin demo` prints."""
        if self.provider:
            return f"service provider account ({self.provider})"
        with translation.override("en"):
            return str(Role(self.role).label).lower()


# The repair service of S8; its account (`provider`) sees only the referrals made to it.
DEMO_REPAIR_PROVIDER = "锦江区惠民家电维修服务部"

DEMO_LOGINS = [
    DemoLogin("city", Role.CITY_ADMIN, "510100000000", "陈静"),  # 成都市
    DemoLogin("district", Role.DISTRICT_OFFICER, "510108000000", "刘洋"),  # 成华区
    DemoLogin("street", Role.STREET_OFFICER, "510108010000", "黄磊"),  # 保和街道
    DemoLogin("community", Role.COMMUNITY_WORKER, "510108010001", "杨丽"),  # 和美社区
    DemoLogin("grid", Role.GRID_WORKER, "510108010001001", "吴刚"),  # 和美社区第一网格
    DemoLogin("social", Role.SOCIAL_WORKER, "510104010000", "孙婷"),  # 锦江区 春熙路街道
    DemoLogin("social2", Role.SOCIAL_WORKER, "510104010000", "何静"),  # her colleague (S8)
    DemoLogin("volunteer", Role.VOLUNTEER, "510108010001", "周晓"),  # 和美社区
    DemoLogin("partner", Role.PARTNER_CONTACT, "510114000000", "郑伟"),  # 新都区
    DemoLogin("inspector", Role.INSPECTOR, "510108000000", "马骏"),  # 成华区
    DemoLogin(
        "provider", Role.PARTNER_CONTACT, "510104000000", "刘建", provider=DEMO_REPAIR_PROVIDER
    ),  # 锦江区: the repair service's own account (S8)
]


@transaction.atomic
def demo_users_ensure() -> list[tuple[DemoLogin, str]]:
    """Create the demo users that are missing; returns (login, full region name) for each.

    An existing user keeps their password; a missing membership is added back.
    """
    story_places_load()
    regions = {r.code: r for r in Region.objects.filter(code__in=[d.region for d in DEMO_LOGINS])}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user_create(
                username=login.username,
                role=login.role,
                region_code=login.region,
                password=DEMO_PASSWORD,
                full_name=login.full_name,
            )
        elif not Membership.objects.filter(
            user=user, role=login.role, region_id=login.region
        ).exists():
            membership_add(user=user, role=login.role, region=Region.objects.get(code=login.region))
    _provider_accounts_link()
    _second_factors_enrol()
    return [(login, region_label(regions[login.region])) for login in DEMO_LOGINS]


def _provider_accounts_link() -> None:
    """Link provider logins to their provider once the directory has it (the casework seed)."""
    from nuanxin.directory.models import ProviderAccount, ServiceProvider
    from nuanxin.directory.services import provider_account_add

    admin = User.objects.filter(username=DEMO_LOGINS[0].username).first()
    for login in DEMO_LOGINS:
        if not login.provider:
            continue
        provider = ServiceProvider.objects.filter(name=login.provider).first()
        user = User.objects.get(username=login.username)
        if provider is None or ProviderAccount.objects.filter(user=user).exists():
            continue
        provider_account_add(user=admin, provider=provider, account=user)


def _second_factors_enrol() -> None:
    """Demo logins whose role needs a second factor get the demo authenticator: its
    secret follows from the user name, and `nuanxin otp code USERNAME` prints its
    current code (docs/security.md). Real enrolments are never made this way."""
    from nuanxin.accounts import otp
    from nuanxin.accounts.services import otp_demo_enrol

    for user in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]):
        if otp.required_for(user):
            otp_demo_enrol(user=user)


def demo_second_factor_logins() -> list[str]:
    """The demo logins that are asked for a code after the password."""
    from nuanxin.accounts import otp

    users = User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
    return [u.username for u in users.order_by("pk") if otp.totp_device(u) is not None]


def region_label(region: Region) -> str:
    """成华区 保和街道 和美社区第一网格: the path from the district, without repeats."""
    names = [r.name for r in region.ancestors() if r.level > Level.CITY] or [region.name]
    return " ".join(
        n for n, after in zip(names, names[1:] + [""], strict=True) if not after.startswith(n)
    )
