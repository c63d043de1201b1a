"""Access cases for the provider directory (format: tests/url_cases.py).

Providers are not personal data: every signed-in user reads them. Writing is
for district officers and the city admin, over their own districts.
"""

from nuanxin.directory.models import ServiceProvider
from tests.url_cases import builder, page

CHENGHUA = "510108000000"
# Readers of a provider that is not theirs to edit: the page exists, the edit is refused.
# Everyone signed in who is not a directory editor (district officers, the city admin).
NOT_EDITORS = (
    "community_worker",
    "outsider",
    "volunteer",
    "provider",
    "partner_contact",
    "inspector",
    "dual",
)
EVERYONE = dict.fromkeys(NOT_EDITORS, 200)


@builder("chenghua_provider")
def _chenghua_provider(s):
    provider = ServiceProvider.objects.create(name="成华维修 (access test)", kind="repair")
    provider.service_area.set([CHENGHUA])
    return provider.pk


def _provider_form(s):
    return {
        "name": "成华新维修点",
        "kind": "repair",
        "service_area": [CHENGHUA],
        "active": "on",
        "c-TOTAL_FORMS": "0",
        "c-INITIAL_FORMS": "0",
    }


NOT_EDITORS_403 = dict.fromkeys(NOT_EDITORS, 403)

CASES = [
    page("directory:provider_list", scope="list"),
    page("directory:provider_detail", kwargs={"pk": "chenghua_provider"}, expect=EVERYONE),
    # Only users who change a district or more: a community worker finds no such page.
    page(
        "directory:provider_new",
        scope="create",
        action="change",
        expect={"community_worker": 404, "dual": 404},
    ),
    page(
        "directory:provider_new",
        scope="create",
        action="change",
        method="POST",
        data=_provider_form,
        ok=302,
        # 锦江区's officer may add providers, but not for 成华区: the form answers with the error.
        expect={"community_worker": 404, "dual": 404, "outsider": 200},
    ),
    page(
        "directory:provider_edit",
        kwargs={"pk": "chenghua_provider"},
        action="change",
        expect=NOT_EDITORS_403,
    ),
    page(
        "directory:provider_edit",
        kwargs={"pk": "chenghua_provider"},
        action="change",
        method="POST",
        data=_provider_form,
        ok=302,
        expect=NOT_EDITORS_403,
    ),
]

# The organisations and the hotline sheet: every signed-in user reads them.
CASES += [
    page("directory:organisation_list", scope="list"),
    page("directory:hotline_sheet", scope="list", query="region=510108010001"),
]
