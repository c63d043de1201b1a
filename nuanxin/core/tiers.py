"""The tiers (分层分类, DESIGN §1): red, yellow, blue.

A vocabulary every app speaks — the registry stores a person's tier, the
visits app derives it by its rules and sets the visit policy from it, the
duty protocol sorts by it, templates colour it — so it lives here, beside the
other cross-cutting pieces, and the rules that derive it stay in
`nuanxin.visits.rules`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


# Sorting order: red first; people without a tier last.
TIER_RANK = {Tier.RED: 0, Tier.YELLOW: 1, Tier.BLUE: 2, "": 3}
