"""Writes for users, memberships and API tokens."""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.regions.models import Region

from . import otp, selectors
from .models import ApiToken, Membership, User

SYSTEM = None  # `by=SYSTEM`: a command or a job, recorded in the audit log with no user


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
def api_token_create(
    *, user: User, name: str = "", days: int | None = None, by=SYSTEM, request=None
) -> str:
    """Create a token for `user` and return it; it cannot be read back later.

    It ends after `days` (default NUANXIN_TOKEN_DAYS, at most API_TOKEN_MAX_DAYS).
    `by` is who made it: the user on their token page (past the second factor,
    where their role needs one), or the system (the `token` command).
    """
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {
                "days": _("A token lasts from 1 to %(max)d days.")
                % {"max": settings.API_TOKEN_MAX_DAYS}
            }
        )
    token = "nx_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        name=name.strip(),
        digest=ApiToken.digest_of(token),
        hint=token[:8],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    row.full_clean(exclude=["user"])
    row.save()
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        obj=row,
        request=request,
        changes={"name": row.name, "expires_at": row.expires_at.isoformat(), "for": user.username},
    )
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by=SYSTEM, request=None) -> ApiToken:
    """End a token now (a revoked token answers 401). Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        obj=token,
        request=request,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


# How often a token's last use is written: every request would be a write per API call.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def api_token_authenticate(token: str) -> User | None:
    """The active user behind a live token, or None (unknown, expired, revoked)."""
    if not token or len(token) > 200:
        return None
    row = (
        ApiToken.objects.live()
        .select_related("user")
        .filter(digest=ApiToken.digest_of(token))
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


# --- login locks ---------------------------------------------------------------------


@transaction.atomic
def login_lock_lift(*, by, username: str = "", address: str = "", reason: str = "", request=None):
    """Lift a login lock: a user's (by an officer above them, `selectors.is_above`), or a
    whole address's (by the city administrator). Out of the officer's sight is 404.

    Lifting a user's lock clears their failures from every address; the user must
    still pass their password (and second factor) as usual.
    """
    from axes.handlers.proxy import AxesProxyHandler

    from . import lockout, selectors

    if bool(username) == bool(address):
        raise ValueError("lift either a user's lock or an address's, not both")
    if username:
        user = User.objects.filter(username=username).first()
        if user is None or not selectors.is_above(by, user):
            raise Http404
        addresses = sorted(
            {lock.address for lock in lockout.name_locks() if lock.username == username}
        )
        cleared = AxesProxyHandler.reset_attempts(username=username)
        audit_record(
            user=by,
            action=AuditAction.UNLOCK,
            obj=user,
            request=request,
            reason=reason,
            changes={"addresses": addresses, "attempts_cleared": cleared},
        )
        return cleared
    try:
        validate_ipv46_address(address)
    except ValidationError:
        raise Http404 from None
    if by is not None and not selectors.is_city_admin(by):
        raise Http404
    cleared = AxesProxyHandler.reset_attempts(ip_address=address)
    audit_record(
        user=by,
        action=AuditAction.UNLOCK,
        object_type="axes.address",
        object_id=address,
        object_repr=address,
        request=request,
        reason=reason,
        changes={"attempts_cleared": cleared},
    )
    return cleared


# --- the second factor ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: the device that took it, or why not."""

    device: object | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()[:16]


def _device_label(device) -> str:
    return "recovery" if isinstance(device, StaticDevice) else "authenticator"


