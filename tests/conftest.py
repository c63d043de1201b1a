"""Personas and places shared by every test.

The personas follow one community in 成华区 and one outsider district, so each
access test can ask: does the owner see it, does a colleague, does an outsider?
"""

import pytest
from django.conf import settings
from django.db.models.signals import post_migrate

from tests.factories import make_person, make_user


def pytest_configure(config):
    # Hashing is not what the tests are about: MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Task modules imported while Django started have already met the database backend:
    # tell django-tasks the setting changed, so every task runs at once in the tests.
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)
    settings.AXES_ENABLED = True
    _sqlite_test_database_on_disk()


def _sqlite_test_database_on_disk():
    """Give the SQLite test database a file instead of memory.

    Django hands a `live_server` thread the test's own connection when the database
    lives in memory, and one sqlite3 connection used from two threads can deadlock:
    a query calling one of Django's Python functions in SQL (TruncDate …) waits for the
    interpreter lock while holding the connection's mutex, and the test thread, holding
    the lock, waits for that mutex in a parameter bind. A browser test then hangs for
    good. On disk each thread has its own connection, and SQLite's busy timeout settles
    who writes. pytest-xdist adds the worker's suffix to the name.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    database.setdefault("TEST", {})
    if not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(settings.VAR_DIR / "test.sqlite3")


def _reload_reference_data(sender, **kwargs):
    """Re-run an app's data migrations after a transactional test's flush.

    The city, its districts, the tier rules and visit policies come from data
    migrations, and pytest-django empties every table after a `live_server`
    test: without this, the next test on that database (or the next run with
    --reuse-db on PostgreSQL) finds no districts and no tier rules. The loaders
    are idempotent (get_or_create), and the global app registry serves their
    apps.get_model. `migrate` sends a `plan`; `flush` does not.
    """
    if "plan" in kwargs or not sender.name.startswith("nuanxin."):
        return  # a migrate run, or Django's own apps (their data needs no reload)
    from django.apps import apps as django_apps
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    editor = _FlushEditor()
    for key in sorted(loader.disk_migrations):
        if key[0] != sender.label:
            continue
        for operation in loader.disk_migrations[key].operations:
            if isinstance(operation, RunPython):
                operation.code(django_apps, editor)


class _FlushEditor:
    """Just enough of a schema editor for RunPython code that asks for one."""

    from django.db import connection

    def execute(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


post_migrate.connect(_reload_reference_data, dispatch_uid="tests.reload_reference_data")


CITY = "510100000000"
CHENGHUA = "510108000000"
BAOHE = "510108010000"
HEMEI = "510108010001"
HEMEI_GRID1 = "510108010001001"
HEMEI_GRID2 = "510108010001002"
JINJIANG = "510104000000"
JINJIANG_COMMUNITY = "510104010001"
CHUNXILU = "510104010000"


@pytest.fixture
def places(db):
    from nuanxin.demo.places import story_places_load

    story_places_load()


@pytest.fixture
def city_admin(places):
    return make_user("city_admin", "city_admin", CITY)


@pytest.fixture
def district_officer(places):
    return make_user("chenghua_officer", "district_officer", CHENGHUA)


@pytest.fixture
def street_officer(places):
    return make_user("baohe_officer", "street_officer", BAOHE)


@pytest.fixture
def community_worker(places):
    return make_user("hemei_worker", "community_worker", HEMEI)


@pytest.fixture
def grid_worker(places):
    return make_user("hemei_grid1", "grid_worker", HEMEI_GRID1)


@pytest.fixture
def social_worker(places):
    return make_user("hemei_social", "social_worker", HEMEI)


@pytest.fixture
def inspector(places):
    return make_user("chenghua_inspector", "inspector", CHENGHUA)


@pytest.fixture
def volunteer(places):
    return make_user("hemei_volunteer", "volunteer", HEMEI)


@pytest.fixture
def partner_contact(places):
    return make_user("partner", "partner_contact", CHENGHUA)


@pytest.fixture
def outsider(places):
    """A district officer of 锦江区: a real user, just not of this place."""
    return make_user("jinjiang_officer", "district_officer", JINJIANG)


@pytest.fixture
def provider(places):
    """A repair service's own account (a partner contact answering for the provider):
    it reaches the referrals sent to its provider, and nobody by region."""
    from nuanxin.directory.models import ProviderAccount, ServiceProvider

    user = make_user("repair_account", "partner_contact", CHENGHUA)
    repair = ServiceProvider.objects.create(name="成华维修服务中心（测试）", kind="repair")
    ProviderAccount.objects.create(user=user, provider=repair)
    return user


@pytest.fixture
def dual(places):
    """Two roles in two places: community worker of 和美社区 (may export there) and
    social worker of 锦江区 春熙路街道 (may view and change, never export)."""
    from nuanxin.accounts.services import membership_add
    from nuanxin.regions.models import Region

    user = make_user("two_hats", "community_worker", HEMEI)
    membership_add(user=user, role="social_worker", region=Region.objects.get(code=CHUNXILU))
    return user


@pytest.fixture
def ms_cai(places):
    return make_person(
        name="蔡阿姨",
        region=HEMEI_GRID1,
        phone="13812345678",
        address="和美社区 3 栋 2 单元 101",
        categories=["elderly_alone"],
    )


@pytest.fixture
def grid2_person(places):
    return make_person(name="王大爷", region=HEMEI_GRID2, female=False, categories=["dibao"])


@pytest.fixture
def jinjiang_person(places):
    return make_person(name="李奶奶", region=JINJIANG_COMMUNITY, categories=["elderly_alone"])


# The audit log's triggers and the second factor, as the tests need them (tests/security.py).
from tests import security as _security  # noqa: E402

_security.install()
