"""Access cases for care arrangements, pages and /api/v1 (format: tests/url_cases.py)."""

import datetime as dt

from django.utils import timezone

from nuanxin.care import services
from tests.url_cases import api, builder, page

PERSON = {"person_id": "person"}
AGREEMENT = {"pk": "care_agreement"}
API_AGREEMENT = {"agreement_id": "care_agreement"}


@builder("care_agreement")
def _care_agreement(s):
    agreement = services.care_agreement_create(
        user=s.worker,
        person_id=s.person.pk,
        caregiver_kind="neighbour",
        caregiver_name="邻居张姐",
        caregiver_phone="13900001111",
        duties=["daily_look_in", "meals"],
        care_level="partly",
        monthly_fee_fen=60000,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
    )
    return agreement.pk


@builder("care_absence")
def _care_absence(s):
    now = timezone.now()
    absence = services.care_absence_report(
        user=s.worker,
        agreement_id=s.pk("care_agreement"),
        starts_at=now,
        ends_at=now + dt.timedelta(days=10),
        reason="生病住院",
    )
    return absence.pk


def _with_agreement(s):
    s.pk("care_agreement")
    return {}


def _agreement_form(s):
    return {
        "caregiver_kind": "relative",
        "caregiver_name": "侄女小蔡",
        "caregiver_phone": "13900002222",
        "duties": ["daily_look_in", "emergency"],
        "care_level": "self",
        "monthly_fee": "300.00",
        "starts_on": timezone.localdate().isoformat(),
    }


def _agreement_in(s):
    data = {k: v for k, v in _agreement_form(s).items() if k != "monthly_fee"}
    return {**data, "monthly_fee_fen": 30000, "person_id": s.person.pk}


def _absence_form(s):
    s.pk("care_agreement")
    start = timezone.localtime()
    return {
        "action": "absence",
        "absence-starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "absence-ends_at": f"{start + dt.timedelta(days=3):%Y-%m-%dT%H:%M}",
        "absence-reason": "回老家",
    }


def _absence_in(s):
    now = timezone.now()
    return {
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(days=3)).isoformat(),
        "reason": "回老家",
    }


def _substitute_in(s):
    return {
        "absence_id": s.pk("care_absence"),
        "caregiver_kind": "neighbour",
        "caregiver_name": "邻居李叔",
        "caregiver_phone": "13900003333",
    }


def _check_form(s):
    s.pk("care_agreement")
    return {
        "checked_on": timezone.localdate().isoformat(),
        "unannounced": "on",
        "duties_performed": ["daily_look_in", "meals"],
        "home_ok": "on",
        "satisfaction": "satisfied",
    }


def _check_in(s):
    return {
        "checked_on": timezone.localdate().isoformat(),
        "unannounced": True,
        "duties_performed": ["meals"],
        "satisfaction": "partly",
    }


CASES = [
    page("care:agreement_list", scope="list", data=_with_agreement, shows=True),
    page("care:agreement_new", kwargs=PERSON, action="change"),
    page(
        "care:agreement_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_agreement_form,
        ok=302,
    ),
    page("care:agreement_detail", kwargs=AGREEMENT, shows=True),
    page(
        "care:agreement_detail",
        kwargs=AGREEMENT,
        action="change",
        method="POST",
        data=_absence_form,
        ok=302,
    ),
    page("care:check_new", kwargs=AGREEMENT, action="change"),
    page(
        "care:check_new",
        kwargs=AGREEMENT,
        action="change",
        method="POST",
        data=_check_form,
        ok=302,
    ),
    api(
        "api:care_check_create",
        kwargs=API_AGREEMENT,
        method="POST",
        data=_check_in,
        action="change",
        ok=201,
    ),
    api("api:care_agreement_list", scope="list", data=_with_agreement, shows=True),
    api(
        "api:care_agreement_create",
        method="POST",
        data=_agreement_in,
        action="change",
        ok=201,
        link=403,
    ),
    api("api:care_agreement_detail", kwargs=API_AGREEMENT, shows=True),
    api(
        "api:care_absence_create",
        kwargs=API_AGREEMENT,
        method="POST",
        data=_absence_in,
        action="change",
        ok=201,
    ),
    api(
        "api:care_substitute_create",
        kwargs=API_AGREEMENT,
        method="POST",
        data=_substitute_in,
        action="change",
        ok=201,
    ),
]
