"""What follows a person who moves house (registry.signals.person_moved).

The same followers as a split by people (followers.py): from the month of the move
their visit duty, that month's visits and tallies, and their open work go to the new
area; history stays where it happened. Leaving the city moves nothing: the person is
"moved away" and out of scope from the day they left.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nuanxin.registry.models import Person
from nuanxin.registry.signals import person_moved
from nuanxin.visits.models import VisitSchedule

from .followers import _labels
from .selectors import last_signed_month


def _signed_off(codes: list[str], cut) -> None:
    """A month whose figures a community signed off is not reopened by a move."""
    from nuanxin.regions.models import ancestor_codes

    affected = {a for code in codes for a in ancestor_codes(code)}
    signed = last_signed_month(affected, cut)
    if signed:
        raise ValidationError(
            {
                "on": _(
                    "The figures of %(month)s are signed off: date the move in the month"
                    " after at the earliest."
                )
                % {"month": signed.strftime("%Y-%m")}
            }
        )


def person_moved_follow(
    sender, person, old_region_id, new_region_id, moved_on, cut_month, counts, **kwargs
):
    from .services import _forget_coverage, person_rows_move

    if new_region_id is None:
        # Out of the city: out of scope from the day they left (the month itself counts).
        VisitSchedule.objects.filter(person_id=person.pk, out_on__gt=moved_on).update(
            out_on=moved_on
        )
        _forget_coverage([old_region_id], cut_month)
        return _labels()
    _signed_off([old_region_id, new_region_id], cut_month)
    person_rows_move([person.pk], [old_region_id], new_region_id, cut_month, counts)
    _forget_coverage([old_region_id, new_region_id], cut_month)
    return _labels()


def connect() -> None:
    person_moved.connect(person_moved_follow, sender=Person, dispatch_uid="mapchange_person_moved")
