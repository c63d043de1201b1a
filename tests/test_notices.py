"""The notice outbox: backends chosen in settings, a signed webhook, retries, dead letters."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from nuanxin.notices import backends
from nuanxin.notices.models import Notice
from nuanxin.notices.sending import backoff, notice_send, notices_send_due
from nuanxin.notices.services import notice_queue

PHONE = "13912345678"
SECRET = "s3cret-shared-with-the-gateway"


class Gateway:
    """An SMS gateway on 127.0.0.1: answers each POST with the next status of `answers`."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.received: list[tuple[dict, bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((dict(self.headers), body))
                status = gateway.answers.pop(0) if gateway.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _queue(places, user=None) -> Notice:
    return notice_queue(
        user=user, phone=PHONE, text="请到社区领取健康防疫包", region_id="510108010001"
    )


def _webhook(settings, url, **extra):
    settings.NOTICES = {
        "BACKEND": "webhook",
        "WEBHOOK_URL": url,
        "WEBHOOK_SECRET": SECRET,
        "TIMEOUT": 5,
        "MAX_TRIES": 3,
        "BACKOFF_SECONDS": 60,
        **extra,
    }


def test_it_posts_signed_json_to_the_webhook(places, settings, django_capture_on_commit_callbacks):
    with Gateway([200]) as gateway:
        _webhook(settings, gateway.url)
        with django_capture_on_commit_callbacks(execute=True):
            notice = _queue(places)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 1) and notice.sent_at
    headers, body = gateway.received[0]
    payload = json.loads(body)
    assert payload["phone"] == PHONE and payload["text"] == "请到社区领取健康防疫包"
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Nuanxin-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"].startswith("application/json")


def test_it_retries_with_backoff_then_gives_up(places, settings, caplog):
    with Gateway([500, 503, 500, 200]) as gateway:
        _webhook(settings, gateway.url)
        notice = _queue(places)  # not sent: no commit in this test's transaction
        start = timezone.now()
        with caplog.at_level(logging.INFO, logger="nuanxin.notices"):
            first = notice_send(notice_id=notice.pk, now=start)
            assert (first.status, first.attempts) == ("retrying", 1)
            assert first.next_attempt_at == start + dt.timedelta(seconds=60)
            # Not yet due: the sweep leaves it alone.
            assert notices_send_due(now=start + dt.timedelta(seconds=30)) == 0
            assert notices_send_due(now=start + dt.timedelta(seconds=61)) == 1
            notice.refresh_from_db()
            assert notice.attempts == 2
            assert notice.next_attempt_at == start + dt.timedelta(seconds=61 + 120)
            assert notices_send_due(now=start + dt.timedelta(seconds=400)) == 1
        notice.refresh_from_db()
        assert (notice.status, notice.attempts, notice.next_attempt_at) == ("dead", 3, None)
        assert notice.last_error == "HTTP 500"
        # Dead is dead: the gateway's next answer (200) is never asked for.
        assert notices_send_due(now=start + dt.timedelta(days=1)) == 0
        assert len(gateway.received) == 3
    assert PHONE not in caplog.text and "139****5678" in caplog.text


def test_it_retries_an_unreachable_gateway(places, settings):
    with Gateway([]) as gateway:
        url = gateway.url
    _webhook(settings, url)  # the server is stopped: the connection is refused
    notice = notice_send(notice_id=_queue(places).pk)
    assert notice.status == "retrying" and notice.last_error


def test_it_writes_masked_lines_with_the_file_backend(places, settings, tmp_path):
    path = tmp_path / "notices.jsonl"
    settings.NOTICES = {"BACKEND": "file", "FILE_PATH": str(path)}
    notice = notice_send(notice_id=_queue(places).pk)
    assert notice.status == "sent"
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["phone"] == "139****5678" and line["text"] == "请到社区领取健康防疫包"
    assert PHONE not in path.read_text(encoding="utf-8")


def test_it_logs_masked_phones_on_the_console(places, settings, caplog):
    settings.NOTICES = {"BACKEND": "console"}
    with caplog.at_level(logging.INFO, logger="nuanxin.notices"):
        assert notice_send(notice_id=_queue(places).pk).status == "sent"
    assert "139****5678" in caplog.text and PHONE not in caplog.text


def test_it_keeps_the_phone_masked_in_the_audit_log(places):
    from nuanxin.audit.models import AuditEvent

    notice = _queue(places)
    event = AuditEvent.objects.get(object_type="notices.notice", object_id=str(notice.pk))
    assert event.changes["phone"] == "139****5678"


@pytest.mark.parametrize(("tries", "seconds"), [(1, 60), (2, 120), (3, 240), (5, 960)])
def test_it_doubles_the_wait_each_try(tries, seconds):
    assert backoff(tries, 60) == dt.timedelta(seconds=seconds)


def test_it_refuses_a_webhook_without_a_secret(settings):
    settings.NOTICES = {"BACKEND": "webhook", "WEBHOOK_URL": "http://127.0.0.1:9/"}
    with pytest.raises(backends.SendError):
        backends.backend()
