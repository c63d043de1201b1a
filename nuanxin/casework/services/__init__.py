"""Writes of casework, one module per area (see apps.AREAS)."""
