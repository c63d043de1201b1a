"""The second factor: required for city administrators, district officers and staff,
optional for others; enrolment, recovery codes, reset, and the demo's codes
(issue #11, item 6). These tests log in through the real pages: password, then code.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nuanxin.accounts import otp
from nuanxin.accounts.services import otp_demo_enrol
from nuanxin.audit.models import AuditEvent
from tests.factories import make_user
from tests.security import current_code

LOGIN = reverse("login")
VERIFY = reverse("accounts:otp_verify")
ENROL = reverse("accounts:otp_enrol")
RECOVERY = reverse("accounts:otp_recovery")
SECURITY = reverse("accounts:security")
PASSWORD = "correct-horse-9"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _password(client, username, next_url="/"):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(client, code, next_url=""):
    return client.post(VERIFY, {"code": code, "next": next_url})


def test_it_asks_a_city_admin_for_a_code_after_the_password(en_client, city_admin):
    _device(city_admin)
    _password(en_client, "city_admin", "/people/")
    # Logged in by password only: every page sends them to the code first.
    for url in ("/people/", "/audit/", "/admin/", reverse("accounts:token_list")):
        response = en_client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(VERIFY), url
    page = en_client.get(f"{VERIFY}?next=/people/").content.decode()
    assert "Password accepted for city_admin" in page
    response = _code(en_client, "000000", "/people/")
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    city_admin_device = otp.totp_device(city_admin)
    city_admin_device.throttle_reset()  # the wrong code above set a 1 s back-off
    response = _code(en_client, current_code(city_admin), "/people/")
    assert response.status_code == 302 and response.url == "/people/"
    assert en_client.get("/people/").status_code == 200
    assert en_client.get("/audit/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(username="city_admin")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["login", "otp_failed", "otp_verified"]


def test_it_backs_off_after_a_wrong_code(en_client, district_officer):
    _device(district_officer)
    _password(en_client, "chenghua_officer")
    _code(en_client, "000000")
    response = _code(en_client, current_code(district_officer))
    assert response.status_code == 200
    assert "Too many wrong codes: wait" in response.content.decode()


def test_it_refuses_a_code_used_already(en_client, district_officer):
    _device(district_officer)
    _password(en_client, "chenghua_officer")
    code = current_code(district_officer)
    assert _code(en_client, code).status_code == 302
    en_client.post(reverse("logout"))
    _password(en_client, "chenghua_officer")
    assert _code(en_client, code).status_code == 200  # replayed: refused


def test_it_enrols_a_required_user_before_anything_else(en_client, district_officer):
    _password(en_client, "chenghua_officer", "/people/")
    response = en_client.get("/people/")
    assert response.status_code == 302 and response.url.startswith(ENROL)
    page = en_client.get(response.url).content.decode()
    assert "Your role needs a second factor" in page
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1)
    device = otp.totp_device(district_officer, confirmed=False)
    assert secret.replace(" ", "") in otp.secret_base32(device).replace(" ", "")
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # nothing inline for the CSP to refuse
    response = en_client.post(ENROL, {"code": "123", "next": "/people/"})
    assert "That code is not right" in response.content.decode()
    device.throttle_reset()
    response = en_client.post(ENROL, {"code": current_code(district_officer), "next": "/people/"})
    assert response.status_code == 302 and response.url.startswith(RECOVERY)
    page = en_client.get(response.url).content.decode()
    codes = re.findall(r'<li class="list-group-item">([a-z2-7]{8})</li>', page)
    assert len(codes) == 10
    assert 'href="/people/"' in page
    # Shown once.
    assert en_client.get(RECOVERY).status_code == 302
    assert en_client.get("/people/").status_code == 200
    assert AuditEvent.objects.filter(action="create", object_type="otp.device").exists()

    # Next login: password, then one of the recovery codes — once.
    en_client.post(reverse("logout"))
    _password(en_client, "chenghua_officer")
    response = _code(en_client, codes[0].upper())
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=district_officer).count() == 9
    en_client.post(reverse("logout"))
    _password(en_client, "chenghua_officer")
    assert _code(en_client, codes[0]).status_code == 200


def test_it_requires_it_for_staff(en_client, places):
    staff = make_user("ops", "community_worker", "510108010001")
    staff.is_staff = True
    staff.save()
    _password(en_client, "ops")
    response = en_client.get("/")
    assert response.url.startswith(ENROL)


def test_it_leaves_others_alone_unless_they_enrol(en_client, community_worker):
    _password(en_client, "hemei_worker")
    assert en_client.get("/people/").status_code == 200
    page = en_client.get(SECURITY).content.decode()
    assert "Set up a second factor" in page
    en_client.get(ENROL)
    en_client.post(ENROL, {"code": current_code(community_worker)})
    en_client.post(reverse("logout"))
    # Enrolled by choice: asked for the code from now on.
    _password(en_client, "hemei_worker")
    assert en_client.get("/people/").url.startswith(VERIFY)
    assert _code(en_client, current_code(community_worker, offset_steps=1)).status_code == 302
    # And may remove it again, with a current code.
    response = en_client.post(reverse("accounts:otp_remove"), {"code": "999999"})
    assert "That code is not right" in response.content.decode()
    device = otp.totp_device(community_worker)
    device.throttle_reset()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # this 30 s step was used
    en_client.post(
        reverse("accounts:otp_remove"),
        {"code": current_code(community_worker, offset_steps=1)},
    )
    assert not otp.has_device(community_worker)


def test_it_keeps_a_required_factor(client, district_officer):
    client.force_login(district_officer)
    response = client.post(reverse("accounts:otp_remove"), {"code": "123456"})
    assert response.status_code == 302
    assert otp.has_device(district_officer)


def test_it_resets_a_device_from_the_command(en_client, district_officer):
    en_client.force_login(district_officer)  # a verified session (tests/security.py)
    assert en_client.get("/people/").status_code == 200
    out = io.StringIO()
    call_command("otp", "reset", "chenghua_officer", "--reason", "lost phone", stdout=out)
    assert "must enrol again" in out.getvalue()
    assert not otp.has_device(district_officer)
    event = AuditEvent.objects.get(action="delete", object_type="otp.device")
    assert (event.username, event.reason) == ("", "lost phone")
    # The open session loses its verification at once.
    assert en_client.get("/people/").url.startswith(ENROL)
    with pytest.raises(CommandError):
        call_command("otp", "reset", "nobody", stdout=out)


def test_it_prints_demo_codes_and_no_others(db, city_admin, district_officer, settings):
    demo = otp_demo_enrol(user=city_admin)
    assert demo.key == otp.demo_key("city_admin") and demo.confirmed
    out, err = io.StringIO(), io.StringIO()
    settings.DEBUG = False  # a demo secret is public like the demo password: still printed
    call_command("otp", "code", "city_admin", stdout=out, stderr=err)
    code = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"\d{6}", code)
    assert demo.verify_token(code)
    _device(district_officer)  # a real enrolment
    for debug in (True, False):
        settings.DEBUG = debug
        with pytest.raises(CommandError, match="real enrolment"):
            call_command("otp", "code", "chenghua_officer", stdout=out, stderr=err)
    # A device named "demo" with a secret that is not the demo one is real too.
    real = otp.totp_device(district_officer)
    real.name = otp.DEMO_DEVICE_NAME
    real.save()
    with pytest.raises(CommandError, match="real enrolment"):
        call_command("otp", "code", "chenghua_officer", stdout=out, stderr=err)


def test_it_keeps_next_on_this_site(en_client, city_admin):
    _device(city_admin)
    _password(en_client, "city_admin")
    response = _code(en_client, current_code(city_admin), "https://evil.example/")
    assert response.status_code == 302 and response.url == "/"


def test_it_leaves_the_api_to_its_tokens(client, city_admin, ms_cai):
    from nuanxin.accounts.services import api_token_create

    _device(city_admin)
    _password(client, "city_admin")  # an unverified session in the same client
    token = api_token_create(user=city_admin)
    response = client.get("/api/v1/persons", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_it_shows_the_security_page_in_both_languages(client, community_worker):
    client.force_login(community_worker)
    page = client.get(SECURITY).content.decode()
    assert "第二重验证" in page and "管理API令牌" in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Second factor" in client.get(SECURITY).content.decode()


def test_it_keeps_the_demo_two_commands_away(client, db):
    """`nuanxin demo` enrols the logins that need a second factor with demo secrets and
    says how to get a code; `nuanxin otp code city` then lets a newcomer in as `city`."""
    from nuanxin.accounts.models import User
    from nuanxin.demo.management.commands.demo import Command as Demo
    from nuanxin.demo.users import DEMO_PASSWORD, demo_users_ensure

    demo = Demo(stdout=io.StringIO())
    demo.logins = demo_users_ensure()
    demo._print_logins(8000)
    printed = demo.stdout._out.getvalue()
    assert "city, district also need a second-factor code" in printed
    assert "otp code city" in printed
    for username in ("city", "district"):
        assert otp.is_demo_device(otp.totp_device(User.objects.get(username=username)))
    assert otp.totp_device(User.objects.get(username="community")) is None

    client.post(LOGIN, {"username": "city", "password": DEMO_PASSWORD})
    assert client.get("/").url.startswith(VERIFY)
    out = io.StringIO()
    call_command("otp", "code", "city", stdout=out, stderr=io.StringIO())
    assert _code(client, out.getvalue().split()[-1]).status_code == 302
    assert client.get("/").status_code == 200
    # Demo logins without the requirement go straight in, as before.
    client.post(reverse("logout"))
    client.post(LOGIN, {"username": "community", "password": DEMO_PASSWORD})
    assert client.get("/").status_code == 200


def test_it_changes_the_session_key_when_the_code_passes(client, city_admin, settings):
    _device(city_admin)
    _password(client, "city_admin")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _code(client, current_code(city_admin)).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    # The session still ends after a working day without use, and with the browser.
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_it_keeps_secrets_out_of_the_admin(client, db):
    from django.contrib.auth import get_user_model

    from nuanxin.accounts.services import otp_enrol_confirm, otp_enrol_start

    root = get_user_model().objects.create_superuser("root", "r@example.org", "pw-9-long-enough")
    device = otp_enrol_start(user=root)
    check, codes = otp_enrol_confirm(user=root, code=otp.code_at(device))
    assert check.ok
    client.force_login(root)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key not in page.content.decode()
    config = f"/admin/otp_totp/totpdevice/{device.pk}/config/"
    assert client.get(config).status_code == 403
    static = otp.recovery_device(root)
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk]))
    assert not any(code in page.content.decode() for code in codes)
