"""The provider directory: service areas, who edits, the pages and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from nuanxin.accounts.services import api_token_create
from nuanxin.audit.models import AuditEvent
from nuanxin.directory.models import ServiceProvider, ancestor_codes
from nuanxin.directory.services import provider_account_add, provider_create, provider_update

CHENGHUA = "510108000000"
BAOHE = "510108010000"
HEMEI = "510108010001"
JINJIANG = "510104000000"


def _provider(user, name, area=(), kind="repair", **fields):
    return provider_create(user=user, name=name, kind=kind, service_area=list(area), **fields)


def test_it_lists_a_codes_ancestors():
    assert ancestor_codes("510108010001001") == [
        "510100000000",
        "510108000000",
        "510108010000",
        "510108010001",
        "510108010001001",
    ]
    assert ancestor_codes("510104000000") == ["510100000000", "510104000000"]


def test_it_finds_the_providers_serving_a_region(city_admin, ms_cai, jinjiang_person):
    _provider(city_admin, "锦江维修", [JINJIANG])
    _provider(city_admin, "保和维修", [BAOHE])
    _provider(city_admin, "全市燃气", kind="gas")
    _provider(city_admin, "和美家政", [HEMEI], kind="home_service")
    _provider(city_admin, "两区心理", [JINJIANG, HEMEI], kind="counselling")

    def serving(code):
        return set(ServiceProvider.objects.serving(code).values_list("name", flat=True))

    assert serving(ms_cai.region_id) == {"保和维修", "全市燃气", "和美家政", "两区心理"}
    assert serving(jinjiang_person.region_id) == {"锦江维修", "全市燃气", "两区心理"}
    assert serving(CHENGHUA) == {"全市燃气"}  # a street's provider does not cover the district


def test_it_lets_district_officers_write_their_districts_providers(
    district_officer, community_worker, city_admin
):
    mine = _provider(
        district_officer, "保和维修", [BAOHE], contacts=[{"name": "张师傅", "phone": "13900001111"}]
    )
    assert mine.contacts.get().name == "张师傅"
    with pytest.raises(ValidationError) as exc:
        _provider(district_officer, "锦江维修", [JINJIANG])
    assert "service_area" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _provider(district_officer, "全市维修")  # the whole city is the city admin's
    with pytest.raises(PermissionDenied):
        _provider(community_worker, "和美维修", [HEMEI])
    citywide = _provider(city_admin, "全市燃气", kind="gas")
    with pytest.raises(PermissionDenied):
        provider_update(user=district_officer, provider=citywide, phone="028-1")
    provider_update(user=district_officer, provider=mine, phone="028-87654321", active=False)
    mine.refresh_from_db()
    assert (mine.phone, mine.active) == ("028-87654321", False)
    assert AuditEvent.objects.filter(object_type="directory.serviceprovider").count() == 3


def test_it_gives_provider_accounts_only_to_partner_contacts(
    city_admin, partner_contact, social_worker
):
    provider = _provider(city_admin, "锦江维修", [JINJIANG])
    assert (
        provider_account_add(user=city_admin, provider=provider, account=partner_contact).provider
        == provider
    )
    with pytest.raises(ValidationError):
        provider_account_add(user=city_admin, provider=provider, account=social_worker)


def test_it_filters_the_list_page(client, city_admin, volunteer):
    _provider(city_admin, "锦江维修", [JINJIANG], services="热水器 燃气灶")
    _provider(city_admin, "保和维修", [BAOHE])
    _provider(city_admin, "心理服务队", kind="counselling")
    client.force_login(volunteer)  # every signed-in user reads the directory
    url = reverse("directory:provider_list")
    assert "保和维修" in client.get(url).content.decode()
    body = client.get(url, {"q": "热水器"}).content.decode()
    assert "锦江维修" in body and "保和维修" not in body
    body = client.get(url, {"kind": "counselling"}).content.decode()
    assert "心理服务队" in body and "锦江维修" not in body
    body = client.get(url, {"serves": HEMEI}).content.decode()
    assert "保和维修" in body and "心理服务队" in body and "锦江维修" not in body


def test_it_lists_providers_in_fixed_queries(client, city_admin, django_assert_max_num_queries):
    client.force_login(city_admin)
    url = reverse("directory:provider_list")
    _provider(city_admin, "维修0", [BAOHE])
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for i in range(1, 20):
        _provider(city_admin, f"维修{i}", [BAOHE, JINJIANG])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "维修19" in client.get(url).content.decode()


def test_it_shows_contacts_and_edit_links_to_editors_only(client, city_admin, community_worker):
    provider = _provider(
        city_admin,
        "锦江维修",
        [JINJIANG],
        contacts=[{"name": "李师傅", "role": "站长", "phone": "13900002222"}],
    )
    url = reverse("directory:provider_detail", args=[provider.pk])
    client.force_login(community_worker)
    body = client.get(url).content.decode()
    assert "李师傅" in body and reverse("directory:provider_edit", args=[provider.pk]) not in body
    assert client.get(reverse("directory:provider_new")).status_code == 404
    assert client.get(reverse("directory:provider_edit", args=[provider.pk])).status_code == 403
    client.force_login(city_admin)
    assert (
        reverse("directory:provider_edit", args=[provider.pk]) in client.get(url).content.decode()
    )


def test_it_creates_and_edits_from_the_pages(client, district_officer):
    client.force_login(district_officer)
    data = {
        "name": "保和水电维修",
        "kind": "repair",
        "services": "水电、热水器",
        "phone": "028-1234",
        "address": "",
        "service_area": [BAOHE],
        "active": "on",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-0-name": "王师傅",
        "c-0-phone": "13900003333",
    }
    response = client.post(reverse("directory:provider_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = ServiceProvider.objects.get(name="保和水电维修")
    assert [r.code for r in provider.service_area.all()] == [BAOHE]
    assert provider.contacts.get().name == "王师傅"
    edit = reverse("directory:provider_edit", args=[provider.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {**data, "service_area": [JINJIANG]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "within the districts you manage" in response.content.decode()


def test_it_serves_the_providers_api(
    client, city_admin, community_worker, django_assert_max_num_queries
):
    _provider(city_admin, "锦江维修", [JINJIANG])
    _provider(city_admin, "保和维修", [BAOHE])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=community_worker)}"}
    answer = client.get("/api/v1/providers", {"serves": "510108010001001"}, **headers)
    assert answer.status_code == 200
    assert [p["name"] for p in answer.json()["items"]] == ["保和维修"]
    assert answer.json()["items"][0]["service_area"] == [BAOHE]
    assert client.get("/api/v1/providers", {"serves": "x"}, **headers).status_code == 400
    with django_assert_max_num_queries(8) as one:
        client.get("/api/v1/providers", **headers)
    for i in range(20):
        _provider(city_admin, f"维修{i}", [BAOHE])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/api/v1/providers", **headers).json()["count"] == 22


# --- organisations and hotlines -------------------------------------------------------------


def test_it_adds_organisations_within_the_districts_a_user_manages(
    district_officer, community_worker, outsider, city_admin
):
    from nuanxin.directory.models import OrganisationKind
    from nuanxin.directory.services import organisation_create

    dept = organisation_create(
        user=district_officer,
        name="成华区民政局",
        kind=OrganisationKind.DEPARTMENT,
        region_code="510108000000",
        contacts=[{"name": "刘洋", "role": "科长", "phone": "028-84311111"}],
    )
    assert dept.contacts.count() == 1
    with pytest.raises(PermissionDenied):
        organisation_create(user=community_worker, name="x", kind="company")
    with pytest.raises(ValidationError):
        organisation_create(user=outsider, name="y", kind="company", region_code="510108000000")
    with pytest.raises(ValidationError):  # the city's: only the city admin
        organisation_create(user=district_officer, name="z", kind="company")
    assert (
        organisation_create(user=city_admin, name="成都市民政局", kind="department").region is None
    )


def test_it_lets_a_partner_contact_answer_for_an_organisation(district_officer, partner_contact):
    from nuanxin.directory.selectors import account_organisation
    from nuanxin.directory.services import organisation_account_add, organisation_create

    org = organisation_create(
        user=district_officer, name="成华区教育局", kind="department", region_code="510108000000"
    )
    organisation_account_add(user=district_officer, organisation=org, account=partner_contact)
    assert account_organisation(partner_contact) == org
    with pytest.raises(ValidationError):
        organisation_account_add(user=district_officer, organisation=org, account=district_officer)


def test_it_lists_the_hotlines_that_answer_for_a_region(city_admin, district_officer, places):
    from nuanxin.directory.selectors import hotlines_for
    from nuanxin.directory.services import hotline_create, hotline_update

    city = hotline_create(user=city_admin, unit="成都市民政局", number="12345", hours="24小时")
    chenghua = hotline_create(
        user=district_officer,
        unit="成华区社会救助",
        number="028-83333333",
        region_code="510108000000",
        position=2,
    )
    hotline_create(user=city_admin, unit="锦江区社会救助", number="028-86666666",
                   region_code="510104000000")  # fmt: skip
    assert list(hotlines_for(region_code="510108010001")) == [chenghua, city]
    hotline_update(user=district_officer, hotline=chenghua, active=False)
    assert list(hotlines_for(region_code="510108010001")) == [city]
    with pytest.raises(ValidationError):
        hotline_update(user=district_officer, hotline=chenghua, region_code="510104000000")


def test_it_lists_departments_and_prints_the_hotline_sheet(client, community_worker):
    from nuanxin.directory.services import hotline_create, organisation_create

    organisation_create(
        user=None, name="成华区民政局", kind="department", region_code="510108000000"
    )
    organisation_create(user=None, name="某公益组织", kind="social_org")
    hotline_create(user=None, unit="民政服务热线", number="12345", hours="24 小时")
    hotline_create(user=None, unit="锦江区救助站", number="028-1111", region_code="510104000000")
    client.force_login(community_worker)
    listed = client.get("/directory/organisations/", {"kind": "department"})
    assert [o.name for o in listed.context["page"].object_list] == ["成华区民政局"]
    sheet = client.get("/directory/hotlines/", {"region": "510108010001"})
    assert [h.unit for h in sheet.context["hotlines"]] == ["民政服务热线"]
