"""Access cases for the registry's pages (format: tests/url_cases.py)."""

import datetime as dt

from nuanxin.registry import services
from tests.url_cases import builder, page

PROFILE = {"pk": "person"}


@builder("enrollment")
def _enrollment(s):
    return services.enrollment_add(
        user=s.worker, person=s.person, category="dibao", source="test"
    ).pk


@builder("consent")
def _consent(s):
    return services.consent_record(
        user=s.worker,
        person=s.person,
        purpose="home_camera",
        method="written",
        given_on=dt.date(2026, 1, 5),
    ).pk


# A sub-form posted empty is re-shown with its errors (422); a good one redirects.
SUBFORM_OK = {422, 302}

CASES = [
    page("registry:person_list", scope="list", shows=True),
    page("registry:person_list", scope="list", query="q=cay", shows=True, label="search"),
    page("registry:person_detail", kwargs=PROFILE),
    page("registry:person_create", scope="create", action="change"),
    page("registry:person_create", scope="create", action="change", method="POST"),
    page("registry:person_edit", kwargs=PROFILE, action="change"),
    page("registry:person_edit", kwargs=PROFILE, action="change", method="POST"),
    page("registry:person_reveal", kwargs=PROFILE, action="reveal"),
    page(
        "registry:person_reveal",
        kwargs=PROFILE,
        action="reveal",
        method="POST",
        data={"field": "id_number", "reason": "access test"},
    ),
    page("registry:enrollment_add", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK),
    # POST-only: a GET is refused whoever asks (after the login check).
    page("registry:enrollment_add", kwargs=PROFILE, action="change", ok=405, denied=405),
    page(
        "registry:enrollment_end",
        kwargs={"pk": "person", "enrollment_pk": "enrollment"},
        action="change",
        method="POST",
        ok=302,
    ),
    page("registry:contact_add", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK),
    page("registry:disability_set", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK),
    page("registry:consent_record", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK),
    page(
        "registry:consent_withdraw",
        kwargs={"pk": "person", "consent_pk": "consent"},
        action="change",
        method="POST",
        ok=302,
    ),
    page("registry:device_record", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK),
]
