"""`nuanxin users import` and the staff pages (issue #17 item 2), and grids from a page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from nuanxin.accounts.models import User
from nuanxin.accounts.services import roster_import
from nuanxin.audit.models import AuditEvent
from nuanxin.regions.models import Region
from tests.conftest import CHENGHUA, HEMEI, HEMEI_GRID1, JINJIANG

ROSTER = (
    "姓名,手机,角色,区划代码,用户名\n"
    f"孙婷,13812345678,网格员,{HEMEI_GRID1},\n"
    f"王强,13900001111,district_officer,{CHENGHUA},wangqiang\n"
    f"王强,13900001111,Inspector,{CHENGHUA},wangqiang\n"
)


def _file(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_creates_staff_once_with_one_time_passwords_kept_out_of_the_audit(tmp_path, places):
    path = _file(tmp_path, ROSTER)
    credentials = tmp_path / "credentials.xlsx"
    out = io.StringIO()
    call_command("users", "import", str(path), "-o", str(credentials), stdout=out)
    sun = User.objects.get(username="sunting5678")  # pinyin of the name + the phone's last four
    assert sun.full_name == "孙婷" and sun.must_change_password
    assert [(m.role, m.region_id) for m in sun.memberships.all()] == [("grid_worker", HEMEI_GRID1)]
    wang = User.objects.get(username="wangqiang")
    assert {m.role for m in wang.memberships.all()} == {"district_officer", "inspector"}
    rows = CalamineWorkbook.from_path(str(credentials)).get_sheet_by_index(0).to_python()
    passwords = {row[0]: row[5] for row in rows[1:]}
    assert set(passwords) == {"sunting5678", "wangqiang"}
    assert sun.check_password(passwords["sunting5678"])
    event = AuditEvent.objects.get(action="import", object_type="accounts.user")
    assert event.changes["created"] == 2 and event.changes["updated"] == 1
    for password in passwords.values():
        assert password not in out.getvalue() and password not in str(event.changes)

    again = roster_import(path=path)
    assert again.counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert User.objects.filter(full_name="孙婷").count() == 1


def test_it_rejects_rows_naming_an_unknown_role_or_region_with_their_number(tmp_path, places):
    text = (
        "name,phone,role,region code,username\n"
        f"甲,13812340001,mayor,{HEMEI},\n"
        "乙,13812340002,grid_worker,510108999999,\n"
        f"丙,12345,grid_worker,{HEMEI},\n"
        f",13812340004,grid_worker,{HEMEI},\n"
        f"丁,13812340005,grid_worker,{HEMEI},bad name!\n"
        f"戊,13812340006,网格员,{HEMEI},\n"
    )
    outcome = roster_import(path=_file(tmp_path, text), dry_run=True)
    assert [(r.number, r.reasons[0][0]) for r in outcome.rejected] == [
        (2, "role_unknown"),
        (3, "region_unknown"),
        (4, "phone_invalid"),
        (5, "name_missing"),
        (6, "username_invalid"),
    ]
    assert [row.username for row, _p in outcome.created] == ["wu0006"]
    assert not User.objects.filter(username="wu0006").exists()  # a dry run


def test_it_refuses_a_roster_longer_than_the_page_takes(tmp_path, places):
    from nuanxin.core.tables import TableError

    with pytest.raises(TableError):
        roster_import(path=_file(tmp_path, ROSTER), max_rows=2)
    assert not User.objects.filter(username="wangqiang").exists()


def test_it_rejects_a_username_that_is_someone_elses(tmp_path, community_worker):
    text = f"姓名,手机,角色,区划代码,用户名\n张三,13812340007,网格员,{HEMEI},hemei_worker\n"
    outcome = roster_import(path=_file(tmp_path, text))
    assert [r.reasons for r in outcome.rejected] == [[("username_taken", "username")]]


def test_it_makes_a_one_time_password_lead_to_the_password_page(client, tmp_path, places):
    credentials = tmp_path / "c.xlsx"
    text = f"姓名,手机,角色,区划代码\n孙婷,13812345678,社区工作者,{HEMEI}\n"
    call_command("users", "import", str(_file(tmp_path, text)), "-o", str(credentials),
                 stdout=io.StringIO())  # fmt: skip
    password = CalamineWorkbook.from_path(str(credentials)).get_sheet_by_index(0).to_python()[1][5]
    response = client.post(reverse("login"), {"username": "sunting5678", "password": password})
    assert response.status_code == 302
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:password_change"))
    new = "a-long-new-passphrase-42"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user = User.objects.get(username="sunting5678")
    assert not user.must_change_password and user.check_password(new)
    assert client.get("/people/").status_code == 200


def test_it_lets_the_city_admin_upload_a_roster_and_download_the_credentials_once(
    client, city_admin
):
    client.force_login(city_admin)
    upload = SimpleUploadedFile("roster.csv", ROSTER.encode(), content_type="text/csv")
    response = client.post(reverse("accounts:roster_import"), {"file": upload})
    assert response.status_code == 200
    assert "sunting5678" in response.content.decode()
    first = client.get(reverse("accounts:roster_credentials"))
    assert first.status_code == 200 and first.content.startswith(b"PK")
    assert client.get(reverse("accounts:roster_credentials")).status_code == 404


def test_it_lists_staff_of_the_officers_area_only(client, district_officer, outsider,
                                                  community_worker, city_admin):  # fmt: skip
    client.force_login(district_officer)
    text = client.get(reverse("accounts:staff_list")).content.decode()
    assert "hemei_worker" in text and "jinjiang_officer" not in text
    text = client.get(reverse("accounts:staff_list"), {"role": "district_officer"}).content.decode()
    assert "chenghua_officer" in text and "hemei_worker" not in text
    client.force_login(outsider)
    text = client.get(reverse("accounts:staff_list"), {"region": CHENGHUA}).content.decode()
    assert "hemei_worker" not in text
    client.force_login(city_admin)
    text = client.get(reverse("accounts:staff_list"), {"region": JINJIANG}).content.decode()
    assert "jinjiang_officer" in text and "hemei_worker" not in text


def test_it_adds_a_grid_under_a_community_of_the_officers_area(client, district_officer, outsider):
    from django.core.exceptions import ValidationError
    from django.http import Http404

    from nuanxin.accounts.services import grid_create

    client.force_login(district_officer)
    response = client.post(
        reverse("accounts:grid_create"), {"community": HEMEI, "number": "009", "name": "第九网格"}
    )
    assert response.status_code == 302
    assert Region.objects.get(code=HEMEI + "009").parent_id == HEMEI
    assert AuditEvent.objects.filter(action="create", object_id=HEMEI + "009").exists()
    with pytest.raises(ValidationError):
        grid_create(by=district_officer, community_code=HEMEI, number="009", name="again")
    with pytest.raises(Http404):  # 锦江区's officer: 和美社区 is out of sight
        grid_create(by=outsider, community_code=HEMEI, number="010", name="x")


def test_it_updates_the_name_and_phone_of_existing_staff_on_a_reimport(tmp_path, places):
    roster_import(path=_file(tmp_path, ROSTER))
    text = (
        "姓名,手机,角色,区划代码,用户名\n"
        f"孙婷,13812349999,网格员,{HEMEI_GRID1},sunting5678\n"  # a new phone
        f"王小强,13900001111,district_officer,{CHENGHUA},wangqiang\n"  # a new name
        f"王小强,13900001111,Inspector,{CHENGHUA},wangqiang\n"
    )
    path = _file(tmp_path, text, "roster2.csv")

    checked = roster_import(path=path, dry_run=True)
    assert checked.counts()["updated"] == 2
    assert User.objects.get(username="wangqiang").full_name == "王强"  # a dry run

    outcome = roster_import(path=path)
    assert outcome.counts() == {"rows": 3, "created": 0, "updated": 2, "unchanged": 1,
                                "rejected": 0}  # fmt: skip
    assert [r.changed for r in outcome.updated] == [["phone"], ["full_name"]]
    sun, wang = User.objects.get(username="sunting5678"), User.objects.get(username="wangqiang")
    assert (sun.full_name, sun.phone) == ("孙婷", "13812349999")
    assert (wang.full_name, wang.phone) == ("王小强", "13900001111")
    assert not User.objects.filter(full_name="王强").exists()
    changes = {
        e.object_id: e.changes
        for e in AuditEvent.objects.filter(action="update", object_type="accounts.user")
    }
    assert changes == {
        str(sun.pk): {"phone": ["138****5678", "138****9999"]},
        str(wang.pk): {"full_name": ["王强", "王小强"]},
    }

    again = roster_import(path=path)
    assert again.counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_it_says_on_the_command_line_what_a_reimport_updates(tmp_path, places):
    roster_import(path=_file(tmp_path, ROSTER))
    text = f"姓名,手机,角色,区划代码,用户名\n王小强,13900001111,网格员,{HEMEI_GRID1},wangqiang\n"
    out = io.StringIO()
    call_command("users", "import", str(_file(tmp_path, text, "r2.csv")), "--dry-run", stdout=out)
    assert "would add grid_worker @" in out.getvalue()
    assert "would update full_name of wangqiang" in out.getvalue()
    assert User.objects.get(username="wangqiang").full_name == "王强"


def test_it_takes_a_username_with_another_name_and_another_phone_for_someone_else(tmp_path, places):
    roster_import(path=_file(tmp_path, ROSTER))
    text = f"姓名,手机,角色,区划代码,用户名\n李四,13700002222,inspector,{CHENGHUA},wangqiang\n"
    outcome = roster_import(path=_file(tmp_path, text, "r3.csv"))
    assert [r.reasons for r in outcome.rejected] == [[("username_taken", "username")]]
    wang = User.objects.get(username="wangqiang")
    assert (wang.full_name, wang.phone) == ("王强", "13900001111")
