"""Writes to the outbox: queue a notice (inside the caller's transaction), send it, retry.

A notice is queued with the write that asks for it and handed to the task
worker when that transaction commits. A failed send is retried with
exponential backoff (BACKOFF_SECONDS × 2^(tries−1)) by `notices_send_due`,
which `nuanxin tick` and the retry task run; after MAX_TRIES it is dead.
Phones are never logged in clear: errors and audit records carry the mask.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core.masking import mask_phone

from . import backends
from .models import Channel, Notice, NoticeStatus

logger = logging.getLogger("nuanxin.notices")


def notice_queue(
    *, user, phone: str, text: str, region_id: str, channel: str = Channel.SMS,
    person=None, source: str = "", request=None,
) -> Notice:  # fmt: skip
    """Queue one notice; it is sent after the caller's transaction commits."""
    notice = Notice(
        channel=channel,
        phone=(phone or "").strip(),
        text=(text or "").strip(),
        region_id=region_id,
        person=person,
        source=source[:60],
        created_by=user if getattr(user, "is_authenticated", False) else None,
        next_attempt_at=timezone.now(),
    )
    notice.full_clean(exclude=["person", "created_by", "region"])
    with transaction.atomic():
        notice.save()
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            obj=notice,
            request=request,
            changes={"channel": channel, "phone": mask_phone(notice.phone), "source": source},
        )

    def enqueue():
        from .tasks import notice_send_task

        notice_send_task.enqueue(notice_id=notice.pk)

    transaction.on_commit(enqueue)
    return notice


def backoff(tries: int, base: int | None = None) -> dt.timedelta:
    base = backends.config()["BACKOFF_SECONDS"] if base is None else base
    return dt.timedelta(seconds=base * 2 ** max(tries - 1, 0))


def notice_send(*, notice_id: int, now: dt.datetime | None = None) -> Notice | None:
    """Try one notice once (if it is still waiting); returns it with its new status."""
    now = now or timezone.now()
    cfg = backends.config()
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .filter(pk=notice_id, status__in=[NoticeStatus.QUEUED, NoticeStatus.RETRYING])
            .first()
        )
        if notice is None:
            return None
        notice.attempts += 1
        try:
            backends.backend().send(notice)
        except backends.SendError as exc:
            error = (
                str(exc).replace(notice.phone, mask_phone(notice.phone))
                if notice.phone
                else str(exc)
            )
            notice.last_error = error[:300]
            if notice.attempts >= cfg["MAX_TRIES"]:
                notice.status = NoticeStatus.DEAD
                notice.next_attempt_at = None
            else:
                notice.status = NoticeStatus.RETRYING
                notice.next_attempt_at = now + backoff(notice.attempts, cfg["BACKOFF_SECONDS"])
            logger.warning("notice #%s to %s failed (try %s): %s", notice.pk,
                           mask_phone(notice.phone), notice.attempts, notice.last_error)  # fmt: skip
        else:
            notice.status = NoticeStatus.SENT
            notice.sent_at = now
            notice.next_attempt_at = None
            notice.last_error = ""
        notice.save(
            update_fields=["attempts", "status", "next_attempt_at", "last_error", "sent_at"]
        )
    return notice


def notices_send_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send every waiting notice whose time has come; returns how many were tried."""
    now = now or timezone.now()
    ids = list(
        Notice.objects.filter(
            status__in=[NoticeStatus.QUEUED, NoticeStatus.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in ids:
        notice_send(notice_id=pk, now=now)
    return len(ids)
