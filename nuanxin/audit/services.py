"""Writing the audit trail. Every write elsewhere calls `audit_record`."""

from __future__ import annotations

import datetime as dt

from django.db import models

from .models import AuditEvent


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


def audit_prune(*, older_than_days: int) -> int:
    """Remove events older than the retention period (the only deletion allowed)."""
    from django.conf import settings
    from django.db.models.query import QuerySet
    from django.utils import timezone

    days = max(older_than_days, settings.AUDIT_RETENTION_DAYS)
    cutoff = timezone.now() - dt.timedelta(days=days)
    # Bypass the append-only guard deliberately, and only here.
    deleted, _ = QuerySet.delete(AuditEvent.objects.filter(at__lt=cutoff))
    return deleted
