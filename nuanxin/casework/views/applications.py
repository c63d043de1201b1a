"""Pages for casework: applications."""

from __future__ import annotations

urlpatterns: list = []
