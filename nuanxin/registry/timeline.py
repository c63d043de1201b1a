"""The registry's entries on a person's timeline: consents, devices, enrollments.

One record can make several entries (a consent given, then withdrawn; a device
installed, flagged for removal, removed). Each model is read in one query,
ordered by the record's *latest* event and sliced to `limit`: any entry among
the newest `limit` belongs to one of those records, so nothing is missed.
"""

from __future__ import annotations

from django.db.models import Count, DateField, Q
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nuanxin.core import timeline
from nuanxin.core.timeline import Entry, day_start

from .models import Consent, Device, Enrollment


def _profile(person, section: str) -> str:
    return f"{person.get_absolute_url()}#section-{section}"


class RegistryTimeline:
    position = 30
    kinds = {
        "consent": _("Consents"),
        "device": _("Devices"),
        "enrollment": _("Assistance categories"),
    }

    def entries(self, *, user, person, kinds, limit):
        found: list[Entry] = []
        if "consent" in kinds:
            found += self._consents(person, limit)
        if "device" in kinds:
            found += self._devices(person, limit)
        if "enrollment" in kinds:
            found += self._enrollments(person, limit)
        return found

    def count(self, *, user, person, kinds) -> int:
        total = 0
        if "consent" in kinds:
            n = Consent.objects.filter(person=person).aggregate(
                given=Count("id"), withdrawn=Count("withdrawn_on")
            )
            total += n["given"] + n["withdrawn"]
        if "device" in kinds:
            n = Device.objects.filter(person=person).aggregate(
                installed=Count("id"),
                removed=Count("removed_on"),
                flagged=Count("id", filter=Q(needs_removal=True, removed_on__isnull=True)),
            )
            total += n["installed"] + n["removed"] + n["flagged"]
        if "enrollment" in kinds:
            n = Enrollment.objects.filter(person=person).aggregate(
                started=Count("id"), ended=Count("end_date")
            )
            total += n["started"] + n["ended"]
        return total

    # ---- one query per model -------------------------------------------------------

    def _consents(self, person, limit) -> list[Entry]:
        rows = (
            Consent.objects.filter(person=person)
            .select_related("given_by_guardian", "recorded_by")
            .annotate(latest=Coalesce("withdrawn_on", "given_on"))
            .order_by("-latest", "-id")[:limit]
        )
        link = _profile(person, "consent")
        found = []
        for c in rows:
            by = (
                gettext("by guardian %(name)s") % {"name": c.given_by_guardian.name}
                if c.given_by_guardian_id
                else gettext("by the person")
            )
            found.append(
                Entry(
                    kind="consent",
                    at=day_start(c.given_on),
                    all_day=True,
                    record_id=c.pk,
                    title=gettext("Consent given: %(purpose)s")
                    % {"purpose": c.get_purpose_display()},
                    detail=" · ".join(
                        [str(c.get_method_display()), by]
                        + ([gettext("document attached")] if c.document_file else [])
                    ),
                    status=gettext("active") if c.active else gettext("withdrawn"),
                    link=link,
                    icon="file-earmark-check",
                    actor=timeline.actor_name(c.recorded_by),
                )
            )
            if c.withdrawn_on:
                found.append(
                    Entry(
                        kind="consent",
                        at=day_start(c.withdrawn_on),
                        all_day=True,
                        record_id=c.pk,
                        title=gettext("Consent withdrawn: %(purpose)s")
                        % {"purpose": c.get_purpose_display()},
                        status=gettext("withdrawn"),
                        link=link,
                        icon="file-earmark-x",
                    )
                )
        return found

    def _devices(self, person, limit) -> list[Entry]:
        rows = (
            Device.objects.filter(person=person)
            .select_related("consent")
            .annotate(
                latest=Greatest(
                    Coalesce("removed_on", "installed_on"),
                    Coalesce("consent__withdrawn_on", "installed_on"),
                )
            )
            .order_by("-latest", "-id")[:limit]
        )
        link = _profile(person, "device")
        found = []
        for d in rows:
            kind = d.get_kind_display()
            found.append(
                Entry(
                    kind="device",
                    at=day_start(d.installed_on),
                    all_day=True,
                    record_id=d.pk,
                    title=gettext("Device installed: %(kind)s") % {"kind": kind},
                    detail=" · ".join(x for x in (d.campaign, d.serial) if x),
                    status=(
                        gettext("removed")
                        if d.removed_on
                        else gettext("to be removed")
                        if d.needs_removal
                        else gettext("in place")
                    ),
                    link=link,
                    icon="camera-video" if d.kind == "camera" else "shield-check",
                )
            )
            if d.needs_removal and not d.removed_on:
                flagged_on = d.consent.withdrawn_on if d.consent_id else None
                found.append(
                    Entry(
                        kind="device",
                        at=day_start(flagged_on or d.installed_on),
                        all_day=True,
                        record_id=d.pk,
                        title=gettext("To be removed: %(kind)s") % {"kind": kind},
                        detail=gettext("Consent withdrawn."),
                        status=gettext("to be removed"),
                        link=link,
                        icon="exclamation-triangle",
                    )
                )
            if d.removed_on:
                found.append(
                    Entry(
                        kind="device",
                        at=day_start(d.removed_on),
                        all_day=True,
                        record_id=d.pk,
                        title=gettext("Device removed: %(kind)s") % {"kind": kind},
                        status=gettext("removed"),
                        link=link,
                        icon="box-arrow-right",
                    )
                )
        return found

    def _enrollments(self, person, limit) -> list[Entry]:
        started = Coalesce("start_date", TruncDate("created_at"), output_field=DateField())
        rows = (
            Enrollment.objects.filter(person=person)
            .annotate(started=started, latest=Coalesce("end_date", started))
            .order_by("-latest", "-id")[:limit]
        )
        link = _profile(person, "enrollment")
        found = []
        for e in rows:
            category = e.get_category_display()
            found.append(
                Entry(
                    kind="enrollment",
                    at=day_start(e.started),
                    all_day=True,
                    record_id=e.pk,
                    title=gettext("Enrolled: %(category)s") % {"category": category},
                    detail=e.source,
                    status=gettext("ended") if e.end_date else gettext("current"),
                    link=link,
                    icon="card-checklist",
                )
            )
            if e.end_date:
                found.append(
                    Entry(
                        kind="enrollment",
                        at=day_start(e.end_date),
                        all_day=True,
                        record_id=e.pk,
                        title=gettext("Enrollment ended: %(category)s") % {"category": category},
                        status=gettext("ended"),
                        link=link,
                        icon="card-checklist",
                    )
                )
        return found


def ready() -> None:
    timeline.register(RegistryTimeline())
