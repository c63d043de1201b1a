"""The notice outbox: SMS and call scripts queued in the database, sent by the task worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nuanxin.core import access
from nuanxin.regions.districts import DistrictField, district_check


class Channel(models.TextChoices):
    SMS = "sms", _("text message")
    CALL = "call", _("call script")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("notice status", "queued")
    SENT = "sent", pgettext_lazy("notice status", "sent")
    RETRYING = "retrying", _("failed, will retry")
    DEAD = "dead", _("given up")


class Notice(models.Model):
    """One message to one phone. The region (the person's) puts it behind the gate."""

    channel = models.CharField(_("channel"), max_length=4, choices=Channel.choices)
    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    region = models.ForeignKey("regions.Region", models.PROTECT, verbose_name=_("region"))
    person = models.ForeignKey(
        "registry.Person", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who asked for it, as "app.model:id" (a campaign's allocation …): the outbox knows no app.
    source = models.CharField(_("source"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    district = DistrictField()

    objects = access.RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [district_check("notices_notice")]
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notice_status_next"),
            models.Index(fields=["region", "status"], name="notice_region_status"),
        ]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()}"
