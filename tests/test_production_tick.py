"""`nuanxin tick`: the daily jobs, idempotent, audited, one failure reported without stopping the rest."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from nuanxin.audit.models import AuditEvent
from nuanxin.core import daily
from nuanxin.oversight.models import SpotCheckCall, SpotCheckDraw
from nuanxin.oversight.services import spot_check_setting_save
from nuanxin.registry.services import enrollment_add
from nuanxin.visits import services as visit_services
from nuanxin.visits.models import VisitSchedule
from tests.conftest import CHENGHUA, HEMEI_GRID1, HEMEI_GRID2
from tests.factories import make_person

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)


def state() -> tuple:
    """What the daily jobs may change: every schedule, every sample and its calls."""
    return (
        sorted(VisitSchedule.objects.values_list("person_id", "tier", "due_on", "due_reason")),
        sorted(SpotCheckDraw.objects.values_list("region_id", "day", "seed", "size")),
        sorted(SpotCheckCall.objects.values_list("person_id", "day", "position")),
    )


def tick(*args) -> str:
    out = io.StringIO()
    call_command("tick", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def day_of_work(city_admin, district_officer):
    """Recipients in 成华 with spot-checks set up, a cold snap and a tier raise ending today."""
    people = []
    for i in range(12):
        p = make_person(name=f"居民{i:02d}", region=[HEMEI_GRID1, HEMEI_GRID2][i % 2])
        enrollment_add(
            user=None, person=p, category="dibao", start_date=TODAY - dt.timedelta(days=100)
        )
        people.append(p)
    spot_check_setting_save(user=district_officer, district_code=CHENGHUA, count=3)
    visit_services.cold_snap_declare(
        user=city_admin,
        name="寒潮",
        district_codes=[CHENGHUA],
        starts_on=TODAY,
        ends_on=TODAY,
        red_gap_days=1,
        yellow_gap_days=2,
    )
    visit_services.tier_raise(
        user=city_admin, person=people[0], tier="red", reason="住院", ends_on=TODAY
    )
    return people


def test_it_lists_the_jobs_each_app_registered(db):
    assert set(tick("--list").split()) >= {
        "visits.cold_snaps",
        "visits.tier_raises",
        "oversight.spot_check_draws",
    }


def test_it_runs_twice_and_the_second_run_changes_nothing(day_of_work):
    raised = day_of_work[0]
    assert VisitSchedule.objects.get(person=raised).tier == "red"
    before = state()

    out = tick("--date", TOMORROW.isoformat())
    first = state()
    assert first != before, "the first run did the day's work"
    assert VisitSchedule.objects.get(person=raised).tier != "red", "the raise ended yesterday"
    streets = SpotCheckDraw.objects.filter(day=TOMORROW).count()
    assert streets >= 1
    assert f"oversight.spot_check_draws: {streets}" in out

    out = tick("--date", TOMORROW.isoformat())
    assert state() == first
    assert "oversight.spot_check_draws: 0" in out

    runs = AuditEvent.objects.filter(object_type="core.daily", object_id=TOMORROW.isoformat())
    assert runs.count() == 2
    counts = runs.order_by("pk").first().changes["counts"]
    assert counts["oversight.spot_check_draws"] == streets
    assert counts["visits.tier_raises"] == 1
    assert runs.order_by("pk").first().changes["failed"] == {}


def test_it_reports_a_failing_job_and_still_runs_the_others(day_of_work, monkeypatch):
    def broken(*, today):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(daily._jobs, "aaa.broken", broken)  # sorts first: the others follow it
    err = io.StringIO()
    with pytest.raises(CommandError, match="aaa.broken"):
        call_command("tick", "--date", TOMORROW.isoformat(), stdout=io.StringIO(), stderr=err)
    assert "aaa.broken: FAILED RuntimeError: the disk is full" in err.getvalue()
    assert SpotCheckDraw.objects.filter(day=TOMORROW).exists(), "later jobs still ran"
    event = AuditEvent.objects.get(object_type="core.daily")
    assert event.changes["failed"] == {"aaa.broken": "RuntimeError: the disk is full"}
    assert event.changes["counts"]["oversight.spot_check_draws"] >= 1


def test_it_refuses_an_unknown_job_or_a_bad_date(db):
    with pytest.raises(CommandError, match="unknown job"):
        tick("--job", "nope")
    with pytest.raises(CommandError, match="not a date"):
        tick("--date", "2026-13-01")


def test_it_runs_the_visits_jobs_alone_from_visits_refresh(day_of_work):
    call_command("visits_refresh", "--daily", stdout=io.StringIO())
    event = AuditEvent.objects.get(object_type="core.daily")
    assert set(event.changes["counts"]) == {"visits.cold_snaps", "visits.tier_raises"}


def test_it_shows_a_run_in_the_audit_log_with_its_counts(day_of_work, city_admin):
    tick("--date", TOMORROW.isoformat())
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(city_admin)
    page = client.get("/audit/").content.decode()
    assert f"每日任务 daily jobs {TOMORROW}" in page
    assert "visits.tier_raises" in page
