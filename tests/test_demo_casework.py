"""The demo's casework steps on a small city: the directory, story S8 and the background cases."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.casework.models import (
    Application,
    CarePlan,
    HelpRequest,
    OccurrenceStatus,
    Referral,
    RequestStatus,
    ServiceTask,
    TaskOccurrence,
)
from nuanxin.casework.services.service_tasks import assignable_users
from nuanxin.core import duties, timeline
from nuanxin.demo import casework as demo
from nuanxin.demo.steps import seed_steps_run
from nuanxin.demo.story import story_person
from nuanxin.demo.users import DEMO_PASSWORD, DEMO_REPAIR_PROVIDER, demo_users_ensure
from nuanxin.directory.models import ProviderAccount, ServiceProvider
from tests.demo_city import city_with_steps

STEPS = [
    "nuanxin.demo.casework.directory_seed",
    "nuanxin.demo.casework.story_s8_seed",
    "nuanxin.demo.casework.background_seed",
]


@pytest.fixture
def city(db):
    return city_with_steps(STEPS)


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (ServiceProvider, HelpRequest, ServiceTask, CarePlan, Referral, Application)
    }


def test_it_seeds_the_directory_and_links_the_provider_login(city):
    assert ServiceProvider.objects.count() == len(demo.PROVIDERS) >= 12
    kinds = set(ServiceProvider.objects.values_list("kind", flat=True))
    assert {"gas", "repair", "hospital", "counselling", "home_service", "social_work"} <= kinds
    repair = ServiceProvider.objects.get(name=DEMO_REPAIR_PROVIDER)
    assert list(repair.service_area.values_list("code", flat=True)) == ["510104000000"]
    assert repair.contacts.exists()
    assert ServiceProvider.objects.get(name__contains="沙渠").service_area.get().name == "沙渠街道"
    provider = User.objects.get(username="provider")
    assert provider.check_password(DEMO_PASSWORD)
    assert ProviderAccount.objects.get(user=provider).provider == repair
    assert provider.memberships.get().role == "partner_contact"


def test_it_plays_s8_in_the_demo(city):
    li = story_person("grandma_li")
    sun, he = User.objects.get(username="social"), User.objects.get(username="social2")
    hr = HelpRequest.objects.get(person=li)
    assert (hr.source, hr.need_type, hr.urgency, hr.status) == (
        "hotline",
        "repairs",
        "urgent",
        "resolved",
    )
    assert set(hr.assignees.all()) == {sun, he}
    assert hr.received_at.date() == city - timezone.timedelta(days=3)
    assert hr.first_contact_at <= hr.first_contact_due_at  # within 2 hours
    assert hr.resolved_at <= hr.resolve_due_at  # the repair was done within 24 hours
    times = list(hr.events.values_list("at", flat=True))
    assert times == sorted(times) and len(times) == 5
    assessment = li.assessments.get()
    assert assessment.loneliness == "severe" and assessment.help_request == hr
    referral = li.referrals.get()
    assert referral.status == "completed" and referral.provider.name == DEMO_REPAIR_PROVIDER
    assert referral.updated_by.username == "provider"
    plan = li.care_plans.get()
    assert (plan.kind, plan.recurrence, plan.sessions) == ("psychological", "weekly", 12)
    assert plan.starts_on == assessment.assessed_on + timezone.timedelta(days=1)
    assert [s.status for s in plan.session_set.all()[:2]] == ["done", "due"]
    consent = li.consents.get()
    assert consent.method == "written" and consent.document
    camera = li.devices.get()
    assert camera.consent == consent and camera.installed_on == city
    # Her timeline tells it in order: oldest first, the call to the camera.
    entries = list(reversed(timeline.timeline(user=sun, person=li, limit=50)))
    kinds = [e.kind for e in entries if e.kind != "visit"]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert kinds.index("help_request") < kinds.index("assessment") < kinds.index("care_plan")
    assert kinds.index("referral") < kinds.index("care_session") < kinds.index("device")
    assert {"consent", "care_session"} <= set(kinds)
    # The next weekly session is on the social worker's worklist.
    found = duties.worklist(user=sun, today=city, until=city + timezone.timedelta(days=7))
    assert any(d.kind == "care_session" and d.person_id == li.pk for d in found)


def test_it_fills_the_city_with_casework_and_leaves_hemei_alone(city):
    counts = _counts()
    assert counts["HelpRequest"] >= 15 and counts["ServiceTask"] >= 3
    assert counts["CarePlan"] >= 5 and counts["Referral"] >= 5 and counts["Application"] >= 5
    statuses = set(HelpRequest.objects.values_list("status", flat=True))
    assert {RequestStatus.CLOSED, RequestStatus.IN_PROGRESS} <= statuses
    occurrences = set(TaskOccurrence.objects.values_list("status", flat=True))
    assert OccurrenceStatus.DONE in occurrences
    districts = set(HelpRequest.objects.values_list("region_id", flat=True))
    assert len({code[:6] for code in districts}) >= 5
    assert not HelpRequest.objects.filter(region__code__startswith=demo.HEMEI).exists()
    for model in (ServiceTask, CarePlan, Referral, Application):
        assert not model.objects.filter(region_id__startswith=demo.HEMEI).exists()
    # Every event of a request is in time order, and no request is dated in the future.
    now = timezone.now()
    assert not HelpRequest.objects.filter(received_at__gt=now).exists()
    # S1 is for the visitor to play: the volunteer may be given Ms. Cai's tasks.
    demo_users_ensure()
    cai = story_person("ms_cai")
    assert not ServiceTask.objects.filter(person=cai).exists()
    assert assignable_users(cai.region_id).filter(username="volunteer").exists()


def test_it_adds_nothing_when_the_steps_run_again(city):
    before = _counts()
    seed_steps_run(rng=random.Random(2), today=city, steps=STEPS)
    assert _counts() == before
    assert ProviderAccount.objects.count() == 1
