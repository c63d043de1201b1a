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
