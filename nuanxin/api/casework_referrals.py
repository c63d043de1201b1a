"""/api/v1 routes for referrals: the same selectors and services as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["casework"])
