"""Access cases for the audit log (format: tests/url_cases.py)."""

from tests.url_cases import page

CASES = [
    # Only those who may read the audit log get in; everyone else gets 404, not an empty page.
    page("audit:event_list", scope="list", action="audit", denied=404),
    page(
        "audit:event_list",
        scope="list",
        action="audit",
        denied=404,
        query="text=蔡",
        label="search",
    ),
]
