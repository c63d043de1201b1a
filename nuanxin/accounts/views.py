"""Account security pages: the second factor, API tokens, and lifting login locks.

Thin: the rules are in otp.py, lockout.py, selectors.py and services.py.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nuanxin.core import tables
from nuanxin.core.params import parse

from . import otp, roster, selectors, services
from .forms import (
    CodeForm,
    EnrolForm,
    GridForm,
    LockLiftForm,
    RosterForm,
    StaffFilterForm,
    TokenForm,
)
from .models import ApiToken

PAGE_SIZE = 25
MAX_ID = 2**63 - 1
SESSION_NEW_TOKEN = "nuanxin_new_token"


def _next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- the second factor ---------------------------------------------------------------


@login_required
def otp_verify(request):
    """The second step of the login: a code from the authenticator, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not otp.has_device(user):
        if otp.required_for(user):
            return redirect("accounts:otp_enrol")
        request.session[otp.SESSION_HAS_DEVICE] = False
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.otp_verify(user=user, code=form.cleaned_data["code"], request=request)
        if check.ok:
            request.session.cycle_key()
            django_otp.login(request, check.device)
            if isinstance(check.device, services.StaticDevice):
                left = otp.recovery_codes_left(user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(n)d are left. Make new ones on the account security page."
                    )
                    % {"n": left},
                )
            return redirect(_next(request))
        form.add_error("code", check.error)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request, "")})


@login_required
def otp_enrol(request):
    """Add an authenticator app: scan the QR code, type its first code, keep the recovery codes."""
    user = request.user
    if otp.has_device(user):
        messages.info(request, _("You already have a second factor."))
        return redirect("accounts:security")
    device = services.otp_enrol_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = services.otp_enrol_confirm(
            user=user, code=form.cleaned_data["code"], request=request
        )
        if check.ok:
            request.session.cycle_key()
            django_otp.login(request, check.device)
            request.session[otp.SESSION_NEW_CODES] = codes
            request.session[otp.SESSION_HAS_DEVICE] = True
            return redirect(
                reverse("accounts:otp_recovery") + "?" + urlencode({"next": _next(request)})
            )
        form.add_error("code", check.error)
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": otp.qr_svg(device),
            "secret": otp.secret_base32(device),
            "required": otp.required_for(user),
            "next": _next(request, ""),
        },
    )


@login_required
def otp_recovery(request):
    """Recovery codes, shown once; POST makes new ones (the old ones stop working)."""
    user = request.user
    if request.method == "POST":
        if not user.is_verified():
            raise Http404
        try:
            codes = services.otp_recovery_codes_renew(user=user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:security")
        request.session[otp.SESSION_NEW_CODES] = codes
        return redirect("accounts:otp_recovery")
    codes = request.session.pop(otp.SESSION_NEW_CODES, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once, when they are made."))
        return redirect("accounts:security")
    return render(request, "accounts/otp_recovery.html", {"codes": codes, "next": _next(request)})


@login_required
@require_POST
def otp_remove(request):
    """Remove an optional second factor, proven with a current code."""
    user = request.user
    if otp.required_for(user):
        messages.error(request, _("Your role needs a second factor; it cannot be removed."))
        return redirect("accounts:security")
    if not otp.has_device(user):
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if form.is_valid():
        check = services.otp_remove(user=user, code=form.cleaned_data["code"], request=request)
        if check.ok:
            request.session[otp.SESSION_HAS_DEVICE] = False
            messages.success(request, _("Your second factor is removed."))
            return redirect("accounts:security")
        form.add_error("code", check.error)
    return render(request, "accounts/security.html", _security_context(request, remove_form=form))


def _security_context(request, **extra) -> dict:
    user = request.user
    device = otp.totp_device(user)
    return {
        "device": device,
        "demo_device": device is not None and otp.is_demo_device(device),
        "required": otp.required_for(user),
        "codes_left": otp.recovery_codes_left(user) if device else 0,
        "live_tokens": ApiToken.objects.live().filter(user=user).count(),
        "remove_form": extra.pop("remove_form", None) or CodeForm(),
        **extra,
    }


@login_required
def security(request):
    """The user's own account security: second factor, recovery codes, API tokens."""
    return render(request, "accounts/security.html", _security_context(request))


# --- API tokens ----------------------------------------------------------------------


@login_required
def token_list(request):
    """The user's own tokens; a new one is shown once, right after it is made."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            request.session[SESSION_NEW_TOKEN] = token
            return redirect("accounts:token_list")
    page = Paginator(selectors.api_tokens_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "page": page,
            "new_token": request.session.pop(SESSION_NEW_TOKEN, None),
            "max_days": settings.API_TOKEN_MAX_DAYS,
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    """Revoke one of the user's own tokens (another's is 404, as if missing)."""
    if pk > MAX_ID:  # the URL's int converter takes any length; the database does not
        raise Http404
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, by=request.user, request=request)
    messages.success(
        request, _("Token “%(name)s” is revoked.") % {"name": token.name or token.hint}
    )
    return redirect("accounts:token_list")


# --- login locks ---------------------------------------------------------------------


@login_required
def lock_list(request):
    """Login locks an officer may lift: users they are above, and (city admin) addresses."""
    if not selectors.is_officer(request.user):
        raise Http404
    locks = selectors.name_locks_for(request.user)
    page = Paginator(locks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/lock_list.html",
        {
            "page": page,
            "address_locks": selectors.address_locks_for(request.user),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "address_limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        },
    )


@login_required
@require_POST
def lock_lift(request):
    if not selectors.is_officer(request.user):
        raise Http404
    form = LockLiftForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(form.errors.get("__all__", [])) or _("Choose one lock to lift.")
        )
        return redirect("accounts:lock_list")
    data = form.cleaned_data
    services.login_lock_lift(
        by=request.user,
        username=data["username"],
        address=data["address"],
        reason=data["reason"],
        request=request,
    )
    messages.success(
        request,
        _("The lock on %(who)s is lifted.") % {"who": data["username"] or data["address"]},
    )
    return redirect("accounts:lock_list")


# --- the password, and staff --------------------------------------------------------


@login_required
def password_change(request):
    """The user's own password; the only page a one-time password leads to."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.password_change(
            user=request.user, password=form.cleaned_data["new_password1"], request=request
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed."))
        return redirect(_next(request))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.must_change_password, "next": _next(request, "")},
    )


