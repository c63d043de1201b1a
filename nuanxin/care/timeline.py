"""Care arrangements on a person's timeline: agreements, absences and substitutes.

Three queries at most (one per model asked for), each sliced to the limit.
"""

from __future__ import annotations

from django.db.models import Count
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
        return model.objects.restrict(user, access.Action.VIEW, links=False).filter(person=person)

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
            # One query for both: each absence with its substitute, if one is named.
            absences = (
                self._rows(CareAbsence, user, person)
                .select_related("agreement", "recorded_by", "substitute", "substitute__named_by")
                .order_by("-starts_at", "-id")[:limit]
            )
            for a in absences:
                found.append(self._absence(a))
                substitute = getattr(a, "substitute", None)
                if substitute is not None:
                    found.append(self._substitute(substitute, a))
        return found

    def count(self, *, user, person, kinds) -> int:
        total = 0
        if "care_agreement" in kinds:
            total += self._rows(CareAgreement, user, person).count()
        if "care_absence" in kinds:
            counted = self._rows(CareAbsence, user, person).aggregate(
                absences=Count("id"), substitutes=Count("substitute")
            )
            total += counted["absences"] + counted["substitutes"]
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
    def _substitute(s: CareSubstitute, absence: CareAbsence) -> Entry:
        return Entry(
            kind="care_absence",
            at=s.named_at,
            record_id=s.pk,
            title=gettext("Substitute caregiver: %(name)s") % {"name": s.caregiver_name},
            detail=absence.reason,
            link=timeline.link("care:agreement_detail", absence.agreement_id),
            icon="person-plus",
            actor=timeline.actor_name(s.named_by),
        )


def ready() -> None:
    timeline.register(CareTimeline())
