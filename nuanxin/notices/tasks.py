"""Background sending: one task a notice, and a sweep for retries that fell due."""

from __future__ import annotations

from django_tasks import task


@task()
def notice_send_task(notice_id: int) -> None:
    from .sending import notice_send

    notice_send(notice_id=notice_id)


@task()
def notices_retry_task() -> int:
    from .sending import notices_send_due

    return notices_send_due()