def _throttled_message(info: dict | None) -> str:
    until = (info or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return ngettext(
        "Too many wrong codes: wait %(n)d second and try again.",
        "Too many wrong codes: wait %(n)d seconds and try again.",
        seconds,
    ) % {"n": seconds}


def otp_verify(*, user: User, code: str, request=None) -> CodeCheck:
    """Check a code from the user's authenticator app, or one of their recovery codes.

    Each failure counts towards django-otp's exponential back-off on that device
    and is audited, so no transaction here rolls a failure back: the check
    commits whatever it finds. A recovery code is used up.
    """
    code = _clean_code(code)
    if not code:
        return CodeCheck(None, _("Enter the code."))
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        # Six digits is an authenticator's code; anything else a recovery code. Trying
        # only the one kind keeps a typo from counting against both devices.
        candidates = list(totp if code.isdigit() and len(code) <= 8 else static)
        found, error = (
            None,
            _(
                "That code is not right, or was used already. Enter the current code "
                "from your authenticator app, or one of your recovery codes."
            ),
        )
        if not candidates and not otp.has_device(user):
            return CodeCheck(None, _("You have no second factor yet."))
        for device in candidates:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                error = _throttled_message(info)
            elif device.verify_token(code):
                found = device
                break
        audit_record(
            user=user,
            action=AuditAction.OTP_VERIFIED if found else AuditAction.OTP_FAILED,
            request=request,
            object_type="otp.device",
            object_id=str(user.pk),
            object_repr=user.get_username(),
            changes={"device": _device_label(found or (candidates[0] if candidates else None))},
        )
    return CodeCheck(found) if found else CodeCheck(None, error)


@transaction.atomic
def otp_enrol_start(*, user: User) -> TOTPDevice:
    """The authenticator a user is enrolling: unconfirmed until a first code passes."""
    device = otp.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=otp.DEVICE_NAME, confirmed=False)
    return device


def otp_enrol_confirm(*, user: User, code: str, request=None) -> tuple[CodeCheck, list[str]]:
    """Confirm the enrolling authenticator with its first code; give recovery codes.

    Returns the check and, when it passed, the recovery codes to show once.
    """
    if otp.has_device(user):
        return CodeCheck(None, _("You already have a second factor.")), []
    device = otp.totp_device(user, confirmed=False)
    if device is None:
        return CodeCheck(None, _("Start the enrolment again.")), []
    code = _clean_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not (code.isdigit() and device.verify_token(code)):
            return CodeCheck(
                None,
                _(
                    "That code is not right. Check that your phone's time is correct and "
                    "enter the code the app shows now."
                ),
            ), []
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            request=request,
            object_type="otp.device",
            object_id=str(user.pk),
            object_repr=user.get_username(),
            changes={"device": "authenticator", "recovery_codes": len(codes)},
        )
    return CodeCheck(device), codes


def _recovery_codes_replace(user: User) -> list[str]:
    device = recovery_device_for(user)
    device.token_set.all().delete()
    codes = otp.new_recovery_codes()
    device.token_set.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_device_for(user: User) -> StaticDevice:
    device = otp.recovery_device(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=otp.RECOVERY_NAME, confirmed=True)
    return device


