"""Pre-signed result links: an expiry and an HMAC-SHA256 signature over (job id, expiry)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

MAX_EXPIRY_DIGITS = 12


class LinkRejectedError(Exception):
    """A results link that must not be honoured; the message says why."""


class ResultLinks:
    """Signs and checks result download links with one secret."""

    def __init__(
        self, secret: bytes, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def signature(self, job_id: str, expires: int) -> str:
        """Hex HMAC-SHA256 of the (job id, expiry) pair, encoded unambiguously."""
        message = json.dumps([job_id, expires]).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, base_url: str, job_id: str, expires: int | None = None) -> str:
        """The download URL for a job's result, valid until `expires` (Unix seconds)."""
        if expires is None:
            expires = int(self._clock()) + self.ttl_seconds
        query = urlencode({"expires": expires, "signature": self.signature(job_id, expires)})
        return f"{base_url.rstrip('/')}/api/v1/jobs/{job_id}/results?{query}"

    def check(self, job_id: str, expires: str | None, signature: str | None) -> None:
        """Raise LinkRejectedError unless the signature matches and the link has not expired."""
        if not expires or not signature:
            raise LinkRejectedError("the link lacks its expires or signature parameter")
        if not expires.isascii() or not expires.isdigit() or len(expires) > MAX_EXPIRY_DIGITS:
            raise LinkRejectedError("the link's expiry is not a Unix time")
        expected = self.signature(job_id, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise LinkRejectedError("the link's signature does not match; it was altered")
        if int(expires) <= self._clock():
            raise LinkRejectedError("the link has expired; ask for a new one")
