"""Casework's entries on the person's profile timeline (nuanxin.core.timeline)."""

from __future__ import annotations


def ready() -> None:
    """Called from AppConfig.ready: register timeline sources."""
