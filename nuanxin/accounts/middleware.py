"""The second factor's gate: a logged-in session that still owes a code reaches
nothing but the code page (docs/security.md, accounts/otp.py); past it, a user
with a one-time password (a roster import) reaches nothing but the password page."""

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
            if owed == "password" and request.path_info == reverse(STEP_URLS[owed]):
                owed = ""  # past the second factor, on the page that settles the rest
            if owed:
                target = reverse(STEP_URLS[owed])
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


STEP_URLS = {
    "enrol": "accounts:otp_enrol",
    "verify": "accounts:otp_verify",
    "password": "accounts:password_change",
}


def owed_step(request) -> str:
    """What the session still owes: "" (nothing), "verify" (a code), "enrol" (a device) or,
    past the second factor, "password" (a one-time password to replace)."""
    user = request.user
    if user.is_verified():
        return "password" if user.must_change_password else ""
    if otp.required_for(user):
        return "verify" if otp.has_device(user) else "enrol"
    has = request.session.get(otp.SESSION_HAS_DEVICE)
    if has is None:
        has = otp.has_device(user)
        request.session[otp.SESSION_HAS_DEVICE] = has
    if has:
        return "verify"
    return "password" if user.must_change_password else ""
