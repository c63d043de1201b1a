"""Background work: the import runs in a task worker, with progress on disk."""

from __future__ import annotations

import logging

from django_tasks import task

from .models import ImportRun

logger = logging.getLogger(__name__)


@task()
def ledger_import_task(run_id: int) -> None:
    from . import services

    run = ImportRun.objects.select_related("user").get(pk=run_id)
    try:
        services.ledger_import(run=run)
    except Exception:
        # The run has recorded the failure and the database is unchanged.
        logger.exception("ledger import #%s failed", run_id)
