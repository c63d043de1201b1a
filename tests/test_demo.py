"""The synthetic city, its story people, the demo logins and the `nuanxin demo` command."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from nuanxin.audit.models import AuditEvent
from nuanxin.core import idnumber
from nuanxin.core.access import Role
from nuanxin.core.phones import normalize_phone
from nuanxin.demo import steps
from nuanxin.demo.city import city_seed
from nuanxin.demo.story import STORY_PEOPLE, story_person
from nuanxin.demo.users import DEMO_LOGINS, DEMO_PASSWORD, demo_users_ensure
from nuanxin.regions.models import Region, prefix_q
from nuanxin.regions.selectors import known_area_codes
from nuanxin.registry.models import (
    CHILD_CATEGORIES,
    Category,
    Contact,
    Disability,
    DisabilityCategory,
    Enrollment,
    Household,
    Living,
    Person,
    Status,
)

TODAY = dt.date(2026, 6, 1)
ROOT = Path(__file__).resolve().parent.parent


def _seed(persons: int, seed: int = 7) -> None:
    city_seed(persons=persons, seed=seed, today=TODAY, run_steps=False)


def _wipe_people() -> None:
    Person.objects.all().delete()
    Household.objects.all().delete()


def _categories(person: Person) -> set[str]:
    return set(person.enrollments.values_list("category", flat=True))


# --- the city -----------------------------------------------------------------------
def test_it_reproduces_the_same_people_from_the_same_seed(db):
    _seed(300)
    first = list(Person.objects.order_by("id_number").values_list("id_number", "name", "region"))
    _wipe_people()
    _seed(300)
    again = list(Person.objects.order_by("id_number").values_list("id_number", "name", "region"))
    assert len(first) == 300
    assert first == again
    _wipe_people()
    _seed(300, seed=8)
    other = list(Person.objects.order_by("id_number").values_list("id_number", "name", "region"))
    assert other != first


def test_it_builds_a_region_tree_under_every_district(db):
    _seed(0)
    districts = Region.objects.filter(level=2)
    assert districts.count() == 20
    for district in districts:
        streets = Region.objects.filter(parent=district)
        assert streets.count() >= 5, district.name
    for community in Region.objects.filter(level=4).exclude(code="510108010001"):
        grids = list(community.children.values_list("code", "name"))
        assert 2 <= len(grids) <= 4, community.name
        for code, name in grids:
            assert len(code) == 15 and code.startswith(community.code)
            assert name.startswith(community.name) and name.endswith("网格")
    # The story places keep their codes and names.
    assert Region.objects.get(code="510108010001").name == "和美社区"
    assert Region.objects.get(code="510108010001001").name == "和美社区第一网格"
    assert Region.objects.get(code="510114110201").name == "曲水村"


def test_it_makes_valid_id_numbers_phones_and_rows(db):
    _seed(400)
    known = known_area_codes()
    people = list(Person.objects.all())
    assert len({p.id_number for p in people}) == len(people) == 400
    for person in people:
        parsed = idnumber.parse(person.id_number, known_areas=known)
        assert parsed.warnings == ()
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        for phone in (person.phone, person.phone2):
            if phone:
                assert normalize_phone(phone) == phone
        assert person.name_pinyin and person.name_initials
        person.full_clean()  # what person_create would check
    for phone in Contact.objects.exclude(phone="").values_list("phone", flat=True):
        assert normalize_phone(phone) == phone


def test_it_draws_realistic_proportions(db):
    _seed(2500)
    generated = Person.objects.exclude(household__number__contains="-S")
    ages = Counter()
    for person in generated:
        age = person.age_on(TODAY)
        ages["elderly" if age >= 60 else "child" if age < 18 else "adult"] += 1
    total = sum(ages.values())
    assert ages["elderly"] / total > 0.6
    assert 0.05 < ages["child"] / total < 0.25
    assert 0.05 < ages["adult"] / total < 0.25

    categories = Counter(Enrollment.objects.values_list("category", flat=True))
    assert set(categories) == set(Category.values)
    assert categories[Category.DIBAO] == max(categories.values())

    grades = Counter(Disability.objects.values_list("grade", flat=True))
    assert grades[3] + grades[4] > grades[1] + grades[2] > 0
    assert set(Disability.objects.values_list("category", flat=True)) == set(
        DisabilityCategory.values
    )

    statuses = Counter(Person.objects.values_list("status", flat=True))
    assert statuses[Status.ACTIVE] / sum(statuses.values()) > 0.85
    assert all(statuses[s] > 0 for s in Status.values)

    per_person = Counter(Enrollment.objects.values_list("person_id", flat=True))
    assert len(per_person) == Person.objects.count()  # nobody without a category
    assert sum(1 for n in per_person.values() if n >= 2) > 0.2 * len(per_person)

    area_codes = Counter(p.id_number[:6] for p in Person.objects.all())
    assert {"510122", "510124", "510132"} <= set(area_codes)
    # Elderly people carrying an area code created after their birth (双流区, 2016).
    assert Person.objects.filter(id_number__startswith="510116", birth_date__year__lt=1950).exists()


def test_it_keeps_each_person_consistent(db):
    _seed(1500)
    people = Person.objects.select_related("household").prefetch_related(
        "enrollments", "disabilities", "contacts"
    )
    for person in people:
        cats = {e.category for e in person.enrollments.all()}
        age = person.age_on(TODAY)
        if Category.ELDERLY_ALONE in cats:
            assert person.living == Living.ALONE, person
        if Category.ELDERLY_EMPTY_NEST in cats:
            assert person.living == Living.EMPTY_NEST, person
        if cats & {Category.TEKUN_CENTRAL, Category.ORPHAN_CENTRAL}:
            assert person.living == Living.INSTITUTION, person
        if Category.LEFT_BEHIND_CHILD in cats:
            assert person.living == Living.LEFT_BEHIND, person
        if Category.ELDERLY_ADVANCED in cats:
            assert age >= 80, person
        if cats & CHILD_CATEGORIES:
            assert age < 18, person
        if Category.SEVERE_DISABILITY in cats:
            assert any(d.grade <= 2 for d in person.disabilities.all()), person
        story = person.household.number.split("-")[-1].startswith("S")
        guarded = {Category.ORPHAN_SCATTERED, Category.ORPHAN_CENTRAL, Category.UNSUPPORTED_CHILD}
        if cats & guarded and not story:  # 林小雨 (S2) has a carer but no guardian
            assert any(c.is_guardian for c in person.contacts.all()), person
        for enrollment in person.enrollments.all():
            assert enrollment.start_date >= person.birth_date
            if person.status in (Status.MOVED, Status.DECEASED):
                assert enrollment.end_date is not None
            else:
                assert enrollment.end_date is None


def test_it_records_one_audit_event_for_the_seed(db):
    before = AuditEvent.objects.count()
    _seed(200, seed=11)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(object_type="demo.seed")
    assert event.action == "create" and event.object_id == "11"
    assert event.changes["persons"] == 200


def test_it_runs_the_seed_steps_other_apps_add(db, monkeypatch):
    calls.clear()
    monkeypatch.setattr(steps, "SEED_STEPS", ["tests.test_demo.recording_step"])
    city_seed(persons=60, seed=5, today=TODAY)
    assert calls == [(TODAY, 60)]


calls: list = []


def recording_step(*, rng, today, stdout):
    rng.random()
    calls.append((today, Person.objects.count()))


def test_it_seeds_from_the_command_line(db):
    out = StringIO()
    call_command("seed", persons=120, seed=3, stdout=out)
    assert Person.objects.count() == 120
    assert "120 people" in out.getvalue()


# --- the story people ---------------------------------------------------------------
def test_it_places_the_story_people_with_their_facts(db):
    _seed(300)
    cai = story_person("ms_cai")
    assert cai.region_id == "510108010001001"
    assert cai.age_on(TODAY) == 70 and cai.sex == "F"
    assert cai.living == Living.WITH_FAMILY and cai.adl_lost == 0
    assert _categories(cai) == {Category.DIBAO}

    li = story_person("grandma_li")
    assert li.region_id.startswith("510104010001")  # 锦江区 春熙路街道 和平社区
    assert li.age_on(TODAY) == 71 and li.living == Living.ALONE
    assert _categories(li) == {Category.ELDERLY_ALONE, Category.DIBAO}
    assert list(li.disabilities.values_list("category", "grade")) == [
        (DisabilityCategory.VISUAL, 2)
    ]

    zhou = story_person("xiao_zhou")
    assert zhou.region_id.startswith("510114110201")  # 新都区 新繁街道 曲水村
    assert zhou.age_on(TODAY) == 14
    assert _categories(zhou) == {Category.ORPHAN_SCATTERED}
    guardians = set(zhou.contacts.filter(is_guardian=True).values_list("relation", flat=True))
    assert guardians == {"祖父", "祖母"}

    tekun = story_person("jinjiang_tekun")
    assert tekun.region_id.startswith("510104")
    assert Category.TEKUN_DISPERSED in _categories(tekun)

    wuhou = Person.objects.filter(prefix_q("510107"), household__number__contains="-S")
    wuhou_categories = Counter(
        Enrollment.objects.filter(person__in=wuhou).values_list("category", flat=True)
    )
    for category in ("dibao", "tekun_dispersed", "tekun_central", "orphan_scattered"):
        assert wuhou_categories[category] >= 1
    # One of them holds two of the campaign's categories: still one person.
    orphan = story_person("wuhou_orphan_dibao")
    assert _categories(orphan) == {Category.ORPHAN_SCATTERED, Category.DIBAO}


def test_it_puts_exactly_forty_people_in_hemei(db):
    _seed(1000)
    hemei = Person.objects.filter(prefix_q("510108010001"))
    assert hemei.count() == 40
    hints = Counter(p.tier_hint for p in STORY_PEOPLE if p.region.startswith("510108010001"))
    assert hints == {"red": 6, "yellow": 10, "blue": 24}
    assert set(hemei.values_list("region_id", flat=True)) == {
        "510108010001001",
        "510108010001002",
    }


def test_it_gives_hemei_6_red_10_yellow_24_blue_by_the_default_tier_rules(db):
    """S2 needs these counts; the visits app's shipped rules decide them from the facts."""
    from types import SimpleNamespace

    from nuanxin.visits.defaults import TIER_RULES
    from nuanxin.visits.rules import facts_of, tier_decide

    rules = [
        SimpleNamespace(name=name, tier=tier, conditions=conditions, active=True)
        for name, tier, conditions in TIER_RULES
    ]
    _seed(100)
    hemei = Person.objects.filter(prefix_q("510108010001")).prefetch_related(
        "enrollments", "disabilities", "contacts"
    )
    hints = {p.name: p.tier_hint for p in STORY_PEOPLE if p.region.startswith("510108010001")}
    decided = {
        p.name: tier_decide(rules=rules, raises=[], facts=facts_of(p, TODAY), today=TODAY).tier
        for p in hemei
    }
    assert decided == hints


