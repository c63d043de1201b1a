"""Reads of casework, always scoped, one module per area (see apps.AREAS)."""
