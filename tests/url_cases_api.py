"""Access cases for the /api/v1/persons routes (format: tests/url_cases.py).

API cases run with a bearer token from accounts.services.api_token_create;
anonymous requests must get 401.
"""

import datetime as dt

from tests.factories import make_id_number
from tests.url_cases import api

PERSON = {"person_id": "person"}


def _new_person(s):
    # A new neighbour of 蔡阿姨, in her grid: "allowed" means may change her region.
    return {
        "name": "周大爷",
        "region": s.person.region_id,
        "id_number": make_id_number(area="510108", birth=dt.date(1941, 2, 3), female=False),
    }


CASES = [
    api("api:person_list", scope="list", shows=True),
    api("api:person_list", scope="list", query="q=cay", shows=True, label="search"),
    # A task or referral shows 蔡阿姨 to its volunteer or provider: name, address, phone.
    api("api:person_detail", kwargs=PERSON, link=200),
    # Creating in 蔡阿姨's region: out of scope is a field error, as on a form.
    api(
        "api:person_create",
        method="POST",
        action="change",
        data=_new_person,
        ok=201,
        denied=422,
    ),
    api(
        "api:person_update",
        method="PATCH",
        kwargs=PERSON,
        action="change",
        data={"note": "access test"},
        link=403,
    ),
    api(
        "api:person_reveal",
        method="POST",
        kwargs=PERSON,
        action="reveal",
        data={"field": "id_number", "reason": "access test"},
        link=403,
    ),
    # Moving house, previewed (rolled back): the new area need not be the mover's.
    api(
        "api:person_move",
        method="POST",
        kwargs=PERSON,
        action="change",
        query="dry_run=true",
        data=lambda s: {"to_region": "510108010001002", "on": dt.date.today().isoformat()},
        ok=200,
        link=403,
    ),
]