def test_it_skips_the_story_people_when_they_exist(db):
    _seed(100)
    city_seed(persons=100, seed=99, today=TODAY, run_steps=False)
    assert Person.objects.filter(name="蔡阿姨").count() == 1
    assert Person.objects.count() == 200


# --- the demo logins ----------------------------------------------------------------
def test_it_creates_one_demo_login_per_role(db):
    from nuanxin.accounts.models import User

    first = demo_users_ensure()
    again = demo_users_ensure()  # idempotent
    assert [login.username for login, _ in first] == [login.username for login, _ in again]
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    for login, label in first:
        user = User.objects.get(username=login.username)
        assert user.check_password(DEMO_PASSWORD)
        membership = user.memberships.get()
        assert (membership.role, membership.region_id) == (login.role, login.region)
        assert label
    assert dict((login.username, label) for login, label in first)["grid"] == (
        "成华区 保和街道 和美社区第一网格"
    )


def test_it_lets_the_demo_logins_reach_their_story_people(db):
    from nuanxin.accounts.models import User

    _seed(300)
    demo_users_ensure()
    users = {u.username: u for u in User.objects.all()}
    cai, li = story_person("ms_cai"), story_person("grandma_li")
    assert Person.objects.restrict(users["grid"]).filter(pk=cai.pk).exists()
    assert Person.objects.restrict(users["social"]).filter(pk=li.pk).exists()
    assert not Person.objects.restrict(users["district"]).filter(pk=li.pk).exists()
    assert Person.objects.restrict(users["community"]).count() == 40
    assert Person.objects.restrict(users["city"]).count() == 300


