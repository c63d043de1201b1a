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
# A volunteer or a provider reaches 蔡阿姨 through a task or a referral: her restricted
# profile opens; anything more is in sight but not theirs (403).
TASK_VIEW = 200
IN_SIGHT = 403

# The small forms on her profile: each posted as a change.
SUBFORM_CASES = [
    page(f"registry:{name}", kwargs=PROFILE, action="change", method="POST", ok=SUBFORM_OK,
         link=IN_SIGHT)
    for name in ("enrollment_add", "contact_add", "disability_set", "consent_record",
                 "device_record")
]  # fmt: skip

CASES = [
    page("registry:person_list", scope="list", shows=True),
    page("registry:person_list", scope="list", query="q=cay", shows=True, label="search"),
    page("registry:person_detail", kwargs=PROFILE, link=TASK_VIEW),
    page("registry:person_create", scope="create", action="change"),
    page("registry:person_create", scope="create", action="change", method="POST"),
    page("registry:person_edit", kwargs=PROFILE, action="change", link=IN_SIGHT),
    page("registry:person_edit", kwargs=PROFILE, action="change", method="POST", link=IN_SIGHT),
    page("registry:person_reveal", kwargs=PROFILE, action="reveal", link=IN_SIGHT),
    # Moving house: the form, and its preview (run and rolled back: the walk goes on).
    page("registry:person_move", kwargs=PROFILE, action="change", link=IN_SIGHT),
    page(
        "registry:person_move",
        kwargs=PROFILE,
        action="change",
        method="POST",
        data=lambda s: {
            "to_region": "510108010001002",
            "on": dt.date.today().isoformat(),
            "reason": "access test",
            "preview": "1",
        },
        ok=200,
        link=IN_SIGHT,
    ),
    page(
        "registry:person_reveal",
        kwargs=PROFILE,
        action="reveal",
        method="POST",
        data={"field": "id_number", "reason": "access test"},
        link=IN_SIGHT,
    ),
    *SUBFORM_CASES,
    # POST-only: a GET is refused whoever asks (after the login check).
    page("registry:enrollment_add", kwargs=PROFILE, action="change", ok=405, denied=405),
    page(
        "registry:enrollment_end",
        kwargs={"pk": "person", "enrollment_pk": "enrollment"},
        action="change",
        method="POST",
        ok=302,
        link=IN_SIGHT,
    ),
    page(
        "registry:consent_withdraw",
        kwargs={"pk": "person", "consent_pk": "consent"},
        action="change",
        method="POST",
        ok=302,
        link=IN_SIGHT,
    ),
]
