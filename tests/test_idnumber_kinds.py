"""ID numbers as old and new ledgers hold them (issue #17 item 6).

A first-generation 15-digit number is upgraded to the person's 18 digits with a
warning; the 2023 foreigners' permanent-residence number (first digit 9) is
accepted with its own rules; both reach the person form, the API, the person
page and the ledger import through core/idnumber.py alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from nuanxin.core import idnumber, validators
from nuanxin.core.idnumber import IDNumberError
from nuanxin.core.masking import mask_id_number
from nuanxin.registry import services as registry_services
from nuanxin.registry.models import Person
from tests.conftest import HEMEI, HEMEI_GRID1
from tests.factories import make_id_number, make_person

TODAY = dt.date(2026, 11, 29)

provinces = st.sampled_from(sorted(idnumber.PROVINCES))
areas = st.builds(lambda p, rest: p + rest, provinces, st.from_regex(r"\A[0-9]{4}\Z"))
births_1900s = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
foreign_provinces = st.sampled_from(sorted(idnumber.FOREIGN_PROVINCES))
nationalities = st.sampled_from(sorted(idnumber.NATIONALITIES))
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


def to_15(number18: str) -> str:
    """The first-generation form of an 18-digit number of someone born 19xx."""
    assert number18[6:8] == "19"
    return number18[:6] + number18[8:17]


# --- first-generation 15-digit numbers ------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(areas, births_1900s, sequences)
def test_it_parses_the_15_digit_form_of_any_1900s_number_to_the_same_number(area, birth, seq):
    number = idnumber.make(area, birth, seq)
    parsed = idnumber.parse(to_15(number), today=TODAY)
    assert parsed.number == number
    assert (parsed.birth_date, parsed.sex, parsed.area_code) == (
        birth,
        "M" if seq % 2 else "F",
        area,
    )
    assert parsed.kind == "resident_15"
    assert parsed.warnings == ("upgraded_15",)
    assert idnumber.make_15(area, birth, seq) == to_15(number)
    # The upgraded number is a resident's like any other.
    assert idnumber.parse(parsed.number, today=TODAY).kind == "resident"


def test_it_upgrades_the_standards_worked_example():
    # GB 11643-1999's example 11010519491231002X, as its 15-digit predecessor.
    parsed = idnumber.parse("110105491231002", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.warnings == ("upgraded_15",)


def test_it_keeps_the_area_code_warning_of_an_upgraded_number():
    parsed = idnumber.parse("519999450312123", today=TODAY, known_areas={"510104"})
    assert parsed.warnings == ("upgraded_15", "area_code")
    assert idnumber.parse("510104450312123", today=TODAY, known_areas={"510104"}).warnings == (
        "upgraded_15",
    )


def test_it_folds_full_width_digits_and_spaces_of_a_15_digit_number():
    assert idnumber.parse("510104 450312 123", today=TODAY).number == idnumber.make(
        "510104", dt.date(1945, 3, 12), 123
    )
    assert idnumber.parse("５１０１０４４５０３１２１２３", today=TODAY).kind == "resident_15"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("51010445031212X", "characters_15"),  # no check character on a first-generation card
        ("5101044503121A3", "characters_15"),
        ("51010445031212١", "characters_15"),  # another script's digit
        ("001044503121230", "province"),
        ("991044503121230", "province"),  # first digit 9 does not make a foreigner's 15 digits
        ("510104450230123", "birth_date"),  # 30 February 1945
        ("510104451301123", "birth_date"),
        ("5101044503121234", "length"),  # 16 digits
        ("51010445031212", "length"),  # 14 digits
    ],
)
def test_it_names_the_reason_for_a_bad_15_digit_number(raw, code):
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(raw, today=TODAY)
    assert exc.value.code == code


def test_it_refuses_to_make_a_15_digit_number_for_someone_born_after_1999():
    with pytest.raises(ValueError):
        idnumber.make_15("510104", dt.date(2000, 1, 1), 1)


# --- the 2023 foreigners' permanent-residence number ---------------------------------------
@st.composite
def foreign_numbers(draw):
    province, nationality = draw(foreign_provinces), draw(nationalities)
    birth, seq = draw(births), draw(sequences)
    return (
        idnumber.make_foreign(province, nationality, birth, seq),
        province,
        nationality,
        birth,
        seq,
    )


@settings(max_examples=300, deadline=None)
@given(foreign_numbers())
def test_it_parses_every_generated_foreign_permanent_residence_number(generated):
    number, province, nationality, birth, seq = generated
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.number == number and parsed.kind == "foreign_permanent"
    assert (parsed.province, parsed.nationality, parsed.birth_date) == (
        province,
        nationality,
        birth,
    )
    assert parsed.sex == ("M" if seq % 2 else "F")
    assert parsed.warnings == ()
    assert parsed.area_code == ""
    # Known area codes concern residents only: a foreigner's number never warns of them.
    assert idnumber.parse(number, today=TODAY, known_areas={"510104"}).warnings == ()
    assert idnumber.kind_of(number) == "foreign_permanent"


@settings(max_examples=60, deadline=None)
@given(foreign_numbers())
def test_it_catches_every_single_character_change_of_a_foreign_number(generated):
    number = generated[0]
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == number[position]:
                continue
            typo = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(IDNumberError):
                idnumber.parse(typo, today=TODAY)


def test_it_accepts_the_published_example():
    # The National Immigration Administration's example: Jiangsu (32), Saudi Arabia (682).
    parsed = idnumber.parse("932682198501010017", today=TODAY)
    assert (parsed.kind, parsed.province, parsed.nationality) == ("foreign_permanent", "32", "682")
    assert (parsed.birth_date, parsed.sex) == (dt.date(1985, 1, 1), "M")


@pytest.mark.parametrize("nationality", ["999", "000", "156"])
def test_it_warns_of_a_nationality_code_it_does_not_know(nationality):
    # 156 is China itself: no foreigner's nationality; a warning, the card is real-looking.
    number = idnumber.make_foreign("32", nationality, dt.date(1985, 1, 1), 1)
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.warnings == ("nationality_code",)
    assert parsed.kind == "foreign_permanent"


@pytest.mark.parametrize("province", ["00", "10", "71", "81", "82", "83", "91", "99"])
def test_it_rejects_a_foreign_number_whose_province_accepts_no_applications(province):
    number = idnumber.make_foreign(province, "682", dt.date(1985, 1, 1), 1)
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(number, today=TODAY)
    assert exc.value.code == "foreign_province"


def test_it_rejects_a_foreign_number_with_a_bad_date_or_check_character():
    for birth in ("19850230", "20270101", "18800101"):
        first17 = f"932682{birth}001"
        with pytest.raises(IDNumberError) as exc:
            idnumber.parse(first17 + idnumber.check_char(first17), today=TODAY)
        assert exc.value.code == "birth_date"
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse("932682198501010018", today=TODAY)
    assert exc.value.code == "check_digit"
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse("9326821985010100A7", today=TODAY)
    assert exc.value.code == "characters"


def test_it_masks_a_foreign_number_like_any_other():
    number = "932682198501010017"
    assert mask_id_number(number) == "932682********0017"
    assert "19850101" not in mask_id_number(number)


def test_it_no_longer_takes_a_91_number_for_a_residents():
    # Resident numbers begin 1-8; 91 was in our province list but is a foreigner's prefix.
    first17 = "91010519491231002"
    with pytest.raises(IDNumberError) as exc:
        idnumber.parse(first17 + idnumber.check_char(first17), today=TODAY)
    assert exc.value.code == "foreign_province"


# --- messages ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("51010445031212X", "id_characters_15", "15-digit"),
        ("FOREIGN", "id_foreign_province", "permanent-residence"),
        ("5101044503121234", "id_length", "has 15 digits"),
    ],
)
def test_it_gives_django_a_translated_message_for_each_new_reason(raw, code, words):
    if raw == "FOREIGN":
        raw = idnumber.make_foreign("91", "682", dt.date(1985, 1, 1), 1)
    with pytest.raises(ValidationError) as exc:
        validators.clean_id_number(raw)
    assert exc.value.code == code
    with translation.override("en"):
        english = str(exc.value.messages[0])
        assert words in english
    with translation.override("zh-hans"):
        assert str(validators.ID_MESSAGES[code[3:]]) != english


def test_it_translates_every_id_warning_and_kind():
    assert set(validators.ID_WARNINGS) == {"area_code", "upgraded_15", "nationality_code"}
    assert set(validators.ID_KINDS) == set(idnumber.KINDS)
    for table in (validators.ID_WARNINGS, validators.ID_KINDS):
        for message in table.values():
            with translation.override("en"):
                english = str(message)
            with translation.override("zh-hans"):
                assert str(message) and str(message) != english


def test_it_shows_the_kind_of_a_number_only_when_it_is_not_a_residents():
    template = Template("{% load nuanxin %}[{{ n|id_kind }}]")
    with translation.override("en"):
        foreign = template.render(Context({"n": "932682198501010017"}))
        assert foreign == "[Foreigner&#x27;s permanent-residence ID number]"
        assert template.render(Context({"n": make_id_number()})) == "[]"
        assert template.render(Context({"n": None})) == "[]"


# --- the person: service, form, API, page ------------------------------------------------
def test_it_stores_a_15_digit_number_as_18_and_says_so(places, community_worker):
    number = idnumber.make("510108", dt.date(1938, 7, 7), 41)
    with translation.override("en"):
        person, warnings = registry_services.person_create(
            user=community_worker, name="周爷爷", region_id=HEMEI_GRID1, id_number=to_15(number)
        )
    assert person.id_number == number
    assert (person.birth_date, person.sex) == (dt.date(1938, 7, 7), "M")
    assert any("15-digit" in w for w in warnings)


def test_it_refuses_a_15_digit_number_that_is_someone_elses_18(places, community_worker):
    number = idnumber.make("510108", dt.date(1938, 7, 7), 41)
    make_person(name="周爷爷", region=HEMEI_GRID1, id_number=number)
    with pytest.raises(ValidationError):
        registry_services.person_create(
            user=community_worker, name="冒名", region_id=HEMEI_GRID1, id_number=to_15(number)
        )
    assert Person.objects.filter(id_number=number).count() == 1


def test_it_creates_a_person_with_a_15_digit_number_on_the_form(client, community_worker):
    number = idnumber.make("510108", dt.date(1940, 5, 6), 13)
    client.force_login(community_worker)
    response = client.post(
        reverse("registry:person_create"),
        {
            "name": "张大爷",
            "id_number": to_15(number),
            "phone": "13912345678",
            "phone2": "",
            "region": HEMEI_GRID1,
            "address": "和美社区 5 栋",
            "relation_to_head": "",
            "status": "active",
            "living": "alone",
            "note": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.status_code == 200
    person = Person.objects.get(name="张大爷")
    assert person.id_number == number
    assert "first-generation 15-digit" in response.content.decode()


def test_it_creates_a_foreigner_through_the_api_and_shows_the_kind(
    client, community_worker, places
):
    from nuanxin.accounts.services import api_token_create

    token = api_token_create(user=community_worker)
    number = idnumber.make_foreign("51", "826", dt.date(1948, 2, 3), 22)
    response = client.post(
        "/api/v1/persons",
        {"name": "Smith John", "region": HEMEI, "id_number": number},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["warnings"] == []
    assert body["id_kind"] == "foreign_permanent"
    assert body["id_number"] == mask_id_number(number) == number[:6] + "*" * 8 + number[-4:]
    assert (body["sex"], body["birth_date"]) == ("F", "1948-02-03")
    resident = make_person(name="李奶奶", region=HEMEI)
    got = client.get(f"/api/v1/persons/{resident.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert got["id_kind"] == "resident"


def test_it_shows_a_foreigners_number_masked_with_its_kind_on_the_person_page(
    client, community_worker, volunteer, places
):
    number = idnumber.make_foreign("51", "826", dt.date(1948, 2, 3), 23)
    person = make_person(name="Smith Jane", region=HEMEI_GRID1, id_number=number)
    client.force_login(community_worker)
    page = client.get(
        reverse("registry:person_detail", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Foreigner&#x27;s permanent-residence ID number" in page
    assert mask_id_number(number) in page and number not in page
    # A volunteer with no task for this person does not see the page at all.
    client.force_login(volunteer)
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 404


def test_it_shows_no_kind_for_a_residents_number(client, community_worker, places):
    person = make_person(name="王奶奶", region=HEMEI_GRID1)
    client.force_login(community_worker)
    page = client.get(
        reverse("registry:person_detail", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "nx-id-kind" not in page


# --- search by the number an old ledger holds -------------------------------------------------
def test_it_finds_a_person_by_the_15_digit_form_of_their_number(
    client, community_worker, inspector, places
):
    number = idnumber.make("510108", dt.date(1936, 8, 9), 24)
    person = make_person(name="周奶奶", region=HEMEI_GRID1, id_number=number)
    other = make_person(name="吴奶奶", region=HEMEI_GRID1)
    client.force_login(community_worker)
    html = client.get(reverse("registry:person_list"), {"q": to_15(number)}).content.decode()
    assert person.get_absolute_url() in html and other.get_absolute_url() not in html
    # A whole number finds someone only for those who may reveal it: not an inspector.
    client.force_login(inspector)
    html = client.get(reverse("registry:person_list"), {"q": to_15(number)}).content.decode()
    assert person.get_absolute_url() not in html


# --- one parser everywhere: the Django validator and the ledger's shortcut agree with it -------
any_numbers = st.one_of(
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    st.from_regex(r"\A[0-9]{15}\Z"),
    st.builds(lambda g: g[0], foreign_numbers()),
    st.builds(idnumber.make, areas, births, sequences),
    st.builds(idnumber.make_15, areas, births_1900s, sequences),
    st.text(max_size=20),
)


@settings(max_examples=400, deadline=None)
@given(any_numbers)
def test_it_gives_the_same_verdict_in_the_validator_the_ledger_and_the_parser(raw):
    from nuanxin.ledgers.pipeline.validate import R_ID, R_WARNINGS, RegionResolver, Validator
    from nuanxin.regions.models import Level

    today = dt.date.today()
    try:
        parsed = idnumber.parse(raw, today=today)
    except IDNumberError as exc:
        parsed, code = None, exc.code
    try:
        cleaned = validators.clean_id_number(raw)
    except ValidationError as exc:
        assert parsed is None and exc.code == f"id_{code}"
        assert str(exc.messages[0]) == str(validators.ID_MESSAGES[code])
    else:
        assert cleaned == parsed
    resolver = RegionResolver([(HEMEI, "和美社区", Level.COMMUNITY)], None)
    validate = Validator({"id_number": 0, "name": 1, "region_code": 2}, resolver=resolver,
                         known_areas=None, today=today)  # fmt: skip
    record, reasons = validate([raw, "某人", HEMEI])
    id_reasons = [r[0] for r in reasons if r[1] == "id_number"]
    if parsed is None:
        assert id_reasons and (id_reasons[0] == f"id_{code}" or id_reasons[0] in
                               ("id_missing", "id_masked"))  # fmt: skip
    else:
        assert not id_reasons and record is not None, reasons
        assert record[R_ID] == parsed.number
        warned = [w[0] for w in record[R_WARNINGS] if w[1] == "id_number"]
        assert warned == list(parsed.warnings)
