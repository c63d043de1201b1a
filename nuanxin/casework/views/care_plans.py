"""Pages for casework: care_plans."""

from __future__ import annotations

urlpatterns: list = []
