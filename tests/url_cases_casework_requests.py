"""Access cases for the help-request pages and /api/v1/requests (format: tests/url_cases.py)."""

from nuanxin.casework.services import requests as services
from tests.url_cases import api, builder, page

HR = {"pk": "help_request"}
API_HR = {"request_id": "help_request"}
# Inspectors may read a request but not move it: like PATCH /persons, 403 rather than 404.
READ_ONLY = {"inspector": 403}


@builder("help_request")
def _help_request(s):
    return services.request_create(
        user=s.worker,
        source="hotline",
        need_type="heating",
        description="电热毯坏了",
        person_id=s.person.pk,
    ).pk


def _with_request(s):
    """A GET has no body: building the request here puts 蔡阿姨's request on the list."""
    s.pk("help_request")
    return {}


def _intake(s):
    return {
        "person_id": s.person.pk,
        "source": "hotline",
        "need_type": "heating",
        "urgency": "urgent",
        "description": "access test",
    }


def _intake_in(s):
    return {
        "person_id": s.person.pk,
        "source": "hotline",
        "need_type": "heating",
        "description": "access test",
    }


CASES = [
    page("casework:request_list", scope="list", data=_with_request, shows=True),
    page("casework:request_new", scope="create", action="change"),
    # With a person named, the person decides: out of scope answers 404 like a stranger,
    # in sight but read-only 403.
    page("casework:request_new", method="POST", data=_intake, action="change", ok=302, link=403),
    page("casework:request_detail", kwargs=HR),
    page(
        "casework:request_detail",
        kwargs=HR,
        method="POST",
        data={"action": "triage", "triage-urgency": "urgent"},
        action="change",
        ok=302,
        expect=READ_ONLY,
    ),
    api("api:request_list", scope="list", data=_with_request, shows=True),
    api(
        "api:request_create",
        method="POST",
        data=_intake_in,
        action="change",
        ok=201,
        link=403,
    ),
    api("api:request_detail", kwargs=API_HR),
    api(
        "api:request_transition",
        kwargs=API_HR,
        method="POST",
        data={"action": "triage", "urgency": "urgent"},
        action="change",
        ok=200,
        expect=READ_ONLY,
    ),
]
