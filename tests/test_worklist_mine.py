"""A worker whose area is a street still sees, first, the duties that name them."""

from django.utils import timezone

from nuanxin.casework.services.care_plans import care_plan_create
from tests.factories import make_person, make_user


def test_it_lists_my_care_sessions_above_the_street_counts(client, places):
    person = make_person(name="李奶奶", region="510104010001", phone="13980010001")
    worker = make_user("chunxi_social", "social_worker", "510104010000")
    other = make_user("chunxi_social2", "social_worker", "510104010000")
    today = timezone.localdate()
    care_plan_create(
        user=worker,
        person_id=person.pk,
        kind="psychological",
        goals="每周谈心，缓解孤独",
        responsible=[worker],
        starts_on=today,
        recurrence="weekly",
        sessions=12,
    )
    client.force_login(worker)
    response = client.get("/worklist/", HTTP_ACCEPT_LANGUAGE="en")
    mine = response.context["mine"]
    assert [d.kind for d in mine] == ["care_session"]
    assert mine[0].due_on == today
    content = response.content.decode()
    assert "Assigned to me" in content
    # Staff see the phone masked here, as everywhere else.
    assert "13980010001" not in content
    assert "139****0001" in content

    client.force_login(other)
    response = client.get("/worklist/")
    assert response.context["mine"] == []
