"""The audit log as sentences a reader understands, in the reader's language.

Events store codes and parameters (an action, `registry.person` and an id, field
names with old and new values): those are what an inspector can rely on years
later. This module renders them when the page is read — "刘洋 导出了 成华区 的人员
台账（1,128 行，已脱敏）" — with the person's name, the field's label, the choice's
label and a link to the object, never the stored code.
"""

from __future__ import annotations

import dataclasses

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from nuanxin.core import access
from nuanxin.regions.models import Region

from .models import AuditAction, AuditEvent

# The page an object opens on, by its stored type; objects of other types are not linked.
OBJECT_PAGES = {
    "registry.person": "registry:person_detail",
    "casework.helprequest": "casework:request_detail",
    "casework.servicetask": "casework:task_detail",
    "casework.referral": "casework:referral_detail",
    "casework.careplan": "casework:plan_detail",
    "visits.visit": "visits:visit_detail",
}
# Stored types that are not models: what they are, in words.
OTHER_KINDS = {
    "visits.blindspots": gettext_lazy("blind-spot report"),
    "demo.seed": gettext_lazy("synthetic city"),
    "otp.device": gettext_lazy("second-factor device"),
    "axes.address": gettext_lazy("login lock"),
    "core.daily": gettext_lazy("daily jobs"),
}
# Parameters kept for the record but not worth a reader's line.
QUIET_KEYS = {"filters"}


# A change recorded under a name that is not a field of the object's own model: where
# its choices live, so a code ("resolve") reads as its label.
CHOICES_ELSEWHERE = {
    ("casework.helprequest", "action"): ("casework.requestevent", "action"),
}


def object_kinds() -> list[tuple[str, str]]:
    """Every kind of object the log may name, as (stored type, words), sorted by words."""
    kinds = {
        m._meta.label_lower: str(m._meta.verbose_name)
        for m in apps.get_models()
        if m._meta.app_label not in {"contenttypes", "sessions", "admin", "axes", "otp_totp"}
    }
    kinds |= {key: str(label) for key, label in OTHER_KINDS.items()}
    return sorted(kinds.items(), key=lambda kv: kv[1])


@dataclasses.dataclass
class Line:
    event: AuditEvent
    who: str
    sentence: str
    link: str = ""
    details: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def lines_for(events, *, reader) -> list[Line]:
    """One line per event; names looked up in two queries whatever the page's length."""
    events = list(events)
    names = _person_names(events, reader)
    return [_line(event, names) for event in events]


def _person_names(events, reader) -> dict[str, str]:
    """Names of the people the events are about, as far as the reader may see them."""
    # By name, not by import: the registry records its changes here, not the other way round.
    Person = apps.get_model("registry", "Person")
    ids = {e.object_id for e in events if e.object_type == "registry.person" and e.object_id}
    ids = [int(i) for i in ids if i.isdigit()]
    if not ids:
        return {}
    rows = Person.objects.restrict(reader, access.Action.VIEW).filter(pk__in=ids)
    return {str(pk): name for pk, name in rows.values_list("pk", "name")}


def _who(event) -> str:
    user = event.user
    if user is not None:
        return user.get_full_name() or user.get_username()
    return event.username or _("the system")


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def _what(event, names) -> str:
    if event.object_type == "registry.person" and event.object_id in names:
        return names[event.object_id]
    model = _model(event.object_type)
    kind = str(model._meta.verbose_name) if model else str(OTHER_KINDS.get(event.object_type, ""))
    shown = event.object_repr or (f"#{event.object_id}" if event.object_id else "")
    return f"{kind} {shown}".strip() or "—"


def _link(event, names) -> str:
    name = OBJECT_PAGES.get(event.object_type)
    if not name or not event.object_id.isdigit():
        return ""
    if event.object_type == "registry.person" and event.object_id not in names:
        return ""  # out of the reader's sight: no link that would only answer 404
    try:
        return reverse(name, args=[int(event.object_id)])
    except NoReverseMatch:
        return ""


def _area(filters) -> str:
    code = (filters or {}).get("region") if isinstance(filters, dict) else ""
    if not code:
        return _("their area")
    padded = code.ljust(12, "0")
    region = Region.objects.filter(code=padded).only("name").first()
    return region.name if region else code


def _sentence(event, who: str, what: str) -> str:
    changes = event.changes if isinstance(event.changes, dict) else {}
    if event.action == AuditAction.EXPORT and event.object_type == "registry.person":
        rows = int(changes.get("rows", 0) or 0)
        return ngettext(
            "%(who)s exported the people ledger of %(area)s (%(rows)s row, %(how)s)",
            "%(who)s exported the people ledger of %(area)s (%(rows)s rows, %(how)s)",
            rows,
        ) % {
            "who": who,
            "area": _area(changes.get("filters")),
            "rows": number_format(changes.get("rows", 0), force_grouping=True),
            "how": _("in clear") if changes.get("revealed") else _("masked"),
        }
    if event.action == AuditAction.EXPORT and "rows" in changes:
        return ngettext(
            "%(who)s exported %(what)s (%(rows)s row)",
            "%(who)s exported %(what)s (%(rows)s rows)",
            int(changes["rows"] or 0),
        ) % {
            "who": who,
            "what": what,
            "rows": number_format(changes["rows"], force_grouping=True),
        }
    if event.action == AuditAction.REVEAL and changes.get("field"):
        return _("%(who)s revealed the %(field)s of %(what)s") % {
            "who": who,
            "field": _field_label(_model(event.object_type), changes["field"]),
            "what": what,
        }
    if event.action == AuditAction.SEARCH and changes.get("digits"):
        return _("%(who)s searched for a number ending in %(tail)s") % {
            "who": who,
            "tail": changes.get("ends_with", ""),
        }
    if event.action in (AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.LOGIN_FAILED):
        return f"{who} {event.get_action_display()}"
    return _("%(who)s %(did)s %(what)s") % {
        "who": who,
        "did": event.get_action_display(),
        "what": what,
    }


def _field_label(model, name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def _field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _value(field, value) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(_value(field, v) for v in value)
    return str(value)


def _details(event) -> list[tuple[str, str]]:
    """The changes, each as (field label, "old → new") with choices as their labels."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    model = _model(event.object_type)
    out = []
    for key, value in changes.items():
        if key in QUIET_KEYS or value in ("", None, [], {}):
            continue
        field = _field(model, key)
        elsewhere = CHOICES_ELSEWHERE.get((event.object_type, key))
        if field is None and elsewhere:
            field = _field(_model(elsewhere[0]), elsewhere[1])
        if isinstance(value, list | tuple) and len(value) == 2 and not isinstance(value[0], list):
            text = f"{_value(field, value[0])} → {_value(field, value[1])}"
        else:
            text = _value(field, value)
        label = str(field.verbose_name) if field is not None else _field_label(model, key)
        out.append((label, text))
    return out


def _line(event, names) -> Line:
    who = _who(event)
    what = _what(event, names)
    return Line(
        event=event,
        who=who,
        sentence=_sentence(event, who, what),
        link=_link(event, names),
        details=_details(event),
    )
