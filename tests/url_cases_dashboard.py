"""Access cases for the dashboard (format: tests/url_cases.py)."""

from tests.url_cases import page

CASES = [
    # Everyone signed in has a home page; what it lists is scoped to them.
    page("dashboard:home", scope="list"),
]
