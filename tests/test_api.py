"""The persons API: token auth, the one access rule, masking, audit, per-field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from nuanxin.accounts.models import ApiToken
from nuanxin.accounts.services import api_token_create
from nuanxin.audit.models import AuditAction, AuditEvent
from nuanxin.core import access
from nuanxin.registry import services
from nuanxin.registry.models import Person
from tests.conftest import CHENGHUA, HEMEI, HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY
from tests.factories import make_id_number, make_person

PERSONS = "/api/v1/persons"


def api_client(user, language: str = "en") -> Client:
    token = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def as_user():
    """as_user(user) → a test client that sends a fresh bearer token of that user."""
    return api_client


@pytest.fixture
def people(ms_cai, grid2_person, jinjiang_person):
    return {"ms_cai": ms_cai, "grid2": grid2_person, "jinjiang": jinjiang_person}


@pytest.fixture
def linked_to_ms_cai(ms_cai):
    """A task provider that links the volunteer and the partner to Ms. Cai only."""

    def provider(user, action):
        if action != access.Action.VIEW or user.username not in {"hemei_volunteer", "partner"}:
            return None
        return Q(pk=ms_cai.pk)

    access.register_link("registry.Person", provider)
    yield ms_cai
    access.unregister_link("registry.Person", provider)


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def errors(response, status: int = 422) -> dict[str, str]:
    """A body's field errors (422), or the query string's with status=400."""
    assert response.status_code == status, response.content
    return {e["field"]: e["message"] for e in response.json()["detail"]}


# ---- authentication -----------------------------------------------------------------------


def test_it_refuses_a_request_without_a_token(client, people):
    response = client.get(PERSONS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": "A valid API token is required."}
    # Chinese first: without Accept-Language the same answer is in Chinese.
    assert client.get(PERSONS).json() == {"detail": "需要有效的 API 令牌。"}


def test_it_refuses_an_unknown_token(people):
    response = Client(HTTP_AUTHORIZATION="Bearer nx_not-a-real-token").get(PERSONS)
    assert response.status_code == 401


def test_it_refuses_a_revoked_token(community_worker, people):
    token = api_token_create(user=community_worker)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(PERSONS).status_code == 200
    ApiToken.objects.filter(user=community_worker).update(revoked_at=timezone.now())
    assert api.get(PERSONS).status_code == 401


def test_it_refuses_a_token_of_a_deactivated_user(community_worker, people):
    api = api_client(community_worker)
    community_worker.is_active = False
    community_worker.save()
    assert api.get(PERSONS).status_code == 401


def test_it_ignores_a_browser_session(client, community_worker, people):
    client.force_login(community_worker)
    assert client.get(PERSONS).status_code == 401


def test_it_records_when_a_token_was_last_used(as_user, community_worker, people):
    as_user(community_worker).get(PERSONS)
    assert ApiToken.objects.get(user=community_worker).last_used_at is not None


# ---- schema and docs ----------------------------------------------------------------------


def test_it_publishes_the_openapi_schema_without_a_token(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/persons", "/api/v1/persons/{person_id}"} <= set(schema["paths"])
    assert "page_size" in schema["info"]["description"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_it_serves_the_docs_from_local_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui" in response.content
    assert b"cdn.jsdelivr" not in response.content


# ---- list: scope --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("city_admin", {"蔡阿姨", "王大爷", "李奶奶"}),
        ("district_officer", {"蔡阿姨", "王大爷"}),
        ("street_officer", {"蔡阿姨", "王大爷"}),
        ("community_worker", {"蔡阿姨", "王大爷"}),
        ("grid_worker", {"蔡阿姨"}),
        ("social_worker", {"蔡阿姨", "王大爷"}),
        ("inspector", {"蔡阿姨", "王大爷"}),
        ("volunteer", set()),
        ("partner_contact", set()),
        ("outsider", {"李奶奶"}),
    ],
)
def test_it_lists_only_the_people_in_scope(request, as_user, people, persona, expected):
    user = request.getfixturevalue(persona)
    assert names(as_user(user).get(PERSONS)) == expected


def test_it_lists_masked_rows_with_region_and_categories(as_user, community_worker, ms_cai):
    response = as_user(community_worker).get(PERSONS)
    assert "蔡阿姨".encode() in response.content
    item = response.json()["items"][0]
    assert item["id"] == ms_cai.pk
    assert item["region"] == HEMEI_GRID1
    assert item["region_name"] == "和美社区第一网格"
    assert item["categories"] == ["elderly_alone"]
    assert item["phone"] == "138****5678"
    assert item["id_number"] == ms_cai.id_number[:6] + "********" + ms_cai.id_number[-4:]
    assert item["sex"] == "F"
    assert item["birth_date"] == "1950-03-04"
    assert item["age"] == ms_cai.age
    assert item["link_only"] is False


def test_it_lists_a_linked_person_to_a_volunteer_with_only_what_the_task_needs(
    as_user, volunteer, linked_to_ms_cai, grid2_person
):
    items = as_user(volunteer).get(PERSONS).json()["items"]
    assert [i["name"] for i in items] == ["蔡阿姨"]
    assert items[0]["link_only"] is True
    assert items[0]["phone"] == "13812345678"
    assert items[0]["id_number"] is None
    assert items[0]["categories"] == []


# ---- list: filters and pages --------------------------------------------------------------


def test_it_filters_by_region_code_and_everything_under_it(as_user, city_admin, people):
    api = as_user(city_admin)
    assert names(api.get(PERSONS, {"region": HEMEI_GRID2})) == {"王大爷"}
    assert names(api.get(PERSONS, {"region": HEMEI})) == {"蔡阿姨", "王大爷"}
    assert names(api.get(PERSONS, {"region": CHENGHUA})) == {"蔡阿姨", "王大爷"}
    assert names(api.get(PERSONS, {"region": "510100000000"})) == {"蔡阿姨", "王大爷", "李奶奶"}
    assert "region" in errors(api.get(PERSONS, {"region": "5101"}), 400)


def test_it_filters_by_category_tier_status_and_search(as_user, city_admin, people):
    api = as_user(city_admin)
    assert names(api.get(PERSONS, {"category": "dibao"})) == {"王大爷"}
    assert names(api.get(PERSONS, {"category": "elderly_alone"})) == {"蔡阿姨", "李奶奶"}
    # Tiers are set by the visits app's rules; stand in for them here.
    Person.objects.filter(pk=people["grid2"].pk).update(tier="red")
    assert names(api.get(PERSONS, {"tier": "red"})) == {"王大爷"}
    services.person_update(user=None, person=people["jinjiang"], status="in_hospital")
    assert names(api.get(PERSONS, {"status": "in_hospital"})) == {"李奶奶"}
    assert names(api.get(PERSONS, {"q": "cay"})) == {"蔡阿姨"}
    assert names(api.get(PERSONS, {"q": "5678"})) == {"蔡阿姨"}
    assert names(api.get(PERSONS, {"q": "大爷"})) == {"王大爷"}


def test_it_rejects_an_unknown_filter_value_on_its_field(as_user, city_admin, people):
    api = as_user(city_admin)
    assert set(errors(api.get(PERSONS, {"category": "nonsense"}), 400)) == {"category"}
    assert set(errors(api.get(PERSONS, {"tier": "purple"}), 400)) == {"tier"}


def test_it_pages_through_the_list(as_user, community_worker, places):
    for n in range(5):
        make_person(name=f"测试{n}", region=HEMEI)
    api = as_user(community_worker)
    first = api.get(PERSONS, {"page_size": 2}).json()
    assert (first["count"], first["pages"], first["page"], first["page_size"]) == (5, 3, 1, 2)
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/persons?")
    seen = [i["name"] for i in first["items"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [i["name"] for i in page["items"]]
    assert sorted(seen) == [f"测试{n}" for n in range(5)]
    assert page["page"] == 3
    assert page["previous"] is not None
    assert api.get(PERSONS, {"page": 9}).json()["items"] == []


def test_it_caps_the_page_size(as_user, community_worker, people):
    api = as_user(community_worker)
    assert api.get(PERSONS, {"page_size": 200}).status_code == 200
    assert set(errors(api.get(PERSONS, {"page_size": 201}), 400)) == {"page_size"}
    assert set(errors(api.get(PERSONS, {"page": 0}), 400)) == {"page"}


def test_it_lists_in_a_fixed_number_of_queries(
    as_user, community_worker, places, django_assert_num_queries
):
    for n in range(12):
        make_person(name=f"测试{n}", region=HEMEI, categories=["dibao", "elderly_alone"])
    api = as_user(community_worker)
    # token, last_used_at, memberships, COUNT, the page, its active enrollments
    with django_assert_num_queries(6):
        assert len(api.get(PERSONS, {"page_size": 2}).json()["items"]) == 2
    api = as_user(community_worker)
    with django_assert_num_queries(6):
        items = api.get(PERSONS, {"page_size": 200}).json()["items"]
    assert len(items) == 12
    assert all(item["categories"] == ["dibao", "elderly_alone"] for item in items)


# ---- detail -------------------------------------------------------------------------------


@pytest.fixture
def ms_cai_full(ms_cai):
    """Ms. Cai with a daughter, a disability, a camera consent and a camera."""
    daughter = services.contact_add(
        user=None,
        person=ms_cai,
        name="蔡小妹",
        relation="daughter",
        phone="13987654321",
        is_emergency=True,
    )
    services.disability_set(user=None, person=ms_cai, category=4, grade=2)
    consent = services.consent_record(
        user=None, person=ms_cai, purpose="home_camera", method="written", given_on=dt.date.today()
    )
    services.device_record(
        user=None, person=ms_cai, kind="camera", installed_on=dt.date.today(), consent=consent
    )
    services.person_update(user=None, person=ms_cai, adl_bathing=True, phone2="13711112222")
    return ms_cai, daughter


def test_it_shows_the_whole_record_masked(as_user, community_worker, ms_cai_full):
    ms_cai, daughter = ms_cai_full
    body = as_user(community_worker).get(f"{PERSONS}/{ms_cai.pk}").json()
    assert body["name"] == "蔡阿姨"
    assert body["address"] == "和美社区 3 栋 2 单元 101"
    assert body["phone"] == "138****5678"
    assert body["phone2"] == "137****2222"
    assert ms_cai.id_number not in str(body)
    assert body["id_number"].startswith(ms_cai.id_number[:6]) and "*" in body["id_number"]
    assert body["categories"] == ["elderly_alone"]
    assert body["self_care"] == "partly"
    assert body["adl_bathing"] is True and body["adl_eating"] is False
    assert body["disabilities"] == [{"category": 4, "grade": 2}]
    assert body["contacts"] == [
        {
            "id": daughter.pk,
            "name": "蔡小妹",
            "relation": "daughter",
            "phone": "139****4321",
            "is_guardian": False,
            "is_emergency": True,
        }
    ]
    assert [c["purpose"] for c in body["consents"]] == ["home_camera"]
    assert body["consents"][0]["active"] is True
    assert [d["kind"] for d in body["devices"]] == ["camera"]
    assert body["household"] is None


def test_it_audits_each_viewing(as_user, community_worker, ms_cai):
    as_user(community_worker).get(f"{PERSONS}/{ms_cai.pk}")
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.username, event.object_type, event.object_id) == (
        "hemei_worker",
        "registry.person",
        str(ms_cai.pk),
    )


def test_it_answers_404_alike_for_missing_and_out_of_scope(as_user, outsider, grid_worker, people):
    api = as_user(outsider)
    missing = api.get(f"{PERSONS}/999999")
    hidden = api.get(f"{PERSONS}/{people['ms_cai'].pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.content == hidden.content
    # A grid worker does not see the next grid either.
    assert as_user(grid_worker).get(f"{PERSONS}/{people['grid2'].pk}").content == missing.content
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_it_answers_404_to_a_volunteer_without_a_task(as_user, volunteer, ms_cai):
    assert as_user(volunteer).get(f"{PERSONS}/{ms_cai.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["volunteer", "partner_contact"])
def test_it_shows_a_linked_person_name_address_and_phone_only(
    request, as_user, persona, linked_to_ms_cai
):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(f"{PERSONS}/{linked_to_ms_cai.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": linked_to_ms_cai.pk,
        "name": "蔡阿姨",
        "address": "和美社区 3 栋 2 单元 101",
        "phone": "13812345678",
    }
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, username=user.username).exists()


# ---- create -------------------------------------------------------------------------------


def test_it_creates_a_person_with_categories(as_user, community_worker, places):
    id_number = make_id_number(area="510108", birth=dt.date(1941, 5, 6), female=False)
    response = as_user(community_worker).post(
        PERSONS,
        {
            "name": "张爷爷",
            "region": HEMEI_GRID2,
            "id_number": id_number,
            "phone": "138 0000 1111",
            "address": "和美社区 5 栋",
            "living": "alone",
            "categories": ["elderly_alone", "dibao"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["warnings"] == []
    assert (body["sex"], body["birth_date"], body["region"]) == ("M", "1941-05-06", HEMEI_GRID2)
    assert body["phone"] == "138****1111"
    assert sorted(body["categories"]) == ["dibao", "elderly_alone"]
    person = Person.objects.get(pk=body["id"])
    assert (person.phone, person.living) == ("13800001111", "alone")
    created = AuditEvent.objects.filter(username="hemei_worker", action=AuditAction.CREATE)
    assert {e.object_type for e in created} == {"registry.person", "registry.enrollment"}


def test_it_warns_about_an_unknown_area_code_but_keeps_the_person(
    as_user, community_worker, places
):
    id_number = make_id_number(area="510199")
    response = as_user(community_worker).post(
        PERSONS,
        {"name": "陈奶奶", "region": HEMEI, "id_number": id_number},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["warnings"]) == 1
    assert "510199" in response.json()["warnings"][0]
    assert Person.objects.filter(id_number=id_number).exists()


def test_it_names_each_bad_field_in_english(as_user, community_worker, places):
    api = as_user(community_worker)

    def create(**fields):
        return api.post(PERSONS, {"name": "赵奶奶", "region": HEMEI, **fields}, "application/json")

    good = make_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert errors(create(id_number=bad)) == {
        "id_number": "The last character does not match the check digit: "
        "please check for a typing error."
    }
    assert errors(create(phone="12345")) == {
        "phone": "Enter a mainland mobile (11 digits) or landline with area code."
    }
    assert set(errors(create(status="vanished", living="on the moon"))) == {"status", "living"}
    assert errors(create(region=JINJIANG_COMMUNITY)) == {
        "region": "That region is outside your scope."
    }
    assert set(errors(create(region="510108999999"))) == {"region"}
    assert errors(create(categories=["unicorn"])) == {"categories": "Unknown category: unicorn"}
    assert set(errors(api.post(PERSONS, {"region": HEMEI}, "application/json"))) == {"name"}
    assert not Person.objects.exists()


def test_it_speaks_the_language_the_client_asks_for(community_worker, places):
    def create(language):
        return api_client(community_worker, language).post(
            PERSONS, {"name": "赵奶奶", "region": HEMEI, "phone": "1"}, "application/json"
        )

    assert create("en")["Content-Language"] == "en"
    assert create("zh-hans")["Content-Language"] == "zh-hans"


def test_it_refuses_a_household_outside_the_users_area(as_user, community_worker, places):
    elsewhere = services.household_create(user=None, region_id=JINJIANG_COMMUNITY, address="x")
    response = as_user(community_worker).post(
        PERSONS,
        {"name": "赵奶奶", "region": HEMEI, "household": elsewhere.pk},
        content_type="application/json",
    )
    assert set(errors(response)) == {"household"}


def test_it_refuses_creation_to_those_who_may_only_look(as_user, inspector, places):
    response = as_user(inspector).post(
        PERSONS, {"name": "赵奶奶", "region": HEMEI}, content_type="application/json"
    )
    assert errors(response) == {"region": "That region is outside your scope."}
    assert not Person.objects.exists()


# ---- update -------------------------------------------------------------------------------


def test_it_updates_only_the_fields_sent(as_user, community_worker, ms_cai):
    response = as_user(community_worker).patch(
        f"{PERSONS}/{ms_cai.pk}",
        {"phone": "13900002222", "adl_walking": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["adl_walking"], body["warnings"]) == ("139****2222", True, [])
    ms_cai.refresh_from_db()
    assert (ms_cai.phone, ms_cai.address) == ("13900002222", "和美社区 3 栋 2 单元 101")
    event = AuditEvent.objects.get(username="hemei_worker", action=AuditAction.UPDATE)
    assert event.changes["phone"] == ["138****5678", "139****2222"]


def test_it_moves_a_person_within_scope_but_not_out_of_it(as_user, community_worker, ms_cai):
    api = as_user(community_worker)
    moved = api.patch(f"{PERSONS}/{ms_cai.pk}", {"region": HEMEI_GRID2}, "application/json")
    assert moved.json()["region"] == HEMEI_GRID2
    away = api.patch(f"{PERSONS}/{ms_cai.pk}", {"region": JINJIANG_COMMUNITY}, "application/json")
    assert errors(away) == {"region": "That region is outside your scope."}
    ms_cai.refresh_from_db()
    assert ms_cai.region_id == HEMEI_GRID2


def test_it_reports_update_errors_and_warnings_per_field(as_user, community_worker, ms_cai):
    api = as_user(community_worker)
    url = f"{PERSONS}/{ms_cai.pk}"
    assert set(errors(api.patch(url, {"phone2": "abc"}, "application/json"))) == {"phone2"}
    assert set(errors(api.patch(url, {"name": None}, "application/json"))) == {"name"}
    id_number = make_id_number(area="510199")
    response = api.patch(url, {"id_number": id_number}, "application/json")
    assert response.status_code == 200
    assert "510199" in response.json()["warnings"][0]


def test_it_refuses_changes_from_those_who_may_only_look(as_user, inspector, outsider, ms_cai):
    url = f"{PERSONS}/{ms_cai.pk}"
    looked = as_user(inspector).patch(url, {"address": "x"}, "application/json")
    assert looked.status_code == 403
    hidden = as_user(outsider).patch(url, {"address": "x"}, "application/json")
    assert hidden.status_code == 404
    ms_cai.refresh_from_db()
    assert ms_cai.address == "和美社区 3 栋 2 单元 101"


# ---- reveal -------------------------------------------------------------------------------


def test_it_reveals_a_field_with_a_reason_and_logs_it(as_user, grid_worker, ms_cai):
    response = as_user(grid_worker).post(
        f"{PERSONS}/{ms_cai.pk}/reveal",
        {"field": "id_number", "reason": "verifying at the door"},
        content_type="application/json",
    )
    assert response.json() == {"field": "id_number", "value": ms_cai.id_number}
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.username, event.reason, event.changes) == (
        "hemei_grid1",
        "verifying at the door",
        {"field": "id_number"},
    )


def test_it_asks_for_a_reason_and_a_revealable_field(as_user, grid_worker, ms_cai):
    api = as_user(grid_worker)
    url = f"{PERSONS}/{ms_cai.pk}/reveal"
    assert set(errors(api.post(url, {"field": "phone", "reason": " "}, "application/json"))) == {
        "reason"
    }
    assert set(errors(api.post(url, {"field": "note", "reason": "why"}, "application/json"))) == {
        "field"
    }
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


@pytest.mark.parametrize("persona", ["inspector", "outsider", "volunteer"])
def test_it_hides_reveal_from_those_without_the_right(request, as_user, persona, linked_to_ms_cai):
    user = request.getfixturevalue(persona)
    response = as_user(user).post(
        f"{PERSONS}/{linked_to_ms_cai.pk}/reveal",
        {"field": "phone", "reason": "curious"},
        content_type="application/json",
    )
    # In sight (a reader, or a task's volunteer) but not allowed: 403; out of sight: 404.
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_it_names_every_schema_component_once():
    """django-ninja names OpenAPI components by class name: two classes of one name
    (two apps' `Method` enums, two `CoverageOut`s) would silently share one schema,
    and answers would break it."""
    import enum
    import importlib
    import pkgutil

    from ninja import Schema

    import nuanxin.api

    seen: dict[str, object] = {}
    clashes = []
    for info in pkgutil.iter_modules(nuanxin.api.__path__):
        module = importlib.import_module(f"nuanxin.api.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and (
                issubclass(value, Schema) or issubclass(value, enum.Enum)
            ):
                other = seen.setdefault(value.__name__, value)
                if other is not value:
                    clashes.append(f"{value.__module__}.{value.__qualname__} vs {other.__module__}")
    assert clashes == []


def test_it_refuses_dates_outside_this_century_in_a_body(community_worker, ms_cai):
    """A year 884 would be stored, then come back with a local-mean-time offset
    (+08:05:43) that breaks the schema and every client (found by make fuzz)."""
    from django.test import Client

    from nuanxin.accounts.services import api_token_create

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=community_worker)}")
    visit = client.post(
        "/api/v1/visits",
        {"person_id": ms_cai.pk, "visited_on": "0884-04-21", "method": "home",
         "with_whom": "community_worker", "outcome": "met"},
        content_type="application/json",
    )  # fmt: skip
    request = client.post(
        "/api/v1/requests",
        {"person_id": ms_cai.pk, "source": "hotline", "need_type": "other",
         "description": "x", "received_at": "0884-04-21T00:00:00+08:00"},
        content_type="application/json",
    )  # fmt: skip

    assert visit.status_code == 422
    assert request.status_code == 422
