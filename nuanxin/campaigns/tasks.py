"""Background work: a big campaign allocates in the task worker, with progress on its row."""

from __future__ import annotations

from django_tasks import task


@task()
def campaign_allocate_task(campaign_id: int) -> int:
    from .allocation import allocate_run

    return allocate_run(campaign_id=campaign_id)
