"""Guardianship of minors: a guardian missing or unable makes the child red and a blind spot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from nuanxin.registry.models import Person
from nuanxin.registry.services import contact_add
from tests.factories import make_person


@pytest.fixture
def xiao_hong(places, community_worker):
    """10, a left-behind child in 和美社区; her mother works away, her grandmother cares."""
    today = timezone.localdate()
    child = make_person(
        name="小红",
        region="510108010001002",
        birth=today.replace(year=today.year - 10) - dt.timedelta(days=3),
        categories=["left_behind_child"],
    )
    contact_add(user=community_worker, person=child, name="王芳", relation="母亲", is_guardian=True)
    return child


def spots(client, person) -> list:
    response = client.get("/blind-spots/")
    return [
        d
        for d in response.context["others"]
        if d.kind == "guardianship" and d.person_id == person.pk
    ]


def test_it_makes_a_child_with_a_missing_guardian_red_and_a_blind_spot_until_a_measure(
    client, community_worker, xiao_hong
):
    client.force_login(community_worker)
    url = f"/care/guardianship/{xiao_hong.pk}/"
    page = client.get(url)
    [(guardian, evaluation)] = page.context["guardians"]
    assert evaluation is None
    response = client.post(
        url,
        {
            "action": "evaluate",
            "evaluate-guardian": guardian.pk,
            "evaluate-situation": "unable",
            "evaluate-evaluated_on": timezone.localdate().isoformat(),
        },
    )
    # "Unable" needs its ground (custody, illness, disability, whereabouts unknown).
    assert response.status_code == 200
    assert "unable_reason" in response.context["form"].errors
    response = client.post(
        url,
        {
            "action": "evaluate",
            "evaluate-guardian": guardian.pk,
            "evaluate-situation": "unable",
            "evaluate-unable_reason": "whereabouts",
            "evaluate-evaluated_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=xiao_hong.pk).tier == "red"
    [spot] = spots(client, xiao_hong)
    assert "王芳" in spot.label
    evaluation = client.get(url).context["guardians"][0][1]
    response = client.post(
        url,
        {
            "action": "measure",
            "measure-evaluation": evaluation.pk,
            "measure-measure": "祖母刘某委托监护，纳入事实无人抚养儿童认定",
        },
    )
    assert response.status_code == 302
    assert spots(client, xiao_hong) == []
    assert "祖母刘某委托监护" in client.get(url).content.decode()


def test_it_keeps_guardianship_out_of_sight_of_outsiders_and_links(
    client, outsider, volunteer, xiao_hong
):
    for user in (outsider, volunteer):
        client.force_login(user)
        assert client.get(f"/care/guardianship/{xiao_hong.pk}/").status_code == 404


def test_it_takes_an_under_14s_consent_only_from_a_guardian_able_to_care(
    client, community_worker, xiao_hong
):
    from django.core.exceptions import ValidationError

    from nuanxin.registry.models import Contact
    from nuanxin.registry.services import consent_record

    mother = Contact.objects.get(person=xiao_hong, name="王芳")
    grandmother = contact_add(
        user=community_worker, person=xiao_hong, name="李秀兰", relation="祖母", is_guardian=True
    )
    client.force_login(community_worker)
    client.post(
        f"/care/guardianship/{xiao_hong.pk}/",
        {
            "action": "evaluate",
            "evaluate-guardian": mother.pk,
            "evaluate-situation": "missing",
            "evaluate-evaluated_on": timezone.localdate().isoformat(),
        },
    )
    today = timezone.localdate()

    with pytest.raises(ValidationError) as refused:
        consent_record(user=community_worker, person=xiao_hong, purpose="share_partner",
                       method="written", given_on=today, given_by_guardian=mother)  # fmt: skip
    consent = consent_record(user=community_worker, person=xiao_hong, purpose="share_partner",
                             method="written", given_on=today, given_by_guardian=grandmother)  # fmt: skip

    assert "王芳" in str(refused.value)
    assert consent.given_by_guardian == grandmother
