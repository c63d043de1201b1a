"""Pages for casework: service_tasks."""

from __future__ import annotations

urlpatterns: list = []