SESSION_CREDENTIALS = "nuanxin_roster_credentials"


def _credentials_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "accounts" / "credentials"


@login_required
def roster_import(request):
    """The city administrator imports a staff roster: the result, and the one-time
    passwords as a file to download once."""
    if not selectors.can_import_roster(request.user):
        raise Http404
    form = RosterForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = _roster_run(request, form)
        if outcome is not None and outcome.created and not outcome.dry_run:
            _credentials_keep(request, outcome)
    return render(
        request,
        "accounts/roster_import.html",
        {
            "form": form,
            "outcome": outcome,
            "rejected": [(r, roster.reason_text(r.reasons)) for r in outcome.rejected[:500]]
            if outcome
            else [],
            "credentials_waiting": bool(request.session.get(SESSION_CREDENTIALS)),
        },
    )


def _roster_run(request, form):
    """The upload, read and imported from a private temporary folder (None: refused)."""
    upload = form.cleaned_data["file"]
    if upload.size > settings.LEDGER_MAX_BYTES:  # refused before it is copied and read
        form.add_error(
            "file",
            _("The file is larger than %(mb)d MB, the limit (NUANXIN_UPLOAD_MAX_MB).")
            % {"mb": settings.LEDGER_MAX_BYTES // (1024 * 1024)},
        )
        return None
    suffix = Path(upload.name).suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="nuanxin-roster-") as folder:
        path = Path(folder) / f"roster{suffix}"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            return services.roster_import(
                path=path,
                display_name=Path(upload.name).name,
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
                request=request,
                max_rows=ROSTER_PAGE_ROWS,
            )
        except tables.TableError as exc:
            form.add_error("file", str(exc))
            return None


CREDENTIALS_KEPT = dt.timedelta(days=1)
# Rows a roster upload may hold: each new user's password is hashed within the request.
ROSTER_PAGE_ROWS = 200


def _credentials_keep(request, outcome) -> None:
    """Write the one-time passwords to a file only this session can download, once.

    A file the session was still holding is replaced, and files nobody downloaded
    within a day are deleted: passwords do not linger on the server.
    """
    folder = _credentials_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old = request.session.pop(SESSION_CREDENTIALS, None)
    if old:
        (folder / f"{old}.xlsx").unlink(missing_ok=True)
    cutoff = (timezone.now() - CREDENTIALS_KEPT).timestamp()
    for stale in folder.glob("*.xlsx"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    key = secrets.token_urlsafe(16)
    fd = os.open(folder / f"{key}.xlsx", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        services.credentials_write(outcome, fh)
    request.session[SESSION_CREDENTIALS] = key


@login_required
def roster_credentials(request):
    """The last roster's one-time passwords, downloaded once (then deleted)."""
    if not selectors.can_import_roster(request.user):
        raise Http404
    key = request.session.pop(SESSION_CREDENTIALS, None)
    path = (
        _credentials_dir() / f"{key}.xlsx"
        if key and key.replace("-", "").replace("_", "").isalnum()
        else None
    )
    if path is None or not path.is_file():
        raise Http404
    data = path.read_bytes()
    path.unlink()
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="credentials.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def staff_list(request):
    """Staff by region and role, for the city administrator and district officers."""
    if not selectors.is_officer(request.user):
        raise Http404
    params = parse(request, StaffFilterForm)
    memberships = selectors.staff_memberships(
        request.user, region=params["region"], role=params["role"], text=params["text"].strip()
    )
    page = Paginator(memberships, STAFF_PAGE_SIZE).get_page(params["page"])
    return render(
        request,
        "accounts/staff_list.html",
        {
            "form": StaffFilterForm(request.GET or None),
            "page": page,
            "can_import": selectors.can_import_roster(request.user),
        },
    )


STAFF_PAGE_SIZE = 50


@login_required
def grid_create(request):
    """Add a grid under a community of the officer's area (city administrator, district
    officers)."""
    if not selectors.is_officer(request.user):
        raise Http404
    form = GridForm(request.POST or None, communities=selectors.communities_for_grids(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grid = services.grid_create(
                by=request.user,
                community_code=data["community"],
                number=data["number"],
                name=data["name"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("Grid %(code)s %(name)s is added.") % {"code": grid.code, "name": grid.name},
            )
            return redirect("accounts:grid_create")
    return render(request, "accounts/grid_create.html", {"form": form})
