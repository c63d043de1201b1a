"""Template helpers every page uses: masking, tier and category badges, audit changes.

Masking lives here as filters so that a template can only ever print an
identifier through them (`{{ person.id_number|masked_id }}`); the clear value
reaches a page solely through the audited reveal view.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from nuanxin.core.idnumber import kind_of
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.core.tiers import Tier
from nuanxin.core.validators import ID_KINDS

register = template.Library()


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def id_kind(value: str | None) -> str:
    """What kind of number a stored ID number is, when it is not a resident's
    (the 2023 foreigners' permanent-residence number); "" otherwise."""
    kind = kind_of(value)
    return str(ID_KINDS[kind]) if kind and kind != "resident" else ""


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def tier_label(tier: str | None) -> str:
    """A stored tier ("red") as the reader sees it on a badge: its label in the
    reader's language, capitalised ("Red", "红色"); "" for no tier."""
    if not tier:
        return ""
    return capfirst(str(Tier(tier).label)) if tier in Tier.values else tier


@register.simple_tag
def tier_badge(tier: str):
    """A coloured badge, or a quiet dash while the tier rules have not run."""
    if not tier:
        return format_html(
            '<span class="badge text-bg-light border" title="{}">–</span>',
            _("No tier yet"),
        )
    return format_html('<span class="badge tier-{}">{}</span>', tier, tier_label(tier))


@register.filter
def change_pairs(changes) -> list[tuple[str, str]]:
    """An audit event's changes as (field, "old → new") pairs for display."""
    if not isinstance(changes, dict):
        return []
    pairs = []
    for key, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            old, new = value
            text = f"{_display(old)} → {_display(new)}"
        else:
            text = _display(value)
        pairs.append((key, text))
    return pairs


def _display(value) -> str:
    if value is None or value == "":
        return "∅"
    return str(value)


@register.inclusion_tag("includes/field.html")
def bs_field(field, compact: bool = False):
    """One form field the Bootstrap way: label, widget, help and its own errors.

    The error text is tied to the input with aria-describedby so a screen
    reader reads it with the field.
    """
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    is_check = input_type == "checkbox"
    if is_check:
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if compact and not is_check:
        css += " form-control-sm" if css == "form-control" else " form-select-sm"
    if field.errors:
        css += " is-invalid"
    described = []
    if field.errors:
        described.append(f"{field.auto_id}_error")
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return {
        "field": field,
        "widget": field.as_widget(attrs=attrs),
        "is_check": is_check,
        "is_hidden": field.is_hidden,
    }


@register.filter
def minutes(value) -> int:
    """Whole minutes of a timedelta (the lockout's cool-off)."""
    try:
        return round(value.total_seconds() / 60)
    except AttributeError:
        return 0


@register.simple_tag
def lockout_policy() -> dict:
    """django-axes' limits, for telling users before they hit them."""
    from django.conf import settings

    return {
        "failures": getattr(settings, "AXES_FAILURE_LIMIT", 5),
        "minutes": round(float(getattr(settings, "AXES_COOLOFF_TIME", 0.5)) * 60),
    }


@register.simple_tag(takes_context=True)
def days_late(context, due_on) -> int:
    """Whole days past `due_on` (0 when not late): "逾期 3 天" beside a due date.

    "Today" is the page's own (a worklist opened for another day) when it has one.
    """
    if not due_on:
        return 0
    today = context.get("today") or timezone.localdate()
    return max((today - due_on).days, 0)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template ("" when missing)."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def select_options(field):
    """A select's <option>s for a bound field, its value selected: built in one pass, for
    lists of hundreds of areas (a loop in the template costs a district's search page
    more than its query)."""
    current = str(field.value())
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if current == str(value) else ""}>'
            f"{escape(label)}</option>"
            for value, label in field.field.choices
        )
    )
