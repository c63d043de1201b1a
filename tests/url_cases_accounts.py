"""Access cases for account security pages (format: tests/url_cases.py).

These pages are about the signed-in user themselves, not about 蔡阿姨: every
persona reaches their own. What differs is the second factor (the walk's
force_login passes it for city admins and district officers, who must have
one) and lifting locks (district officers and the city admin, over users
below them).
"""

from tests.url_cases import builder, page

OFFICERS = {"district_officer": 200, "city_admin": 200, "outsider": 200}
REQUIRED = ("district_officer", "city_admin", "outsider")


@builder("api_token")
def _api_token(s):
    """A token of 和美社区's community worker (the "community_worker" persona)."""
    from nuanxin.accounts.models import ApiToken
    from nuanxin.accounts.services import api_token_create

    token = api_token_create(user=s.worker, name="walk")
    return ApiToken.objects.get(digest=ApiToken.digest_of(token)).pk


CASES = [
    page("accounts:security", scope="list"),
    # Past the second factor already (or never asked for one): back to where they were.
    page("accounts:otp_verify", scope="list", ok=302, denied=302),
    # Those who must have a device have one (the walk's); the others may enrol.
    page(
        "accounts:otp_enrol",
        scope="list",
        ok=200,
        denied=200,
        expect={persona: 302 for persona in REQUIRED},
    ),
    # Recovery codes are shown once, right after they are made: none are waiting.
    page("accounts:otp_recovery", scope="list", ok=302, denied=302),
    # New recovery codes need a verified session with an authenticator.
    page(
        "accounts:otp_recovery",
        method="POST",
        scope="list",
        ok=404,
        denied=404,
        expect={persona: 302 for persona in REQUIRED},
    ),
    page("accounts:otp_remove", method="POST", scope="list", ok=302, denied=302),
    page("accounts:token_list", scope="list"),
    page(
        "accounts:token_list",
        method="POST",
        scope="list",
        data={"name": "walk", "days": "30"},
        ok=302,
        denied=302,
    ),
    # Only its owner revokes a token; anyone else gets 404, as if it did not exist.
    page(
        "accounts:token_revoke",
        method="POST",
        kwargs={"pk": "api_token"},
        scope="list",
        ok=404,
        denied=404,
        expect={"community_worker": 302},
    ),
    # Officers see the locks of users below them; nobody else has the page.
    page("accounts:lock_list", scope="list", ok=404, denied=404, expect=OFFICERS),
    # 和美社区's worker is below 成华区's officer and the city admin, not 锦江区's officer.
    page(
        "accounts:lock_lift",
        method="POST",
        scope="list",
        data={"username": "hemei_worker"},
        ok=404,
        denied=404,
        expect={"district_officer": 302, "city_admin": 302},
    ),
]
