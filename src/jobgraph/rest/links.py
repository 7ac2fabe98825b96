"""Pre-signed result links: an expiry, the principal the link was made for, and an HMAC-SHA256
signature over (job id, expiry, principal)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request

from jobgraph.settings import Settings

MAX_EXPIRY_DIGITS = 12
CLOCK_SKEW_SECONDS = 5


class LinkRejectedError(Exception):
    """A results link that must not be honoured; the message says why."""


class ResultLinks:
    """Signs and checks result download links with one secret; a link lives at most
    `ttl_seconds`, and one that claims to live longer is refused."""

    def __init__(
        self, secret: bytes, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def signature(self, job_id: str, expires: int, principal: str) -> str:
        """Hex HMAC-SHA256 of (job id, expiry, principal), encoded unambiguously."""
        message = json.dumps([job_id, expires, principal]).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(
        self,
        base_url: str,
        job_id: str,
        principal: str,
        expires: int | None = None,
        *,
        until: float | None = None,
    ) -> str:
        """The download URL for a job's result as `principal`, valid until `expires` (Unix
        seconds; by default the lifetime from now, and never after `until`)."""
        if expires is None:
            expires = int(self._clock()) + self.ttl_seconds
            if until is not None:
                expires = min(expires, int(until))
        signature = self.signature(job_id, expires, principal)
        query = urlencode({"expires": expires, "principal": principal, "signature": signature})
        return f"{base_url.rstrip('/')}/api/v1/jobs/{job_id}/results?{query}"

    def check(
        self, job_id: str, expires: str | None, principal: str | None, signature: str | None
    ) -> None:
        """Raise LinkRejectedError unless the signature matches and the link has not expired
        and does not claim to live longer than links do."""
        if not expires or not signature or not principal:
            raise LinkRejectedError("the link lacks its expires, principal or signature parameter")
        if not expires.isascii() or not expires.isdigit() or len(expires) > MAX_EXPIRY_DIGITS:
            raise LinkRejectedError("the link's expiry is not a Unix time")
        expected = self.signature(job_id, int(expires), principal)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise LinkRejectedError("the link's signature does not match; it was altered")
        now = self._clock()
        if int(expires) <= now:
            raise LinkRejectedError("the link has expired; ask for a new one")
        if int(expires) > now + self.ttl_seconds + CLOCK_SKEW_SECONDS:
            raise LinkRejectedError(
                f"the link claims to live longer than links do ({self.ttl_seconds} s)"
            )


def _host_name(netloc: str) -> str:
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def allowed_base_url(request: Request, settings: Settings) -> str:
    """Where links point: JOBGRAPH_PUBLIC_URL; else the URL the request came to, when its
    Host is one of JOBGRAPH_ALLOWED_HOSTS; else the address the settings serve on. Never an
    arbitrary Host header."""
    if settings.public_url:
        return settings.public_url
    if _allowed(request.headers.get("host", ""), settings.allowed_hosts):
        return str(request.base_url)
    return f"http://{settings.host}:{settings.port}/"


def _allowed(host: str, allowed: Sequence[str]) -> bool:
    name = _host_name(host)
    return bool(name) and any(name == _host_name(entry) for entry in allowed)
