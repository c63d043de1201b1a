"""Writes to the outbox: queue a notice inside the caller's transaction.

A notice is queued with the write that asks for it and handed to the task
worker when that transaction commits (`sending.notice_send`). Retries that
fall due are sent by `notices_send_due` (the `notices_send` command and the
retry task). The audit record carries the phone masked.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core.masking import mask_phone

from .models import Channel, Notice
from .tasks import notice_send_task

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
        notice_send_task.enqueue(notice_id=notice.pk)

    transaction.on_commit(enqueue)
    return notice
