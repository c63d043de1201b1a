"""Access cases for going live (format: tests/url_cases.py): staff, the roster, grids.

The staff list is for officers (the city administrator and district officers, over
the staff of their area); the roster import and its one-time credentials for the
city administrator only; adding a grid for the city administrator and district
officers, under a community of their area. Everyone else gets 404: a page they
never see. Every persona may change their own password.
"""

from tests.url_cases import page

OFFICERS = {"district_officer": 200, "city_admin": 200, "outsider": 200}


def _grid(s):
    """A new grid under 和美社区 (the walk's community)."""
    return {"community": s.person.region_id[:12], "number": "077", "name": "走查网格"}


CASES = [
    page("accounts:password_change", scope="list", ok=200, denied=200),
    page("accounts:password_change", method="POST", scope="list", ok=200, denied=200),
    page("accounts:staff_list", scope="list", ok=404, denied=404, expect=OFFICERS),
    page("accounts:roster_import", scope="list", ok=404, denied=404, expect={"city_admin": 200}),
    # An empty upload: the form again, with its error (city admin); nobody else has the page.
    page(
        "accounts:roster_import",
        method="POST",
        scope="list",
        ok=404,
        denied=404,
        expect={"city_admin": 200},
    ),
    # No roster imported in this session: nothing to download, for anyone.
    page("accounts:roster_credentials", scope="list", ok=404, denied=404),
    page("accounts:grid_create", scope="list", ok=404, denied=404, expect=OFFICERS),
    # 锦江区's officer has no 和美社区 among the choices: the form again (200).
    page(
        "accounts:grid_create",
        method="POST",
        scope="list",
        data=_grid,
        ok=404,
        denied=404,
        expect={"district_officer": 302, "city_admin": 302, "outsider": 200},
    ),
]
