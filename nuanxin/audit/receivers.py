"""Runs of the daily jobs go to the audit log (one event a run, with the counts), and so
do writes to the region tree, which the regions app announces (regions/signals.py)."""

from django.dispatch import receiver

from nuanxin.core import daily
from nuanxin.regions import signals as regions_signals

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


@receiver(regions_signals.audited)
def _regions_audited(sender, **kwargs):
    """A write to the region tree (a file import, a grid added from a page)."""
    kwargs.pop("signal", None)
    audit_record(**kwargs)
