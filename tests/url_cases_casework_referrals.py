"""Access cases for assessments, referrals and applications, pages and /api/v1 (format: tests/url_cases.py)."""

import datetime as dt

from django.utils import timezone

from nuanxin.casework.models import AdlItem
from nuanxin.casework.services.applications import application_create
from nuanxin.casework.services.assessments import assessment_create
from nuanxin.casework.services.referrals import referral_accept, referral_create
from nuanxin.directory.models import ServiceProvider
from tests.url_cases import api, builder, page

PERSON = {"person_id": "person"}
# The repair service's own account works its referrals (the walk sends them to it).
PROVIDER_WORKS = {"provider": 200}


def _adl() -> dict:
    return dict.fromkeys(AdlItem.values, "independent")


@builder("assessment")
def _assessment(s):
    return assessment_create(
        user=s.worker,
        person=s.person,
        assessed_on=timezone.localdate(),
        assessors=[s.worker],
        adl=_adl(),
        loneliness="some",
        summary="access test",
    ).pk


@builder("provider")
def _provider(s):
    # The whole city: it serves 蔡阿姨 whoever refers her.
    return ServiceProvider.objects.create(name="access test repair", kind="repair").pk


def _referral_for(s):
    return referral_create(
        user=s.worker,
        person=s.person,
        provider=ServiceProvider.objects.get(pk=s.pk("provider")),
        asked="access test",
        due_on=timezone.localdate() + dt.timedelta(days=2),
    )


@builder("referral")
def _referral(s):
    return _referral_for(s).pk


@builder("accepted_referral")
def _accepted_referral(s):
    return referral_accept(user=s.worker, referral=_referral_for(s)).pk


@builder("application")
def _application(s):
    return application_create(user=s.worker, person=s.person, scheme="dibao").pk


def _assessment_form(s):
    return {
        "assessed_on": timezone.localdate().isoformat(),
        "assessors": [s.worker.pk],
        "loneliness": "none",
        "summary": "access test",
        **{f"adl_{item}": "independent" for item in AdlItem.values},
    }


def _assessment_in(s):
    return {
        "person_id": s.person.pk,
        "assessed_on": timezone.localdate().isoformat(),
        "assessor_ids": [s.worker.pk],
        "adl": _adl(),
        "summary": "access test",
    }


def _referral_form(s):
    return {
        "provider": s.pk("provider"),
        "asked": "access test",
        "sent_on": timezone.localdate().isoformat(),
        "due_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
    }


def _referral_in(s):
    return {
        "person_id": s.person.pk,
        "provider_id": s.pk("provider"),
        "asked": "access test",
        "due_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
    }


CASES = [
    # Assessments
    page("casework:assessment_new", kwargs=PERSON, action="change", link=403),
    page(
        "casework:assessment_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_assessment_form,
        ok=302,
        link=403,
    ),
    page("casework:assessment_detail", kwargs={"pk": "assessment"}),
    page("casework:assessment_list", kwargs=PERSON),
    api("api:person_assessments", kwargs=PERSON),
    api("api:assessment_detail", kwargs={"assessment_id": "assessment"}),
    api(
        "api:assessment_create",
        method="POST",
        data=_assessment_in,
        action="change",
        ok=201,
        link=403,
    ),
    # Referrals
    page("casework:referral_list", scope="list"),
    page("casework:referral_list", query="overdue=1&status=sent", scope="list", label="filtered"),
    page("casework:referral_new", kwargs=PERSON, action="change", link=403),
    page(
        "casework:referral_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_referral_form,
        ok=302,
        link=403,
    ),
    page("casework:referral_detail", kwargs={"pk": "referral"}, expect=PROVIDER_WORKS),
    page(
        "casework:referral_detail",
        kwargs={"pk": "referral"},
        action="change",
        method="POST",
        data={"step": "accept"},
        ok=302,
        expect={"provider": 302},
    ),
    api("api:referral_list", scope="list"),
    api("api:referral_detail", kwargs={"referral_id": "referral"}, expect=PROVIDER_WORKS),
    api(
        "api:referral_create",
        method="POST",
        data=_referral_in,
        action="change",
        ok=201,
        link=403,
    ),
    api(
        "api:referral_accept",
        kwargs={"referral_id": "referral"},
        method="POST",
        action="change",
        expect=PROVIDER_WORKS,
    ),
    api(
        "api:referral_decline",
        kwargs={"referral_id": "referral"},
        method="POST",
        data={"reason": "access test"},
        action="change",
        expect=PROVIDER_WORKS,
    ),
    api(
        "api:referral_complete",
        kwargs={"referral_id": "accepted_referral"},
        method="POST",
        data={"outcome": "access test"},
        action="change",
        expect=PROVIDER_WORKS,
    ),
    # Every signed-in user reads the directory; it names no person.
    api("api:provider_list", scope="list"),
    # Applications
    page("casework:application_list", scope="list"),
    page("casework:application_new", kwargs=PERSON, action="change", link=403),
    page(
        "casework:application_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data={"scheme": "dibao", "documents": ["身份证"]},
        ok=302,
        link=403,
    ),
    page("casework:application_detail", kwargs={"pk": "application"}),
    page(
        "casework:application_detail",
        kwargs={"pk": "application"},
        action="change",
        method="POST",
        data={"status": "withdrawn"},
        ok=302,
    ),
]
