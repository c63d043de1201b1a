"""Forms for casework: requests."""

from __future__ import annotations
