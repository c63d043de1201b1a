"""The second factor's rules (docs/security.md, issue #11 item 6), on django-otp.

- **Who needs it.** City administrators, district officers and Django staff
  must pass a time-based code (TOTP, RFC 6238) after their password; anyone
  else may enrol and is then asked for it too.
- **The login** goes password → code. The password step is Django's login; the
  session is then logged in but not *verified*, and `SecondFactorMiddleware`
  lets it reach nothing but the code page (or, for someone who must have a
  device and has none, the enrolment page) until a code passes. django-otp
  keeps the verified device in the session, so a device reset ends the
  verification of every open session at their next request.
- **Recovery codes** are django-otp static tokens, each good once, shown once
  at enrolment (and again when renewed).
- **The API** takes bearer tokens, never the session: a token is made either
  on the token page, which sits behind the same second factor, or by the
  `token` command run by whoever runs the system.
- **The demo.** Demo logins that need a second factor are enrolled with a
  secret derived from their user name (`demo_key`), public like the demo
  password; `nuanxin otp code USERNAME` prints the current code for such a
  device and refuses any other, so it opens nothing a real enrolment made.
"""

from __future__ import annotations

import hashlib
import time

from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nuanxin.core import access
from nuanxin.core.access import Role

REQUIRED_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_OFFICER})
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODES = 10
DEMO_DEVICE_NAME = "demo"
# Session keys: whether an optional user has a device (asked once per session),
# and recovery codes or a new token waiting to be shown once.
SESSION_HAS_DEVICE = "nuanxin_otp_has_device"
SESSION_NEW_CODES = "nuanxin_otp_new_codes"


def required_for(user) -> bool:
    """Must this user pass a second factor? (roles held anywhere, or Django staff)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or access.roles_of(user) & REQUIRED_ROLES)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def totp_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-id").first()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def recovery_codes_left(user) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device else 0


def new_recovery_codes() -> list[str]:
    return [StaticToken.random_token() for _ in range(RECOVERY_CODES)]


def code_at(device: TOTPDevice, when: float | None = None) -> str:
    """The device's code at a moment (now by default), zero-padded."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if when is None else when
    return f"{totp.token():0{device.digits}d}"


def seconds_left(device: TOTPDevice, when: float | None = None) -> int:
    now = time.time() if when is None else when
    return int(device.step - ((now - device.t0) % device.step))


def demo_key(username: str) -> str:
    """The demo secret of a demo login (40 hex digits: 20 bytes, as django-otp makes)."""
    return hashlib.sha1(f"nuanxin-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def is_demo_device(device: TOTPDevice) -> bool:
    return device.name == DEMO_DEVICE_NAME and device.key == demo_key(device.user.username)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, no script)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#212529", light="#ffffff", omitsize=False
    )
