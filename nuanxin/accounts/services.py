"""Writes for users, memberships and API tokens."""

import secrets

from django.db import transaction
from django.utils import timezone

from nuanxin.regions.models import Region

from .models import ApiToken, Membership, User


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    region_code: str,
    password: str | None = None,
    full_name: str = "",
    phone: str = "",
) -> User:
    region = Region.objects.get(code=region_code)
    user = User(username=username, full_name=full_name, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    membership_add(user=user, role=role, region=region)
    return user


@transaction.atomic
def membership_add(*, user: User, role: str, region: Region) -> Membership:
    membership = Membership(user=user, role=role, region=region)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def api_token_create(*, user: User) -> str:
    """Create a token and return it; it cannot be read back later."""
    token = "nx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=ApiToken.digest_of(token), hint=token[:8])
    return token


def api_token_authenticate(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user
