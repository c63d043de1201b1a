"""Imports a clerk can finish: a template to start from, a result page that shows the
rows refused and why, and links to the people created; field names in words."""

import pytest
from django.urls import reverse

from nuanxin.registry.models import Person
from tests.test_ledgers import media, run_import, write_csv  # noqa: F401


def test_it_offers_a_template_that_imports_as_it_is(client, community_worker, tmp_path):
    client.force_login(community_worker)
    assert 'id="import-template"' in client.get(reverse("ledgers:import_start")).content.decode()

    response = client.get(reverse("ledgers:import_template"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "template.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    run = run_import(community_worker, path)
    assert run.summary["created"] == 1 and run.summary["rejected"] == 0
    assert Person.objects.filter(name="张桂兰").exists()


def test_it_shows_the_refused_rows_with_reasons_and_links_the_people_created(
    client, community_worker
):
    path = write_csv(
        [
            ["姓名", "身份证号", "所属社区"],
            ["周好", "510108195003040016", "和美社区"],
            ["错号", "510108195003040011", "和美社区"],
        ]
    )
    run = run_import(community_worker, path)
    created = Person.objects.get(name="周好")
    client.force_login(community_worker)

    html = client.get(
        reverse("ledgers:run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert f'href="/people/{created.pk}/"' in html
    rejected = html.split('id="rejected-rows"')[1]
    assert "错号" in rejected and "ID number" in rejected
    assert "id_number" not in rejected


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_names_the_fields_in_the_readers_language_on_the_preview(
    client, community_worker, language
):
    from nuanxin.ledgers import services

    path = write_csv([["姓名", "身份证号", "是否独居"], ["周好", "510108195003040016", "是"]])
    run = services.import_run_create(user=community_worker, files=[path])
    client.force_login(community_worker)

    html = client.get(
        reverse("ledgers:run_preview", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    for code in ("id_number", "lives_alone", ">name<"):
        assert code not in html
    assert ("lives alone" in html) == (language == "en")
