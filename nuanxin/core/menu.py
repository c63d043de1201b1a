"""The menu protocol: each app declares its entries, the base page shows those a user may use.

An entry names a URL, a label, an icon, a group and who sees it — a predicate on
the user, usually "holds this action somewhere" from the gate. Link-only roles
(volunteers, partner contacts, provider accounts) see only the entries made for
them, so nobody is offered a page that is always empty or always refused:

    from nuanxin.core import menu

    menu.register(menu.Entry("visits:coverage", _("Coverage"), "bar-chart",
                             group=menu.REPORTS, shown=menu.viewers))

Groups keep the bar short on a phone: daily work first, then the reports, then
administration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy

from . import access

WORK, CARE, CAMPAIGNS, OVERSIGHT, REPORTS, ADMIN = (
    "work", "care", "campaigns", "oversight", "reports", "admin"
)  # fmt: skip
GROUP_ORDER = (WORK, CARE, CAMPAIGNS, OVERSIGHT, REPORTS, ADMIN)
# Every group but the daily work is a drop-down: its name and icon. Keeps the bar on
# one line at desktop width however many apps add pages.
GROUP_LABELS = {
    CARE: (gettext_lazy("Care"), "heart"),
    CAMPAIGNS: (gettext_lazy("Campaigns and funds"), "box-seam"),
    OVERSIGHT: (gettext_lazy("Oversight"), "binoculars"),
    REPORTS: (gettext_lazy("Reports"), "clipboard-data"),
    ADMIN: (gettext_lazy("Administration"), "gear"),
}
# The groups used least day to day: on the bar at desktop width they share one "More"
# drop-down, so that the bar fits 1280 px in English too (nuanxin.css); folded behind
# the toggler on a phone, each is its own drop-down.
FOLDED = (OVERSIGHT, REPORTS, ADMIN)


def viewers(user) -> bool:
    """Anyone who reaches people by region (not only through a task)."""
    return access.can(user, access.Action.VIEW)


def changers(user) -> bool:
    return access.can(user, access.Action.CHANGE)


def link_only(user) -> bool:
    """Volunteers, partner contacts and provider accounts with no area of their own."""
    return access.has_link_role(user) and not viewers(user)


def everyone(user) -> bool:
    return True


@dataclasses.dataclass(frozen=True)
class Entry:
    url_name: str
    label: object  # a lazy translation
    icon: str  # a bootstrap-icons name, without "bi-"
    group: str = WORK
    position: int = 50
    shown: Callable[[object], bool] = viewers
    # URL names (or "namespace:" prefixes) that light this entry up as the current page.
    active_on: tuple[str, ...] = ()

    def is_active(self, view_name: str) -> bool:
        names = self.active_on or (self.url_name,)
        return any(
            view_name == name or (name.endswith(":") and view_name.startswith(name))
            for name in names
        )


_entries: list[Entry] = []


def register(*entries: Entry) -> None:
    """Add entries once (apps call this from AppConfig.ready)."""
    for entry in entries:
        if all(e.url_name != entry.url_name for e in _entries):
            _entries.append(entry)


def entries() -> list[Entry]:
    return sorted(_entries, key=lambda e: (GROUP_ORDER.index(e.group), e.position))


@dataclasses.dataclass(frozen=True)
class Shown:
    url: str
    label: str
    icon: str
    group: str
    active: bool

    @property
    def group_label(self) -> str:
        return str(GROUP_LABELS.get(self.group, ("", ""))[0])

    @property
    def group_icon(self) -> str:
        return GROUP_LABELS.get(self.group, ("", "list"))[1]


# Each entry's URL, reversed once per URL configuration and script prefix: every page
# draws the menu, and its URLs do not change while the process runs.
_urls: dict[tuple[str, str, object], str | None] = {}


def _url(url_name: str) -> str | None:
    key = (url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if key not in _urls:
        try:
            _urls[key] = reverse(url_name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def menu_for(user, view_name: str = "") -> list[Shown]:
    """The entries `user` may use, in order, with the current page marked."""
    if not getattr(user, "is_authenticated", False):
        return []
    found = []
    for entry in entries():
        if not entry.shown(user):
            continue
        url = _url(entry.url_name)
        if url is None:
            continue
        found.append(
            Shown(url, str(entry.label), entry.icon, entry.group, entry.is_active(view_name))
        )
    return found


def more(shown: list[Shown]) -> list[Shown]:
    """The entries the "More" drop-down gathers: those of the folded groups, when
    they are two groups or more (one group stays a drop-down of its own)."""
    folded = [s for s in shown if s.group in FOLDED]
    return folded if len({s.group for s in folded}) > 1 else []
