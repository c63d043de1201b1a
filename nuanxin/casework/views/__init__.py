"""Casework pages, one module per area; each module declares its own `urlpatterns`."""
