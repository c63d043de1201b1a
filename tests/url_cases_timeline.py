"""Access cases for the profile timeline, consent documents and device removal (tests/url_cases.py)."""

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from nuanxin.registry import services
from nuanxin.registry.models import Consent
from tests.url_cases import api, builder, page

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
# One fixed file under MEDIA_ROOT, shared by every run, rather than a new upload each time.
DOCUMENT = "consents/url-cases/consent.png"


@builder("consent_with_document")
def _consent_with_document(s):
    consent = services.consent_record(
        user=s.worker,
        person=s.person,
        purpose="photographs",
        method="written",
        given_on=dt.date(2026, 1, 5),
    )
    if not default_storage.exists(DOCUMENT):
        default_storage.save(DOCUMENT, ContentFile(PNG))
    Consent.objects.filter(pk=consent.pk).update(document_file=DOCUMENT)
    return consent.pk


@builder("device")
def _device(s):
    return services.device_record(
        user=s.worker, person=s.person, kind="gas_alarm", installed_on=dt.date(2026, 1, 6)
    ).pk


CASES = [
    page("registry:person_timeline", kwargs={"pk": "person"}),
    page(
        "registry:person_timeline",
        kwargs={"pk": "person"},
        query="kind=consent&kind=visit&page=1",
        label="filtered",
    ),
    page(
        "registry:consent_document",
        kwargs={"pk": "person", "consent_pk": "consent_with_document"},
    ),
    page(
        "registry:device_remove",
        kwargs={"pk": "person", "device_pk": "device"},
        action="change",
        method="POST",
        data={"removed_on": "2026-01-08"},
        ok=302,
        link=403,
    ),
    page(
        "registry:device_remove",
        kwargs={"pk": "person", "device_pk": "device"},
        action="change",
        ok=405,
        denied=405,
    ),
    api("api:person_timeline", kwargs={"person_id": "person"}),
    api(
        "api:person_timeline",
        kwargs={"person_id": "person"},
        query="kind=consent&page_size=5",
        label="filtered",
    ),
]
