"""Runs of the daily jobs go to the audit log (one event a run, with the counts)."""

from django.dispatch import receiver

from nuanxin.core import daily

from .models import AuditAction
from .services import audit_record


@receiver(daily.ran)
def _daily_ran(sender, result: daily.Result, **kwargs):
    audit_record(
        user=None,
        action=AuditAction.UPDATE,
        object_type="core.daily",
        object_id=result.today.isoformat(),
        object_repr=f"daily jobs {result.today}",
        changes={"counts": result.counts, "failed": result.failed},
    )
