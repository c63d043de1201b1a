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


@builder("care_agreement_signed")
def _care_agreement_signed(s):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from nuanxin.care.models import CareAgreement

    # One fixed file under MEDIA_ROOT, shared by every run, rather than an upload each time.
    name = "care/url-cases/agreement.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"\x89PNG\r\n\x1a\n" + b"\0" * 16))
    pk = s.pk("care_agreement")
    CareAgreement.objects.filter(pk=pk).update(document=name)
    return pk


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


@builder("organisation")
def _organisation(s):
    from nuanxin.directory.services import organisation_create

    return organisation_create(user=None, name="成华区教育局（测试）", kind="department").pk


@builder("pairing")
def _pairing(s):
    pairing = services.pairing_create(
        user=s.worker,
        organisation_id=s.pk("organisation"),
        person_id=s.person.pk,
        starts_on=timezone.localdate() - dt.timedelta(days=10),
        school="和美小学",
        grade="五年级",
    )
    return pairing.pk


def _with_pairing(s):
    s.pk("pairing")
    return {}


def _pairing_form(s):
    return {
        "organisation": s.pk("organisation"),
        "starts_on": timezone.localdate().isoformat(),
        "school": "和美小学",
    }


def _pairing_in(s):
    return {"partner_id": s.pk("organisation"), "person_id": s.person.pk}


def _activity_form(s):
    return {"kind": "counselling", "held_on": timezone.localdate().isoformat(), "outcome": "met"}


# 锦江区's officer edits the directory, but not for 成华区: the body names a region they lack.
@builder("screening")
def _screening(s):
    # 保和街道 screens its elderly living alone: 蔡阿姨 is in scope.
    screening = services.screening_open(
        user=None,
        region_code="510108010000",
        categories=["elderly_alone"],
        deadline=timezone.localdate() + dt.timedelta(days=14),
    )
    return screening.pk


def _with_screening(s):
    s.pk("screening")
    return {}


def _screening_form(s):
    return {
        "region": "510108010000",
        "categories": ["elderly_alone"],
        "deadline": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
    }


def _screening_in(s):
    return _screening_form(s)


def _result_in(s):
    s.pk("screening")
    return {"person_id": s.person.pk, "measure": "none", "reason": "家人同住照顾"}


# A community worker reaches the street's screening through her people in it, but opening or
# closing one is the street's (or the district's) work: in sight, not allowed.
COMMUNITY_ONLY = {"community_worker": 403, "dual": 403}
# Opening a screening of 保和街道: the street's officers and those above; a community worker
# changes nothing at that level.
STREET_CREATORS = {
    "community_worker": 403,
    "dual": 403,
    "outsider": 403,
}


@builder("guardian")
def _guardian(s):
    from nuanxin.registry.services import contact_add

    return contact_add(
        user=s.worker, person=s.person, name="蔡小军", relation="儿子", is_guardian=True
    ).pk


def _evaluation_form(s):
    # 蔡阿姨 is no minor: the service, having checked the scope, refuses it (the form again).
    return {
        "action": "evaluate",
        "evaluate-guardian": s.pk("guardian"),
        "evaluate-situation": "able",
        "evaluate-evaluated_on": timezone.localdate().isoformat(),
    }


DIRECTORY_EDITORS = {"city_admin": 201, "district_officer": 201, "outsider": 422}
NOT_EDITORS = ("community_worker", "dual", "volunteer", "provider", "partner_contact", "inspector")

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
    page("care:agreement_document", kwargs={"pk": "care_agreement_signed"}),
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
    page("care:pairing_list", scope="list", data=_with_pairing, shows=True),
    page("care:pairing_new", kwargs=PERSON, action="change"),
    page(
        "care:pairing_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_pairing_form,
        ok=302,
    ),
    page("care:activity_new", kwargs={"pk": "pairing"}, action="change"),
    page(
        "care:activity_new",
        kwargs={"pk": "pairing"},
        action="change",
        method="POST",
        data=_activity_form,
        ok=302,
    ),
    # About the user's own area: nobody's to a link-only role (no area), 404 like a missing page.
    page("care:pairing_coverage", scope="list", denied=404),
    api("api:partner_list", scope="list"),
    api(
        "api:partner_create",
        method="POST",
        scope="create",
        data={"name": "成华区团委（测试）", "kind": "department", "region": "510108000000"},
        action="change",
        ok=201,
        # The directory is written by district officers and the city admin only.
        expect={**DIRECTORY_EDITORS, **{p: 403 for p in NOT_EDITORS}},
    ),
    api("api:pairing_list", scope="list", data=_with_pairing, shows=True),
    api(
        "api:pairing_create",
        method="POST",
        data=_pairing_in,
        action="change",
        ok=201,
        link=403,
    ),
    api(
        "api:pairing_activity_create",
        kwargs={"pairing_id": "pairing"},
        method="POST",
        data=_activity_form,
        action="change",
        ok=201,
    ),
    api("api:pairing_coverage", scope="list", denied=404),
    page("care:screening_list", scope="list", data=_with_screening),
    page("care:screening_new", scope="create", action="change"),
    page(
        "care:screening_new",
        method="POST",
        scope="create",
        data=_screening_form,
        action="change",
        ok=302,
        expect=STREET_CREATORS,
    ),
    page("care:screening_detail", kwargs={"pk": "screening"}, shows=True),
    page(
        "care:screening_detail",
        kwargs={"pk": "screening"},
        method="POST",
        data={"action": "close"},
        action="change",
        ok=302,
        expect=COMMUNITY_ONLY,
    ),
    page(
        "care:screening_detail",
        kwargs={"pk": "screening"},
        query="export=xlsx",
        action="export",
        label="xlsx",
        # Inspectors export in 成华区; a social worker of 锦江区 (dual) exports nothing there.
    ),
    page(
        "care:screening_result",
        kwargs={"pk": "screening", "person_id": "person"},
        action="change",
    ),
    page(
        "care:screening_result",
        kwargs={"pk": "screening", "person_id": "person"},
        method="POST",
        data={"measure": "none", "reason": "家人同住照顾"},
        action="change",
        ok=302,
    ),
    api("api:screening_list", scope="list", data=_with_screening),
    api(
        "api:screening_create",
        method="POST",
        scope="create",
        data=_screening_in,
        action="change",
        ok=201,
        expect=STREET_CREATORS,
    ),
    api("api:screening_detail", kwargs={"screening_id": "screening"}),
    api(
        "api:screening_result_create",
        kwargs={"screening_id": "screening"},
        method="POST",
        data=_result_in,
        action="change",
        ok=201,
    ),
    api(
        "api:screening_close",
        kwargs={"screening_id": "screening"},
        method="POST",
        action="change",
        # 蔡阿姨 has no result yet: even those who may close it are told why not.
        ok=422,
        expect=COMMUNITY_ONLY,
    ),
    page("care:guardianship", kwargs=PERSON, shows=True),
    page(
        "care:guardianship",
        kwargs=PERSON,
        method="POST",
        data=_evaluation_form,
        action="change",
    ),
]
