"""The second factor's gate: a logged-in session that still owes a code reaches
nothing but the code page (docs/security.md, accounts/otp.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import otp

# Pages a session may open before its code: logging in and out, the code and
# enrolment pages themselves, the language switch.
OPEN_URL_NAMES = (
    "login",
    "logout",
    "set_language",
    "accounts:otp_verify",
    "accounts:otp_enrol",
    "accounts:otp_recovery",
)


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: send an unverified session to its code.

    The API is left alone: it reads bearer tokens, never the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in OPEN_URL_NAMES)
        prefixes = ("/" + settings.STATIC_URL.lstrip("/"), "/api/")
        return path in self._open_paths or path.startswith(prefixes)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._is_open(request.path_info):
            owed = owed_step(request)
            if owed:
                target = reverse("accounts:otp_enrol" if owed == "enrol" else "accounts:otp_verify")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


def owed_step(request) -> str:
    """What the session still owes: "" (nothing), "verify" (a code) or "enrol" (a device)."""
    user = request.user
    if user.is_verified():
        return ""
    if otp.required_for(user):
        return "verify" if otp.has_device(user) else "enrol"
    has = request.session.get(otp.SESSION_HAS_DEVICE)
    if has is None:
        has = otp.has_device(user)
        request.session[otp.SESSION_HAS_DEVICE] = has
    return "verify" if has else ""