@transaction.atomic
def otp_recovery_codes_renew(*, user: User, request=None) -> list[str]:
    """New recovery codes (the old ones stop working), for a user with an authenticator."""
    if otp.totp_device(user) is None:
        raise ValidationError(_("Enrol an authenticator app first."))
    codes = _recovery_codes_replace(user)
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        request=request,
        object_type="otp.device",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        changes={"device": "recovery", "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def otp_reset(*, user: User, by=SYSTEM, request=None, reason: str = "") -> int:
    """Remove all of a user's second-factor devices (`nuanxin otp reset`, or the user
    removing an optional one). A user whose role needs one enrols again at their next
    login; every session they have open loses its verification at once."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _deleted = model.objects.filter(user=user).delete()
        removed += count
    audit_record(
        user=by,
        action=AuditAction.DELETE,
        request=request,
        reason=reason,
        object_type="otp.device",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        changes={"removed": removed},
    )
    return removed


def otp_remove(*, user: User, code: str, request=None) -> CodeCheck:
    """An optional second factor removed by its owner, who proves it with a current code."""
    if otp.required_for(user):
        raise PermissionDenied(_("Your role needs a second factor; it cannot be removed."))
    check = otp_verify(user=user, code=code, request=request)
    if check.ok:
        otp_reset(user=user, by=user, request=request)
    return check


@transaction.atomic
def otp_demo_enrol(*, user: User) -> TOTPDevice:
    """Give a demo login the demo authenticator (its secret follows from the user name).

    A user who already has an authenticator keeps it.
    """
    device = otp.totp_device(user)
    if device is not None:
        return device
    device = TOTPDevice.objects.create(
        user=user, name=otp.DEMO_DEVICE_NAME, key=otp.demo_key(user.username), confirmed=True
    )
    audit_record(
        user=SYSTEM,
        action=AuditAction.CREATE,
        object_type="otp.device",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        changes={"device": "demo"},
    )
    return device


# --- the staff roster ----------------------------------------------------------------


@dataclass
class RosterOutcome:
    rows: int = 0
    created: list = field(default_factory=list)  # [(row, one-time password)]
    # [row]: an existing user given the row's membership, or its new name or phone
    updated: list = field(default_factory=list)
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # [roster.Row]
    dry_run: bool = False
    users: dict = field(default_factory=dict, repr=False)  # a dry run's changed users

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


def roster_import(*, path, display_name: str | None = None, by=SYSTEM, dry_run: bool = False,
                  request=None, max_rows: int | None = None) -> RosterOutcome:  # fmt: skip
    """Create staff with their memberships from a roster file (accounts/roster.py).

    Idempotent by username: a user who exists keeps their password and gets the
    row's membership if they lack it, and the row's name or phone where it differs
    (audited; a row naming a username whose user has both another name and another
    phone is someone else's, rejected). A new user gets a one-time password
    (returned in `created`, for the credentials file only: never logged nor
    audited) and must choose their own at their first login, after the second
    factor where their role needs one (accounts/otp.py). `by` is the city
    administrator on the roster page (rows for regions outside their area are
    rejected as unknown), or the system (the `users import` command). A file of
    more than `max_rows` rows is refused whole (tables.TableError): the page keeps
    to what it can hash within a request (argon2 costs about 0.1–0.5 s a password).
    """
    from . import roster

    if by is not None and not selectors.can_import_roster(by):
        raise PermissionDenied(_("Only the city administrator imports a staff roster."))
    within = selectors.roster_scope(by)
    regions = {code: code for code in Region.objects.values_list("code", flat=True)}

    def region_ok(code: str) -> bool:
        return code in regions and within.covers(code)

    rows = roster.read(path, display_name, region_ok)
    if max_rows is not None and len(rows) > max_rows:
        from nuanxin.core.tables import TableError

        raise TableError(
            _(
                "%(name)s has %(rows)d rows; this page takes at most %(max)d."
                " Import a longer roster with `nuanxin users import`."
            )
            % {"name": display_name or str(path), "rows": len(rows), "max": max_rows}
        )
    outcome = RosterOutcome(rows=len(rows), dry_run=dry_run)
    with transaction.atomic():
        for row in rows:
            if row.reasons:
                outcome.rejected.append(row)
                continue
            _roster_row(row, outcome, dry_run, by, request)
        if not dry_run:
            audit_record(
                user=by,
                action=AuditAction.IMPORT,
                request=request,
                object_type="accounts.user",
                object_repr=(display_name or str(path))[:200],
                changes={
                    "file": display_name or str(path),
                    **outcome.counts(),
                    "usernames": [row.username for row, _password in outcome.created][:500],
                },
            )
    return outcome


def _roster_row(row, outcome: RosterOutcome, dry_run: bool, by, request) -> None:
    from . import roster

    user = None
    if row.username:
        # A dry run changes users in memory only: later rows see those changes too.
        user = outcome.users.get(row.username) or User.objects.filter(username=row.username).first()
        # The same person by their username when their name or their phone still
        # matches (the other is then updated); with both different, someone else's.
        if (
            user is not None
            and user.full_name
            and user.full_name != row.name
            and not (user.phone and user.phone == row.phone)
        ):
            row.reasons.append(("username_taken", "username"))
            outcome.rejected.append(row)
            return
    else:
        for candidate in roster.username_candidates(row.name, row.phone):
            user = User.objects.filter(username=candidate).first()
            if user is None or (user.full_name, user.phone) == (row.name, row.phone):
                row.username = candidate
                break
    if user is None:
        password = roster.one_time_password()
        if not dry_run:
            user = User(username=row.username, full_name=row.name, phone=row.phone)
            user.set_password(password)
            user.must_change_password = True
            user.full_clean(exclude=["password"])
            user.save()
            membership_add(user=user, role=row.role, region=Region(code=row.region))
        outcome.created.append((row, password if not dry_run else ""))
        return
    changed = {
        name: value
        for name, value in (("full_name", row.name), ("phone", row.phone))
        if value and getattr(user, name) != value
    }
    has_role = user.memberships.filter(role=row.role, region_id=row.region).exists()
    if not changed and has_role:
        outcome.unchanged += 1
        return
    row.changed = [*changed, *([] if has_role else ["membership"])]
    if dry_run:
        for name, value in changed.items():
            setattr(user, name, value)
        outcome.users[user.username] = user
    else:
        if changed:
            _roster_user_update(user, changed, by, request)
        if not has_role:
            membership_add(user=user, role=row.role, region=Region.objects.get(code=row.region))
    outcome.updated.append(row)


def _roster_user_update(user: User, changed: dict, by, request) -> None:
    """A roster's new name or phone for an existing user, audited (the phone masked)."""
    from nuanxin.core.masking import mask_phone

    before = {name: getattr(user, name) for name in changed}
    for name, value in changed.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changed))
    masked = {"phone": mask_phone}
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        obj=user,
        request=request,
        changes={
            name: [masked.get(name, str)(before[name]), masked.get(name, str)(value)]
            for name, value in changed.items()
        },
    )


