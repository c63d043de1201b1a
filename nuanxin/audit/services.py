"""Writing the audit trail. Every write elsewhere calls `audit_record`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import guard
from .models import AuditAction, AuditEvent


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    user,
    action: str,
    obj: models.Model | None = None,
    request=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AuditEvent.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes or {},
        reason=reason,
        ip=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
    )


def model_changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that differ, JSON-safe."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


# The Cybersecurity Law (art. 21) and MLPS 2.0 level 3 ask for at least six months
# of logs: no setting or argument prunes younger rows than this.
RETENTION_FLOOR_DAYS = 183


@dataclass(frozen=True)
class PruneResult:
    cutoff: dt.datetime
    retention_days: int
    deleted: int
    dry_run: bool


def audit_retention_days(older_than_days: int | None = None) -> int:
    """The retention period in force: the setting, never under six months."""
    return max(older_than_days or 0, settings.AUDIT_RETENTION_DAYS, RETENTION_FLOOR_DAYS)


def audit_prune(
    *, user=None, older_than_days: int | None = None, dry_run: bool = False
) -> PruneResult:
    """Remove events older than the retention period: the one deletion the log allows.

    The database refuses every other DELETE on the log (guard.py); this runs
    inside `guard.pruning()`, in one transaction with an audit event that says
    who pruned, up to when, and how many rows went. `user` is None for the
    system (the `audit prune` command, the daily job).
    """
    days = audit_retention_days(older_than_days)
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        old = AuditEvent._base_manager.filter(at__lt=cutoff)
        if dry_run:
            return PruneResult(cutoff, days, old.count(), True)
        with guard.pruning():
            deleted = old._raw_delete(old.db)
        audit_record(
            user=user,
            action=AuditAction.PRUNE,
            object_type="audit.auditevent",
            object_repr=f"< {cutoff.isoformat(timespec='seconds')}",
            changes={
                "cutoff": cutoff.isoformat(),
                "retention_days": days,
                "deleted": deleted,
            },
        )
    return PruneResult(cutoff, days, deleted, False)
