"""Reads for casework: applications."""

from __future__ import annotations


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
