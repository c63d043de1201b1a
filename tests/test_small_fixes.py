"""The small things a worker or a clerk stumbles on (issue: words and numbers people use)."""

import re

from django.utils import timezone

from nuanxin.visits.models import VisitSchedule
from tests.conftest import HEMEI_GRID1
from tests.test_coverage import enrolled


def test_it_says_how_many_days_a_visit_is_overdue(client, grid_worker, places):
    person = enrolled(region=HEMEI_GRID1, tier="red")
    due_on = VisitSchedule.objects.get(person=person).due_on
    late = (timezone.localdate() - due_on).days
    assert late > 1
    client.force_login(grid_worker)

    english = client.get("/worklist/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/worklist/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert f"{late} days overdue" in english
    assert re.search(rf"逾期\s*{late}\s*天", chinese)


def test_it_names_exports_in_the_users_language_with_area_and_date(client, district_officer):
    from urllib.parse import unquote

    client.force_login(district_officer)
    today = timezone.localdate()

    chinese = client.get("/ledgers/export/people/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/ledgers/export/people/", HTTP_ACCEPT_LANGUAGE="en")
    spots = client.get(
        "/blind-spots/?region=510108000000&export=xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert f"成华区-人员台账-{today:%Y-%m-%d}.xlsx" in unquote(chinese["Content-Disposition"])
    assert f"成华区-People ledger-{today:%Y-%m-%d}.xlsx" in unquote(english["Content-Disposition"])
    assert f"成华区-探访盲点-{today:%Y-%m}.xlsx" in unquote(spots["Content-Disposition"])


def test_it_words_the_tier_reason_in_the_readers_language(client, community_worker, places):
    from django.utils import translation

    with translation.override("zh-hans"):  # the schedule is refreshed in Chinese
        person = enrolled(region=HEMEI_GRID1, tier="red")
    assert VisitSchedule.objects.get(person=person).tier_why.startswith("规则")
    client.force_login(community_worker)

    english = client.get(f"/visits/person/{person.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(f"/visits/person/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "Rule: " in english.content.decode() and "规则" not in english.content.decode()
    assert "规则" in chinese.content.decode()


def test_it_stores_a_request_step_as_a_code_and_words_it_for_the_reader(
    client, community_worker, ms_cai
):
    from nuanxin.casework.models import RequestEvent
    from nuanxin.casework.services import requests as casework

    hr = casework.request_create(
        user=community_worker,
        source="hotline",
        need_type="other",
        description="热水器坏了",
        person_id=ms_cai.pk,
    )
    casework.request_transition(
        user=community_worker, help_request=hr, action="triage", urgency="urgent", note="冬天无热水"
    )
    event = RequestEvent.objects.filter(request=hr, action="triage").get()
    assert event.note == "冬天无热水"
    client.force_login(community_worker)

    english = client.get(f"/requests/{hr.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "triage: 冬天无热水" in english and "分诊" not in english


def test_it_recovers_the_codes_of_steps_stored_as_words(community_worker, ms_cai):
    import importlib

    from django.apps import apps

    from nuanxin.casework.models import RequestEvent
    from nuanxin.casework.services import requests as casework

    migration = importlib.import_module("nuanxin.casework.migrations.0007_request_event_action")
    hr = casework.request_create(
        user=community_worker, source="hotline", need_type="other", description="x",
        person_id=ms_cai.pk,
    )  # fmt: skip
    old = ["分诊: 冬天无热水", "triage", "重复求助 #12 已并入", "merge into another request: dup"]
    for note in old:
        RequestEvent.objects.create(request=hr, at=timezone.now(), to_status="new", note=note)

    migration.split_notes(apps, None)

    got = list(RequestEvent.objects.filter(note__in=["冬天无热水", "", "#12", "dup"], action__gt="")
               .exclude(action="create").values_list("action", "note"))  # fmt: skip
    assert sorted(got) == sorted(
        [("triage", "冬天无热水"), ("triage", ""), ("merged_in", "#12"), ("merge", "dup")]
    )


def test_it_offers_the_next_person_on_the_list_after_a_visit(client, grid_worker, places):
    first = enrolled(region=HEMEI_GRID1, tier="red")
    second = enrolled(region=HEMEI_GRID1, tier="red")
    client.force_login(grid_worker)
    page = client.get(f"/visits/new/{first.pk}/")
    form = page.context["form"]
    data = {
        "client_id": form.initial["client_id"],
        "visited_on": timezone.localdate().isoformat(),
        "method": "home",
        "with_whom": "grid_worker",
        "outcome": "met",
        "f-TOTAL_FORMS": "0",
        "f-INITIAL_FORMS": "0",
        "f-MIN_NUM_FORMS": "0",
        "f-MAX_NUM_FORMS": "10",
    }

    done = client.post(f"/visits/new/{first.pk}/", data, follow=True)

    assert done.context["next_duty"].person_id == second.pk
    assert f'href="/visits/new/{second.pk}/"' in done.content.decode()


def test_it_offers_only_field_workers_as_assignees_and_preselects_the_usual_one(
    client, grid_worker, city_admin, district_officer, volunteer, ms_cai
):
    client.force_login(grid_worker)

    form = client.get(f"/visits/new/{ms_cai.pk}/").context["findings"].forms[0]

    values = {value for value, _label in form.fields["assignee"].choices}
    assert str(volunteer.pk) in values and str(grid_worker.pk) in values
    assert str(city_admin.pk) not in values and str(district_officer.pk) not in values
    assert form.fields["assignee"].initial == str(grid_worker.pk)
    assert form.FIELDS_FOR["tier"] == "raise_tier"


def test_it_tells_a_things_name_from_a_persons_and_a_result_from_a_visits_outcome():
    from django.utils import translation
    from django.utils.translation import pgettext

    with translation.override("zh-hans"):
        assert pgettext("thing", "Name") == "名称"
        assert pgettext("result of work", "Outcome") == "结果"
        assert translation.gettext("Outcome") == "探访结果"


def test_it_gives_link_only_users_their_pages_on_the_home_page(client, volunteer):
    client.force_login(volunteer)

    html = client.get("/").content.decode()

    assert 'id="my-pages"' in html and 'href="/tasks/' in html
