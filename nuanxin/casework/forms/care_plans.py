"""Forms for casework: care_plans."""

from __future__ import annotations
