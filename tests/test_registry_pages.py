"""The registry pages: list, search, profile, masking, reveal, create/edit forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nuanxin.audit.models import AuditEvent
from nuanxin.casework.services.service_tasks import service_task_cancel
from nuanxin.core import idnumber
from nuanxin.registry.models import Consent, Contact, Device, Disability, Enrollment, Person
from tests.browser import browser_page_en, browser_page_phone, login  # noqa: F401
from tests.conftest import HEMEI, HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY
from tests.factories import assign_task, make_id_number, make_person

LIST = reverse("registry:person_list")


@pytest.fixture
def as_user(client):
    """Log a user in (English pages, so messages can be asserted) and return the client."""

    def login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def _content(response) -> str:
    return response.content.decode()


# --- the list -----------------------------------------------------------------


def test_it_lists_only_the_people_in_scope_with_masked_identifiers(
    as_user, community_worker, ms_cai, grid2_person, jinjiang_person
):
    response = as_user(community_worker).get(LIST)
    html = _content(response)
    assert response.status_code == 200
    assert "蔡阿姨" in html and "王大爷" in html
    assert "李奶奶" not in html
    assert ms_cai.id_number not in html
    assert "13812345678" not in html
    assert "138****5678" in html
    assert ms_cai.id_number[:6] + "********" + ms_cai.id_number[-4:] in html
    assert "2 people" in html


@pytest.mark.parametrize("query", ["cay", "CAY", "caiayi", "蔡", "5678"])
def test_it_finds_ms_cai_by_initials_pinyin_name_and_phone_tail(
    as_user, community_worker, ms_cai, grid2_person, query
):
    html = _content(as_user(community_worker).get(LIST, {"q": query}))
    assert f'href="{ms_cai.get_absolute_url()}"' in html
    assert grid2_person.get_absolute_url() not in html


def test_it_finds_by_the_id_number_tail(as_user, community_worker, ms_cai, grid2_person):
    html = _content(as_user(community_worker).get(LIST, {"q": grid2_person.id_number[-4:]}))
    assert f'href="{grid2_person.get_absolute_url()}"' in html
    assert ms_cai.get_absolute_url() not in html


def test_it_filters_by_region_category_and_status(as_user, community_worker, ms_cai, grid2_person):
    client = as_user(community_worker)
    html = _content(client.get(LIST, {"region": HEMEI_GRID2}))
    assert "王大爷" in html and "蔡阿姨" not in html
    html = _content(client.get(LIST, {"category": "elderly_alone"}))
    assert "蔡阿姨" in html and "王大爷" not in html
    html = _content(client.get(LIST, {"status": "deceased"}))
    assert "蔡阿姨" not in html and "Nobody matches these filters." in html
    html = _content(client.get(LIST, {"tier": "red"}))
    assert "蔡阿姨" not in html


def test_it_offers_only_regions_in_scope_in_the_area_filter(as_user, community_worker, places):
    html = _content(as_user(community_worker).get(LIST))
    assert f'value="{HEMEI_GRID1}"' in html
    assert f'value="{JINJIANG_COMMUNITY}"' not in html


def test_it_shows_an_empty_state(as_user, community_worker):
    html = _content(as_user(community_worker).get(LIST))
    assert "There is nobody in your area yet." in html


def test_it_answers_live_search_with_the_results_only(as_user, community_worker, ms_cai):
    response = as_user(community_worker).get(
        LIST, {"q": "cay"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="person-results"
    )
    html = _content(response)
    assert "蔡阿姨" in html
    assert "<html" not in html


def _people(n: int, region: str = HEMEI_GRID1):
    for i in range(n):
        make_person(name=f"测试{i:03d}", region=region, categories=["dibao", "elderly_alone"])


def test_it_paginates_fifty_a_page(as_user, community_worker):
    _people(60)
    client = as_user(community_worker)
    html = _content(client.get(LIST))
    assert "60 people" in html
    assert html.count('class="fw-semibold" href="/people/') == 50
    html = _content(client.get(LIST, {"page": 2}))
    assert html.count('class="fw-semibold" href="/people/') == 10
    assert "Page 2 of 2" in html


def test_it_lists_with_a_fixed_number_of_queries(
    as_user, community_worker, django_assert_num_queries
):
    client = as_user(community_worker)
    _people(5)
    client.get(LIST)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(LIST, {"category": "dibao"})
    _people(55)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(LIST, {"category": "dibao"})
    assert "60 people" in _content(response)


def test_it_reads_a_districts_areas_once_and_marks_the_one_asked_for(as_user, district_officer):
    client = as_user(district_officer)
    make_person(name="张三", region=HEMEI_GRID1)
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "张", "region": HEMEI})
    # One form parses the query string and draws the filters: the areas are read once.
    assert sum('FROM "regions_region"' in q["sql"] for q in queries.captured_queries) == 1
    html = _content(response)
    assert f'<option value="{HEMEI}" selected>' in html
    assert f'<option value="{HEMEI_GRID1}">' in html
    assert '<option value="" selected>All categories</option>' not in html
    assert '<option value="">All categories</option>' in html
    assert "1 person" in html
    assert 'name="page"' not in html.split('id="person-results"')[0]  # a filter starts at page 1


# --- the profile --------------------------------------------------------------


def test_it_shows_the_profile_to_the_owner_and_a_colleague(
    as_user, community_worker, grid_worker, ms_cai
):
    for user in (community_worker, grid_worker):
        response = as_user(user).get(ms_cai.get_absolute_url())
        assert response.status_code == 200
        assert "蔡阿姨" in _content(response)


def test_it_answers_404_to_an_outsider(as_user, outsider, ms_cai):
    assert as_user(outsider).get(ms_cai.get_absolute_url()).status_code == 404


def test_it_audits_a_profile_view(as_user, community_worker, ms_cai):
    as_user(community_worker).get(ms_cai.get_absolute_url())
    event = AuditEvent.objects.get(action="view", object_id=str(ms_cai.pk))
    assert event.username == "hemei_worker"
    assert event.object_type == "registry.person"


def test_it_masks_identifiers_on_the_profile(as_user, community_worker, ms_cai):
    Contact.objects.create(person=ms_cai, name="小蔡", relation="son", phone="13900001111")
    html = _content(as_user(community_worker).get(ms_cai.get_absolute_url()))
    assert ms_cai.id_number not in html
    assert "13812345678" not in html
    assert "13900001111" not in html
    assert "139****1111" in html
    assert "Reveal" in html


def test_it_shows_the_profile_sections_and_the_timeline_empty_state(
    as_user, community_worker, ms_cai
):
    html = _content(as_user(community_worker).get(ms_cai.get_absolute_url()))
    for text in ("Assistance categories", "Contacts", "Consents", "Devices", "Timeline"):
        assert text in html
    assert "Records from visits and casework appear here." in html
    assert "elderly living alone" in html
    assert "和美社区" in html  # region path
    assert "self-caring" in html


def test_it_hides_reveal_and_edit_from_an_inspector(as_user, inspector, ms_cai):
    html = _content(as_user(inspector).get(ms_cai.get_absolute_url()))
    assert "蔡阿姨" in html
    assert reverse("registry:person_reveal", args=[ms_cai.pk]) not in html
    assert reverse("registry:person_edit", args=[ms_cai.pk]) not in html


def test_it_shows_a_linked_volunteer_only_name_address_and_phone(
    as_user, volunteer, community_worker, ms_cai
):
    # Without a link the volunteer reaches nobody.
    assert as_user(volunteer).get(ms_cai.get_absolute_url()).status_code == 404
    task = assign_task(person=ms_cai, volunteer=volunteer, by=community_worker)
    response = as_user(volunteer).get(ms_cai.get_absolute_url())
    html = _content(response)
    assert response.status_code == 200
    assert "蔡阿姨" in html and "和美社区 3 栋 2 单元 101" in html and "13812345678" in html
    assert ms_cai.id_number[-4:] not in html
    assert "elderly living alone" not in html
    assert "Contacts" not in html
    # The task over, the link ends with it.
    service_task_cancel(user=community_worker, task_id=task.pk)
    assert as_user(volunteer).get(ms_cai.get_absolute_url()).status_code == 404


# --- reveal ---------------------------------------------------------------------


def _reveal_url(person):
    return reverse("registry:person_reveal", args=[person.pk])


def test_it_requires_a_reason_to_reveal(as_user, community_worker, ms_cai):
    response = as_user(community_worker).post(
        _reveal_url(ms_cai), {"field": "id_number", "reason": ""}
    )
    assert response.status_code == 200
    assert ms_cai.id_number not in _content(response)
    assert "This field is required." in _content(response)
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_it_reveals_with_a_reason_and_audits_it(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    assert ms_cai.id_number not in _content(client.get(_reveal_url(ms_cai), {"field": "id_number"}))
    response = client.post(
        _reveal_url(ms_cai),
        {"field": "id_number", "reason": "checking her 低保 file"},
        HTTP_HX_REQUEST="true",
    )
    html = _content(response)
    assert ms_cai.id_number in html
    assert "<html" not in html
    event = AuditEvent.objects.get(action="reveal")
    assert event.reason == "checking her 低保 file"
    assert event.changes == {"field": "id_number"}
    assert event.object_id == str(ms_cai.pk)


def test_it_reveals_a_phone_without_js(as_user, community_worker, ms_cai):
    response = as_user(community_worker).post(
        _reveal_url(ms_cai), {"field": "phone", "reason": "to call her"}
    )
    assert "13812345678" in _content(response)
    assert "<html" in _content(response)


def test_it_answers_403_on_reveal_without_the_permission_and_404_out_of_sight(
    as_user, inspector, outsider, ms_cai
):
    for user, status in ((inspector, 403), (outsider, 404)):
        response = as_user(user).post(_reveal_url(ms_cai), {"field": "phone", "reason": "curious"})
        assert response.status_code == status
    assert not AuditEvent.objects.filter(action="reveal").exists()


# --- create and edit ------------------------------------------------------------

CREATE = reverse("registry:person_create")


def _person_data(**overrides):
    data = {
        "name": "张大爷",
        "id_number": make_id_number(birth=dt.date(1940, 5, 6), female=False),
        "phone": "13912345678",
        "phone2": "",
        "region": HEMEI_GRID1,
        "address": "和美社区 5 栋",
        "relation_to_head": "",
        "status": "active",
        "living": "alone",
        "note": "",
    }
    data.update(overrides)
    return data


def test_it_creates_a_person_and_derives_sex_and_birth_date(as_user, community_worker):
    response = as_user(community_worker).post(CREATE, _person_data(adl_walking="on"))
    person = Person.objects.get(name="张大爷")
    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    assert person.sex == "M"
    assert person.birth_date == dt.date(1940, 5, 6)
    assert person.adl_walking
    assert AuditEvent.objects.filter(action="create", object_id=str(person.pk)).exists()


def test_it_shows_the_unknown_area_code_warning(as_user, community_worker):
    number = idnumber.make("110101", dt.date(1945, 1, 2), 12)
    response = as_user(community_worker).post(CREATE, _person_data(id_number=number), follow=True)
    assert "Area code 110101 is not a current or known historical code" in _content(response)
    assert Person.objects.filter(id_number=number).exists()


def _with_check_digit_broken(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "51010819500304", "An ID number has 18 characters."),
        ("id_number", "51010819501332001X", "Digits 7–14 are not a possible birth date."),
        (
            "id_number",
            "BROKEN",
            "The last character does not match the check digit: please check for a typing error.",
        ),
        ("id_number", "00010819500304001X", "The first two digits are not a province code."),
        ("id_number", "51010819500304A01X", "An ID number is 17 digits followed by a digit or X."),
        ("phone", "12345", "Enter a mainland mobile (11 digits) or landline with area code."),
        ("phone2", "1381234", "Enter a mainland mobile (11 digits) or landline with area code."),
        (
            "region",
            JINJIANG_COMMUNITY,
            "That region is outside your scope; choose one from the list.",
        ),
        ("name", "", "This field is required."),
    ],
)
def test_it_explains_each_bad_field(as_user, community_worker, field, value, message):
    if value == "BROKEN":
        value = _with_check_digit_broken(make_id_number())
    response = as_user(community_worker).post(CREATE, _person_data(**{field: value}))
    html = _content(response)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html
    error = html.split(f'id="id_{field}_error">', 1)[1].split("</div>", 1)[0]
    assert message in error.replace("&#x27;", "'")
    assert not Person.objects.exists()


def test_it_rejects_a_duplicate_id_number_on_the_field(as_user, community_worker, ms_cai):
    response = as_user(community_worker).post(CREATE, _person_data(id_number=ms_cai.id_number))
    assert 'id="id_id_number_error"' in _content(response)
    assert "A person with this ID number is already registered." in _content(response)
    assert Person.objects.count() == 1


def test_it_refuses_create_and_edit_without_change(as_user, inspector, outsider, ms_cai):
    assert as_user(inspector).get(CREATE).status_code == 404  # a page they are never offered
    edit = reverse("registry:person_edit", args=[ms_cai.pk])
    assert as_user(inspector).get(edit).status_code == 403  # she is in sight, not theirs to edit
    assert as_user(outsider).get(edit).status_code == 404


def test_it_edits_a_person_audits_the_changes_and_keeps_the_masked_id(
    as_user, community_worker, ms_cai
):
    client = as_user(community_worker)
    edit = reverse("registry:person_edit", args=[ms_cai.pk])
    html = _content(client.get(edit))
    assert ms_cai.id_number not in html
    assert "13812345678" not in html
    data = _person_data(
        name="蔡阿姨", id_number="", phone="", region=HEMEI_GRID2, status="in_hospital"
    )
    response = client.post(edit, data)
    assert response.status_code == 302
    ms_cai.refresh_from_db()
    assert ms_cai.status == "in_hospital"
    assert ms_cai.region_id == HEMEI_GRID2
    assert ms_cai.phone == "13812345678"  # blank keeps the stored value
    assert ms_cai.id_number
    event = AuditEvent.objects.get(action="update", object_id=str(ms_cai.pk))
    assert event.changes["status"] == ["active", "in_hospital"]
    assert event.changes["region"] == [HEMEI_GRID1, HEMEI_GRID2]


def test_it_points_the_edit_form_to_the_move_page_for_a_move(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    edit = _content(client.get(reverse("registry:person_edit", args=[ms_cai.pk])))
    assert "only to correct a mistake" in edit
    assert "only to correct a mistake" not in _content(client.get(CREATE))


def test_it_shows_service_errors_on_the_edit_form(as_user, community_worker, ms_cai):
    edit = reverse("registry:person_edit", args=[ms_cai.pk])
    response = as_user(community_worker).post(
        edit, _person_data(name="蔡阿姨", id_number="123", phone="")
    )
    assert "An ID number has 18 characters." in _content(response)
    ms_cai.refresh_from_db()
    assert ms_cai.address == "和美社区 3 栋 2 单元 101"


# --- the small forms on the profile ----------------------------------------------


def _url(name, person, *args):
    return reverse(f"registry:{name}", args=[person.pk, *args])


def test_it_adds_and_ends_an_enrollment(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    response = client.post(
        _url("enrollment_add", ms_cai),
        {
            "enrollment-category": "dibao",
            "enrollment-start_date": "2024-01-01",
            "enrollment-source": "2024 ledger",
        },
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(person=ms_cai, category="dibao")
    assert enrollment.source == "2024 ledger"
    client.post(_url("enrollment_end", ms_cai, enrollment.pk), {"end_date": "2025-01-01"})
    enrollment.refresh_from_db()
    assert enrollment.end_date == dt.date(2025, 1, 1)


def test_it_adds_a_contact_and_explains_a_bad_phone(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    response = client.post(
        _url("contact_add", ms_cai),
        {"contact-name": "小蔡", "contact-relation": "son", "contact-phone": "12"},
    )
    assert response.status_code == 422
    assert "Enter a mainland mobile (11 digits) or landline with area code." in _content(response)
    assert not Contact.objects.exists()
    client.post(
        _url("contact_add", ms_cai),
        {
            "contact-name": "小蔡",
            "contact-relation": "son",
            "contact-phone": "13900001111",
            "contact-is_emergency": "on",
        },
    )
    assert Contact.objects.get(person=ms_cai).is_emergency


def test_it_records_a_disability(as_user, community_worker, ms_cai):
    as_user(community_worker).post(
        _url("disability_set", ms_cai), {"disability-category": "1", "disability-grade": "2"}
    )
    assert Disability.objects.get(person=ms_cai).grade == 2


def test_it_needs_consent_before_a_camera(as_user, community_worker, ms_cai):
    client = as_user(community_worker)
    device = {"device-kind": "camera", "device-installed_on": "2025-01-10"}
    response = client.post(_url("device_record", ms_cai), device)
    assert response.status_code == 422
    assert "This device needs the person&#x27;s (or guardian&#x27;s) active consent first." in (
        _content(response)
    )
    client.post(
        _url("consent_record", ms_cai),
        {
            "consent-purpose": "home_camera",
            "consent-method": "written",
            "consent-given_on": "2025-01-05",
        },
    )
    consent = Consent.objects.get(person=ms_cai)
    assert client.post(_url("device_record", ms_cai), device).status_code == 302
    client.post(_url("consent_withdraw", ms_cai, consent.pk), {"withdrawn_on": "2025-02-01"})
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2025, 2, 1)
    assert Device.objects.get(person=ms_cai).needs_removal
    assert "to be removed" in _content(client.get(ms_cai.get_absolute_url()))


def test_it_refuses_subforms_out_of_scope(as_user, outsider, inspector, ms_cai):
    for user, status in ((outsider, 404), (inspector, 403)):
        response = as_user(user).post(
            _url("enrollment_add", ms_cai), {"enrollment-category": "dibao"}
        )
        assert response.status_code == status
    assert not Enrollment.objects.filter(category="dibao").exists()


def test_it_keeps_people_of_another_community_out_of_the_list(
    as_user, grid_worker, ms_cai, grid2_person
):
    html = _content(as_user(grid_worker).get(LIST))
    assert "蔡阿姨" in html and "王大爷" not in html
    assert HEMEI not in html or f'value="{HEMEI}"' not in html


def test_it_names_every_bad_field_at_once(as_user, community_worker):
    response = as_user(community_worker).post(
        CREATE, _person_data(id_number="123", phone="12", region="")
    )
    html = _content(response)
    for field in ("id_number", "phone", "region"):
        assert f'id="id_{field}_error"' in html
    assert "An ID number has 18 characters." in html
    assert "This field is required." in html


def test_it_preselects_the_only_region_of_a_grid_worker(as_user, grid_worker):
    html = _content(as_user(grid_worker).get(CREATE))
    assert f'<option value="{HEMEI_GRID1}" selected>' in html


def test_it_refuses_an_area_out_of_scope_and_shows_no_one(
    as_user, community_worker, ms_cai, grid2_person
):
    response = as_user(community_worker).get(LIST, {"region": JINJIANG_COMMUNITY, "q": "cay"})
    assert response.status_code == 400  # not an area she may choose: the address is refused
    html = _content(response)
    assert ms_cai.get_absolute_url() not in html and grid2_person.get_absolute_url() not in html


# --- in a real browser: live search and the inline reveal (htmx) ----------------------


@pytest.mark.browser
def test_it_searches_live_and_reveals_inline_in_a_browser(
    browser_page_en, live_server, community_worker, ms_cai, grid2_person
):
    page = browser_page_en
    login(page, live_server.url, "hemei_worker")
    page.goto(f"{live_server.url}/people/")
    page.fill("input[name=q]", "cay")
    page.wait_for_url("**/people/?q=cay*")  # htmx pushed the search into the address
    assert page.locator("table.nx-people tbody tr").count() == 1
    page.click("table.nx-people a")
    page.click("#reveal-phone a.nx-reveal")
    page.fill("#reason-phone", "to call about her water delivery")
    page.click("#reveal-phone button[type=submit]")
    page.wait_for_selector("#reveal-phone >> text=13812345678")
    assert page.url.endswith(ms_cai.get_absolute_url())  # no page load: swapped inline
    assert AuditEvent.objects.filter(action="reveal", reason__startswith="to call").exists()


@pytest.mark.browser
def test_it_lays_the_profile_out_on_a_phone(
    browser_page_phone, live_server, community_worker, ms_cai
):
    page = browser_page_phone
    login(page, live_server.url, "hemei_worker")
    page.goto(f"{live_server.url}{ms_cai.get_absolute_url()}")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/people/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
