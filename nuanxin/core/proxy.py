"""The client's address behind nginx: trusted from `X-Forwarded-For` only when the peer is nginx.

`nuanxin serve` listens on 127.0.0.1 behind nginx, so every request's REMOTE_ADDR
would be nginx's. The audit trail records the address of each act and the login
lockout counts failures per address: both need the client's. nginx sets
`X-Forwarded-For $remote_addr` (deploy/nginx/nuanxin.conf); the last entry is the
one nginx saw. Anyone else's header is ignored, or a client could pick an address
to dodge the lockout or to forge the trail. Off unless NUANXIN_TRUSTED_PROXIES is set.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        if self.trusted and request.META.get("REMOTE_ADDR") in self.trusted:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            client = _address(forwarded.rsplit(",", 1)[-1]) if forwarded else ""
            if client:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
