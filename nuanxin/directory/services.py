"""Writes to the directory: providers, their contacts and accounts."""

from __future__ import annotations
