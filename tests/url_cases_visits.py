"""Access cases for the visits pages and their /api/v1 routes (format: tests/url_cases.py)."""

import datetime as dt

from django.utils import timezone

from nuanxin.visits import services
from nuanxin.visits.models import ColdSnap, CoverageSignoff
from tests.url_cases import PERSONAS, api, builder, page

HEMEI = "510108010001"
PERSON = {"person_id": "person"}
# Cold-snap alerts are declared and cancelled by city administrators alone.
CITY_ADMIN_ONLY = {p: 404 for p in PERSONAS if p not in ("anonymous", "city_admin")}


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@builder("visit")
def _visit(s):
    visit, _created = services.visit_record(
        user=s.worker,
        person_id=s.person.pk,
        visited_on=timezone.localdate(),
        method="home",
        with_whom="grid_worker",
        outcome="met",
    )
    return visit.pk


@builder("signoff")
def _signoff(s):
    # 和美社区's figures for last month, signed by its worker, waiting for the street.
    return CoverageSignoff.objects.create(
        region_id=HEMEI,
        month=_last_month(),
        figures={},
        signed_by=s.worker,
        signed_at=timezone.now(),
    ).pk


@builder("cold_snap")
def _cold_snap(s):
    today = timezone.localdate()
    snap = ColdSnap.objects.create(
        name="寒潮", starts_on=today, ends_on=today + dt.timedelta(days=3)
    )
    snap.districts.set(["510108000000"])
    return snap.pk


def _visit_in(s):
    return {
        "person_id": s.person.pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
    }


def _visit_form(s):
    return {
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "f-TOTAL_FORMS": "0",
        "f-INITIAL_FORMS": "0",
    }


def _tier_raise(s):
    ends_on = timezone.localdate() + dt.timedelta(days=7)
    return {"tier": "red", "reason": "access test", "ends_on": ends_on.isoformat()}


NO_AREA = 404  # volunteers and partners have no area: region pages answer 404

CASES = [
    page("visits:worklist", scope="list"),
    page("visits:visit_list", scope="list"),
    page("visits:visit_detail", kwargs={"pk": "visit"}),
    page("visits:visit_new", kwargs=PERSON, action="change", link=403),
    page(
        "visits:visit_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_visit_form,
        ok=302,
        link=403,
    ),
    page("visits:person_visits", kwargs=PERSON),
    page(
        "visits:person_visits",
        kwargs=PERSON,
        method="POST",
        action="change",
        data=_tier_raise,
        ok=302,
    ),
    page("visits:coverage", scope="list", denied=NO_AREA),
    page("visits:coverage", query=f"region={HEMEI}", label="hemei"),
    page(
        "visits:coverage_sign",
        method="POST",
        data=lambda s: {"region": HEMEI, "month": f"{_last_month():%Y-%m}"},
        ok=302,
    ),
    page("visits:coverage_countersign", kwargs={"pk": "signoff"}, method="POST", ok=302),
    page("visits:blind_spots", scope="list", denied=NO_AREA),
    page("visits:blind_spots", query=f"region={HEMEI}", label="hemei"),
    page(
        "visits:blind_spots",
        query=f"region={HEMEI}&export=xlsx",
        action="export",
        label="xlsx",
    ),
    page("visits:follow_up_list", scope="list"),
    page("visits:cold_snap_list", scope="list", denied=NO_AREA),
    page("visits:cold_snap_list", scope="list", method="POST", expect=CITY_ADMIN_ONLY),
    page(
        "visits:cold_snap_cancel",
        kwargs={"pk": "cold_snap"},
        method="POST",
        ok=302,
        expect=CITY_ADMIN_ONLY,
    ),
    api("api:worklist", scope="list"),
    # Like PATCH /persons: 403 to someone who may see the person but not record a visit.
    api("api:visit_create", method="POST", data=_visit_in, action="change", ok=201, link=403),
    api("api:person_visits", kwargs=PERSON),
    api("api:coverage", scope="list", denied=NO_AREA),
    api("api:coverage", query=f"region={HEMEI}", label="hemei"),
    api("api:blind_spots", scope="list", denied=NO_AREA),
    api("api:blind_spots", query=f"region={HEMEI}", label="hemei"),
]
