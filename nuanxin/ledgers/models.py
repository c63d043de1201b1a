"""An import run and the rows it rejected (DESIGN §3.4: nothing is lost)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One import of one or more ledger files, by one user (or the system)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("user")
    )
    # Kept as text too, so the record survives the user's deletion.
    username = models.CharField(_("username"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    files = models.JSONField(_("files"), default=list)  # [{"name": ..., "path": ...}]
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_report = models.CharField(_("error report"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")

    def __str__(self):
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M} {self.username}"


class RejectedRow(models.Model):
    """A row that was not imported, kept with where it came from and why."""

    run = models.ForeignKey(ImportRun, models.CASCADE, related_name="rejected_rows")
    file = models.CharField(_("file"), max_length=255)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("row"))
    headers = models.JSONField(_("headers"), default=list)
    values = models.JSONField(_("original values"), default=list)
    reasons = models.JSONField(_("reasons"), default=list)  # [[code, field, detail], ...]

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self):
        return f"{self.file} {self.sheet} #{self.row_number}"
