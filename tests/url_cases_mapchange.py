"""Access cases for administrative changes of the map (format: tests/url_cases.py).

The pages are the city administrator's alone: for everyone else they do not exist (404).
/api/v1/region-changes lists the changes of the regions a user may audit: for every
role but the city administrator's an empty list.
"""

from nuanxin.mapchange import services
from tests.url_cases import api, builder, page

HEMEI = "510108010001"
ONLY_THE_CITY = dict(scope="create", action="audit", denied=404)


@builder("map_change")
def _map_change(s):
    return services.change_rename(user=None, code=HEMEI, name="和美新社区").change.pk


@builder("kind_merge")
def _kind_merge(s):
    return "merge"  # the form's kind (a URL word, not a row)


@builder("kind_rename")
def _kind_rename(s):
    return "rename"


def _with_change(s):
    s.pk("map_change")
    return {}


def _rename(s):
    return {"code": HEMEI, "name": "和美社区（新）"}


CASES = [
    page("mapchange:change_list", **ONLY_THE_CITY),
    page("mapchange:change_detail", kwargs={"pk": "map_change"}, **ONLY_THE_CITY),
    page("mapchange:change_new", kwargs={"kind": "kind_merge"}, **ONLY_THE_CITY),
    page(
        "mapchange:change_new",
        kwargs={"kind": "kind_rename"},
        method="POST",
        data=_rename,
        label="preview",
        **ONLY_THE_CITY,
    ),
    page(
        "mapchange:change_new",
        kwargs={"kind": "kind_rename"},
        method="POST",
        data=lambda s: {**_rename(s), "apply": "1"},
        ok=302,
        label="apply",
        **ONLY_THE_CITY,
    ),
    api("api:region_change_list", scope="list", action="audit", data=_with_change),
]
