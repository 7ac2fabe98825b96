"""API token text: a recognisable prefix and a random secret; only its hash is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

TOKEN_PREFIX = "jgt_"
SHOWN_LENGTH = len(TOKEN_PREFIX) + 6  # what `token list` shows of a token: jgt_ and 6 more
_DURATION = re.compile(r"(\d{1,6})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def new_token() -> str:
    """A new token: the prefix and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 of the token, hex. Tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def shown_prefix(token: str) -> str:
    """The start of the token, kept to recognise it in `token list`."""
    return token[:SHOWN_LENGTH]


def is_api_token(text: str) -> bool:
    return text.startswith(TOKEN_PREFIX)


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `2w` or `45s` as a timedelta; ValueError otherwise."""
    found = _DURATION.fullmatch(text.strip())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration such as 30d, 12h, 90m, 2w or 45s")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
