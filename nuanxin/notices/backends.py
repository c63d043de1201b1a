"""Where notices go: chosen by ``settings.NOTICES["BACKEND"]`` (console, file or webhook).

A backend's ``send(notice)`` returns nothing on success and raises `SendError`
on failure; the outbox (services.notice_send) counts tries and backs off. No
backend writes the phone in clear to a log: the console and file backends
write it masked (the file is a record of what went out, not a delivery), and
the webhook sends it in clear only in the signed body to the gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from nuanxin.core.masking import mask_phone

logger = logging.getLogger("nuanxin.notices")

DEFAULTS = {
    "BACKEND": "console",
    "FILE_PATH": "",
    "WEBHOOK_URL": "",
    "WEBHOOK_SECRET": "",
    "TIMEOUT": 10,
    "MAX_TRIES": 5,
    "BACKOFF_SECONDS": 60,
}


class SendError(Exception):
    pass


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "NOTICES", {})}


def _payload(notice) -> dict:
    return {
        "id": notice.pk,
        "channel": notice.channel,
        "phone": notice.phone,
        "text": notice.text,
        "created_at": notice.created_at.isoformat() if notice.created_at else None,
    }


class ConsoleBackend:
    def send(self, notice) -> None:
        logger.info("notice #%s %s to %s: %s", notice.pk, notice.channel,
                    mask_phone(notice.phone), notice.text)  # fmt: skip


class FileBackend:
    """One JSON line a notice, phone masked: what went out, for a demo or an audit."""

    def __init__(self, path: str):
        self.path = Path(path or settings.VAR_DIR / "notices.jsonl")

    def send(self, notice) -> None:
        line = {**_payload(notice), "phone": mask_phone(notice.phone),
                "at": timezone.now().isoformat()}  # fmt: skip
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SendError(str(exc)) from exc


def signature(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the body with the shared secret, hex: the gateway recomputes it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookBackend:
    """JSON POST to the SMS/call gateway, signed in ``X-Nuanxin-Signature: sha256=<hex>``."""

    def __init__(self, url: str, secret: str, timeout: float = 10):
        if not url or not secret:
            raise SendError("the webhook backend needs WEBHOOK_URL and WEBHOOK_SECRET")
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, notice) -> None:
        body = json.dumps(_payload(notice), ensure_ascii=False).encode()
        req = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Nuanxin-Signature": "sha256=" + signature(self.secret, body),
                "X-Nuanxin-Notice": str(notice.pk),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as answer:  # noqa: S310
                if not 200 <= answer.status < 300:
                    raise SendError(f"HTTP {answer.status}")
        except urllib.error.HTTPError as exc:
            raise SendError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SendError(str(getattr(exc, "reason", exc))[:200]) from exc


def backend():
    cfg = config()
    name = cfg["BACKEND"]
    if name == "console":
        return ConsoleBackend()
    if name == "file":
        return FileBackend(cfg["FILE_PATH"])
    if name == "webhook":
        return WebhookBackend(cfg["WEBHOOK_URL"], cfg["WEBHOOK_SECRET"], cfg["TIMEOUT"])
    raise SendError(f"unknown notice backend {name!r}")
