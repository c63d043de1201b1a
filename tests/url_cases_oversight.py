"""Access cases for the oversight pages and /api/v1/spot-checks (format: tests/url_cases.py)."""

from django.utils import timezone

from nuanxin.oversight import services
from nuanxin.oversight.models import SpotCheckCall
from tests.url_cases import api, builder, page

BAOHE = "510108010000"  # 蔡阿姨's street
HEMEI = "510108010001"  # her community
CHENGHUA = "510108000000"
CALL = {"pk": "spot_check_call"}
# The setting is the district's: a community worker who may change 蔡阿姨's records may not
# set how many people the whole district calls (403: the district is in sight).
DISTRICT_ONLY = {"community_worker": 403, "dual": 403}


@builder("spot_check_call")
def _spot_check_call(s):
    """Today's draw of 保和街道: 蔡阿姨 is its only recipient, so she is drawn."""
    services.spot_check_draw(user=None, street_code=BAOHE, day=timezone.localdate())
    return SpotCheckCall.objects.get(person=s.person, day=timezone.localdate()).pk


def _call_in(s):
    s.pk("spot_check_call")
    return {
        "person_id": s.person.pk,
        "date": timezone.localdate().isoformat(),
        "reached": False,
        "notes": "access test",
    }


CASES = [
    page("oversight:index", scope="create"),
    page("oversight:spot_checks", query=f"region={BAOHE}"),
    page("oversight:call_record", kwargs=CALL),
    page(
        "oversight:call_record",
        kwargs=CALL,
        method="POST",
        data={"reached": "no", "urgency": "normal"},
        action="change",
        ok=302,
    ),
    page("oversight:spot_check_report", query=f"region={CHENGHUA}"),
    page(
        "oversight:spot_check_report",
        query=f"region={HEMEI}&export=xlsx",
        action="export",
        label="export",
    ),
    page(
        "oversight:spot_check_setting",
        query=f"region={CHENGHUA}",
        action="change",
        expect=DISTRICT_ONLY,
    ),
    page(
        "oversight:spot_check_setting",
        query=f"region={CHENGHUA}",
        method="POST",
        data={"count": "3", "skip_days": "30"},
        action="change",
        ok=302,
        expect=DISTRICT_ONLY,
    ),
    api("api:spot_check_list", query=f"region={BAOHE}"),
    api("api:spot_check_call", method="POST", data=_call_in, action="change", ok=201),
    api("api:spot_check_report", query=f"region={CHENGHUA}"),
]
