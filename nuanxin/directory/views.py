"""Directory pages: the providers list and each provider's page."""

from __future__ import annotations
