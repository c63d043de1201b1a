"""Reads for casework: service_tasks."""

from __future__ import annotations


def ready() -> None:
    """Called from AppConfig.ready: register duty sources, access links, receivers."""
