"""Reads of the directory: providers, scoped to who may see them."""

from __future__ import annotations


def ready() -> None:
    """Called from AppConfig.ready: register duty or link sources here."""
