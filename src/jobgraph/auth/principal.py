"""A principal: the caller a request authenticated as, and the projects it may read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobgraph.query.spec import Scope

OPEN = "open"


class AuthenticationError(Exception):
    """No usable credentials: `message` is for the client, `invalid` says whether a token
    was sent (and refused) rather than none at all."""

    def __init__(self, message: str, *, invalid: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.invalid = invalid


@dataclass(frozen=True)
class Principal:
    """A user with the projects it reads (an admin reads every one).

    `token_id` is the stored token the request used (None for a JWT and when authentication
    is off); `expires_at` is when its credentials stop working.
    """

    user_id: str | None
    scope: Scope
    token_id: str | None = None
    expires_at: datetime | None = None

    @property
    def reference(self) -> str:
        """What a results link names its principal by: the stored token, the JWT's user, or
        open access (authentication off). Never a secret."""
        if self.token_id is not None:
            return f"token:{self.token_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return OPEN


def open_access() -> Principal:
    """Every request's principal while authentication is off (development only)."""
    return Principal(None, Scope.everything())
