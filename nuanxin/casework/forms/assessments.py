"""Forms for casework: assessments."""

from __future__ import annotations
