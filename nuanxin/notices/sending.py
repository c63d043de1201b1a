"""Sending: one try of one notice, and the sweep of retries that fell due (the task worker's).

A failed send is retried with exponential backoff (BACKOFF_SECONDS × 2^(tries−1));
after MAX_TRIES the notice is dead. Phones are never logged in clear.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from nuanxin.core.masking import mask_phone

from . import backends
from .models import Notice, NoticeStatus

logger = logging.getLogger("nuanxin.notices")


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
