"""The home page per role: field workers see today's work first, officers the figures."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nuanxin.registry.services import enrollment_add
from tests.conftest import BAOHE, HEMEI_GRID1
from tests.factories import make_person

LONG_AGO = timezone.localdate() - dt.timedelta(days=90)


def overdue_person(name, region=HEMEI_GRID1, **fields):
    p = make_person(name=name, region=region, **fields)
    enrollment_add(user=None, person=p, category="dibao", start_date=LONG_AGO)
    return p


def test_it_shows_a_grid_worker_todays_worklist_first(client, grid_worker, places):
    overdue_person("赵一", living="alone", birth=dt.date(1935, 1, 1))
    client.force_login(grid_worker)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    home = response.context["home"]
    assert home.field and [d.person_name for d in home.worklist] == ["赵一"]
    html = response.content.decode()
    assert html.index("worklist") < html.index("Visit rate this month")


def test_it_shows_an_officer_the_months_figures_with_links(client, district_officer, places):
    for i in range(3):
        overdue_person(f"钱{i}")
    client.force_login(district_officer)
    response = client.get("/")
    home = response.context["home"]
    assert not home.field
    assert home.coverage.total.in_scope == 3 and home.coverage.total.missed == 3
    assert home.overdue_by_tier == {"red": 0, "yellow": 0, "blue": 3}
    assert [f.code for f in home.ranked] == [BAOHE]
    assert len(home.trend) == 12
    html = response.content.decode()
    assert f"/blind-spots/?region={BAOHE}" in html
    assert f"/coverage/?region={BAOHE}" in html
    assert "echarts.min.js" in html


def test_it_builds_the_home_page_in_a_fixed_number_of_queries(client, district_officer, places):
    overdue_person("孙一")
    client.force_login(district_officer)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(8):
        overdue_person(f"孙{i + 2}", region="510108020001")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert response.context["home"].coverage.total.in_scope == 9
    assert len(many) == len(few)
    # 31 before the running month was counted once for the figures and the trend; 25
    # before the user's region was read once and the session written back only when due.
    assert len(few) <= 21, len(few)


def test_it_shows_a_volunteer_an_empty_worklist(client, volunteer):
    client.force_login(volunteer)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["home"].region is None


def test_it_keeps_finished_months_and_drops_them_on_a_late_visit(district_officer, places):
    from nuanxin.regions.models import Region
    from nuanxin.visits import selectors, services
    from nuanxin.visits.models import CoverageMonth

    person = overdue_person("周一")
    today = timezone.localdate()
    chenghua = Region.objects.get(code="510108000000")
    assert services.coverage_months_store(region=chenghua, months=3, today=today) == 2
    trend = selectors.coverage_trend(region=chenghua, months=3, today=today)
    assert [f.missed for f in trend[-2:]] == [1, 1]
    assert CoverageMonth.objects.filter(region_code="510108000000").count() == 2
    assert services.coverage_months_store(region=chenghua, months=3, today=today) == 0
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.visit_record(
        user=district_officer, person_id=person.pk, visited_on=last_month, method="home",
        with_whom="community_worker", outcome="met",
    )  # fmt: skip
    assert not CoverageMonth.objects.filter(month=last_month).exists()
    trend = selectors.coverage_trend(region=chenghua, months=3, today=today)
    assert trend[-2].visited == 1


def test_it_counts_the_running_month_once_for_the_figures_and_the_trend(
    client, district_officer, places, monkeypatch
):
    from nuanxin.visits import selectors as visit_selectors

    overdue_person("孙一")
    client.force_login(district_officer)
    client.get("/")  # the finished months are stored on the first visit
    counted = []
    compute = visit_selectors.coverage_compute

    def spy(**kwargs):
        counted.append(kwargs["month"].replace(day=1))
        return compute(**kwargs)

    monkeypatch.setattr(visit_selectors, "coverage_compute", spy)
    response = client.get("/")
    home = response.context["home"]
    assert counted == [timezone.localdate().replace(day=1)]
    assert home.trend[-1] == home.coverage.total
    assert home.trend[-1].in_scope == 1