# --- `nuanxin demo` end to end ------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ")[-1][:1] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_it_runs_the_demo_and_stops_it_without_orphans(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"NUANXIN_DATABASE_URL", "NUANXIN_DEBUG", "NUANXIN_DEMO"}
    }
    env |= {"NUANXIN_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "demo.log").open("w")
    command = [sys.executable, "-m", "nuanxin", "demo", "--port", str(port), "--no-worker"]
    proc = subprocess.Popen(
        command + ["--persons", "150"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/accounts/login/"
    try:
        deadline = time.monotonic() + 180
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    status = response.status
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert status == 200, (tmp_path / "demo.log").read_text()
        # DEBUG is off, as in production: the site's own 404, static files still served.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
            missing = None
        except urllib.error.HTTPError as error:
            missing = (error.code, error.read().decode())
        assert missing is not None and missing[0] == 404
        assert "Django" not in missing[1] and "URLconf" not in missing[1]
        assert 'lang="zh-hans"' in missing[1]
        static = f"http://127.0.0.1:{port}/static/nuanxin.js"
        with urllib.request.urlopen(static, timeout=5) as response:
            assert response.status == 200
        children = _children(proc.pid)
        assert children, "the server runs as a child process"
        # The web server is `nuanxin serve` (gunicorn), as in production: a master whose
        # worker processes must go too.
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert any(b"gunicorn" in c for c in commands), commands
        children += [worker for pid in children for worker in _children(pid)]
        assert len(children) >= 3, "the gunicorn master and its workers"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)
        assert not [pid for pid in children if _alive(pid)]
        output = (tmp_path / "demo.log").read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert DEMO_PASSWORD in output and str(tmp_path) in output
        # The login table says who each login is, in words, and the provider is no partner.
        assert "partner_contact" not in output and "city_admin" not in output
        assert "service provider account" in output and "city administrator" in output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
