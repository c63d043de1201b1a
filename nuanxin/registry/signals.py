"""Signals the registry sends: what other apps may act on, without the registry knowing them."""

from django.dispatch import Signal

# A person moved house (services.person_move), inside its transaction. Arguments:
# person, old_region_id, new_region_id (None: they left the city), moved_on,
# cut_month, counts (a collections.Counter each receiver adds what it moved to).
# A receiver may raise ValidationError to refuse the move (e.g. a signed-off month).
person_moved = Signal()
