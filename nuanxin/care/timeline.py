"""Care arrangements on a person's timeline: agreements, absences and substitutes.

Three queries at most (one per model asked for), each sliced to the limit.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access, timeline
from nuanxin.core.timeline import Entry, day_start

from .models import CareAbsence, CareAgreement, CareSubstitute


class CareTimeline:
    position = 30
    kinds = {
        "care_agreement": _("Care agreements"),
        "care_absence": _("Caregiver absences and substitutes"),
    }

    @staticmethod
    def _rows(model, user, person):
        rows = model.objects.restrict(user, access.Action.VIEW, links=False)
        if model is CareSubstitute:
            return rows.filter(absence__person=person)
        return rows.filter(person=person)

    def entries(self, *, user, person, kinds, limit):
        found: list[Entry] = []
        if "care_agreement" in kinds:
            rows = (
                self._rows(CareAgreement, user, person)
                .select_related("created_by")
                .order_by("-starts_on", "-id")[:limit]
            )
            found += [self._agreement(a) for a in rows]
        if "care_absence" in kinds:
            absences = (
                self._rows(CareAbsence, user, person)
                .select_related("agreement", "recorded_by")
                .order_by("-starts_at", "-id")[:limit]
            )
            found += [self._absence(a) for a in absences]
            substitutes = (
                self._rows(CareSubstitute, user, person)
                .select_related("absence", "named_by")
                .order_by("-named_at", "-id")[:limit]
            )
            found += [self._substitute(s) for s in substitutes]
        return found

    def count(self, *, user, person, kinds) -> int:
        total = 0
        if "care_agreement" in kinds:
            total += self._rows(CareAgreement, user, person).count()
        if "care_absence" in kinds:
            total += self._rows(CareAbsence, user, person).count()
            total += self._rows(CareSubstitute, user, person).count()
        return total

    @staticmethod
    def _agreement(a: CareAgreement) -> Entry:
        period = f"{a.starts_on} – {a.ends_on or '…'}"
        return Entry(
            kind="care_agreement",
            at=day_start(a.starts_on),
            all_day=True,
            record_id=a.pk,
            title=gettext("Care agreement with %(name)s") % {"name": a.caregiver_name},
            detail=f"{a.get_care_level_display()} · {period}",
            link=timeline.link("care:agreement_detail", a.pk),
            icon="people",
            actor=timeline.actor_name(a.created_by),
        )

    @staticmethod
    def _absence(a: CareAbsence) -> Entry:
        start = timezone.localtime(a.starts_at)
        end = timezone.localtime(a.ends_at)
        return Entry(
            kind="care_absence",
            at=a.starts_at,
            record_id=a.pk,
            title=gettext("Caregiver %(name)s cannot serve") % {"name": a.agreement.caregiver_name},
            detail=f"{a.reason} · {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}",
            link=timeline.link("care:agreement_detail", a.agreement_id),
            icon="person-dash",
            actor=timeline.actor_name(a.recorded_by),
        )

    @staticmethod
    def _substitute(s: CareSubstitute) -> Entry:
        return Entry(
            kind="care_absence",
            at=s.named_at,
            record_id=s.pk,
            title=gettext("Substitute caregiver: %(name)s") % {"name": s.caregiver_name},
            detail=s.absence.reason,
            link=timeline.link("care:agreement_detail", s.absence.agreement_id),
            icon="person-plus",
            actor=timeline.actor_name(s.named_by),
        )


def ready() -> None:
    timeline.register(CareTimeline())