def credentials_write(outcome: RosterOutcome, target) -> int:
    """The new users' one-time passwords, for the administrator to hand out (an xlsx)."""
    from django.utils import translation

    from nuanxin.core.access import Role
    from nuanxin.core.xlsx import LedgerSheet, write_ledger

    names = dict(Region.objects.filter(
        code__in={row.region for row, _p in outcome.created}
    ).values_list("code", "name"))  # fmt: skip
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        note = _(
            "Change the password at the first login; a second factor is enrolled then where the role needs one."
        )
        headers = [_("Username"), _("Full name"), _("Role"), _("Region code"), _("Region"),
                   _("One-time password"), _("Note")]  # fmt: skip
        rows = [
            [row.username, row.name, str(Role(row.role).label), row.region,
             names.get(row.region, ""), password, note]
            for row, password in outcome.created
        ]  # fmt: skip
        return write_ledger(target, [LedgerSheet(title=_("Logins"), headers=headers, rows=rows)])


@transaction.atomic
def password_change(*, user: User, password: str, request=None) -> User:
    """A user's own new password (already validated by the form); ends a must-change."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=user,
        request=request,
        changes={"password": "changed"},
    )
    return user


# --- grids: where grid workers work --------------------------------------------------


@transaction.atomic
def grid_create(*, by, community_code: str, number: str, name: str, request=None) -> Region:
    """A grid (网格) under a community of the officer's area, so that grid workers can be
    placed there: its code is the community's 12 digits and a 3-digit number (001–999).
    A community out of the officer's area answers like a missing one (Http404)."""
    from nuanxin.regions.services import region_create

    community = selectors.communities_for_grids(by).filter(code=community_code).first()
    if community is None:
        raise Http404
    if not (len(number) == 3 and number.isdigit() and number != "000"):
        raise ValidationError({"number": _("A grid's number has 3 digits, from 001 to 999.")})
    if Region.objects.filter(code=community.code + number).exists():
        raise ValidationError({"number": _("That grid exists already.")})
    grid = region_create(code=community.code + number, name=name.strip(), parent=community)
    if not selectors.staff_scope(by).covers(grid.code):  # the grid as stored: still theirs
        raise Http404
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        obj=grid,
        request=request,
        changes={"code": grid.code, "name": grid.name, "parent": community.code},
    )
    return grid
