"""Writes for casework: referrals."""

from __future__ import annotations
