"""Care pages on a 390 px phone: a partner logs an activity; a street officer records a check."""

import datetime as dt

import pytest
from django.utils import timezone

from nuanxin.care import services
from nuanxin.care.models import CareCheck, PairingActivity
from nuanxin.directory.services import organisation_account_add, organisation_create
from tests.browser import browser_page_phone, login  # noqa: F401
from tests.factories import make_person, make_user

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth + 1"


def test_it_lets_a_partner_log_counselling_on_a_phone(browser_page_phone, live_server, places):
    officer = make_user("xindu_officer", "district_officer", "510114000000")
    child = make_person(
        name="周晓宇",
        region="510114110201",
        birth=timezone.localdate() - dt.timedelta(days=14 * 366),
        female=False,
        categories=["orphan_scattered"],
    )
    department = organisation_create(
        user=officer, name="新都区教育局", kind="department", region_code="510114000000"
    )
    pairing = services.pairing_create(
        user=officer,
        organisation_id=department.pk,
        person_id=child.pk,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        school="新繁中学",
        grade="初二",
    )
    contact = make_user("xindu_partner", "partner_contact", "510114000000")
    organisation_account_add(user=officer, organisation=department, account=contact)
    page = browser_page_phone
    login(page, live_server.url, "xindu_partner")
    page.goto(f"{live_server.url}/care/pairings/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert "周晓宇" in page.content() and "新繁中学" in page.content()
    with page.expect_navigation():
        page.click(f"a[href='/care/pairings/{pairing.pk}/activity/']")
    page.select_option("select[name='kind']", "counselling")
    page.fill("textarea[name='note']", "聊了学习和住校的事")
    with page.expect_navigation():
        page.click("button[type='submit'].btn-success")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    activity = PairingActivity.objects.get(pairing=pairing)
    assert (activity.kind, activity.recorded_by_id) == ("counselling", contact.pk)
    assert "聊了学习和住校的事" in page.content()
    page.screenshot(path="/tmp/care-partner-390.png", full_page=True)


def test_it_records_an_unannounced_check_on_a_phone(
    browser_page_phone, live_server, street_officer, places
):
    person = make_person(name="孙大爷", region="510108010001001", female=False)
    agreement = services.care_agreement_create(
        user=street_officer,
        person_id=person.pk,
        caregiver_kind="neighbour",
        caregiver_name="邻居周姐",
        caregiver_phone="13900005555",
        duties=["daily_look_in", "meals"],
        care_level="partly",
        monthly_fee_fen=60000,
        starts_on=timezone.localdate() - dt.timedelta(days=40),
    )
    page = browser_page_phone
    login(page, live_server.url, "baohe_officer")
    page.goto(f"{live_server.url}/care/agreements/{agreement.pk}/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    with page.expect_navigation():
        page.click(f"a[href='/care/agreements/{agreement.pk}/check/']")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.uncheck("input[name='duties_performed'][value='meals']")
    page.select_option("select[name='satisfaction']", "satisfied")
    with page.expect_navigation():
        page.click("button[type='submit'].btn-success")
    check = CareCheck.objects.get(agreement=agreement)
    assert check.unannounced is True
    assert check.duties_performed == {"daily_look_in": True, "meals": False}
    assert page.url.endswith(f"/care/agreements/{agreement.pk}/")
    page.screenshot(path="/tmp/care-check-390.png", full_page=True)
