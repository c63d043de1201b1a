def test_it_serves_the_login_page(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_it_makes_people_through_services(ms_cai, community_worker):
    from nuanxin.registry.models import Person

    assert Person.objects.restrict(community_worker).filter(pk=ms_cai.pk).exists()
    assert ms_cai.name_initials == "cay"
