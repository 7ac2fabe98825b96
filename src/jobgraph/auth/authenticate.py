"""From an Authorization header to a Principal, once per request for every route and both
GraphQL paths: API tokens from the database, JWTs checked against a configured key."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Scope as ASGIScope

from jobgraph.auth.jwt import JWTVerifier
from jobgraph.auth.principal import OPEN, AuthenticationError, Principal, open_access
from jobgraph.auth.tokens import is_api_token, token_hash
from jobgraph.db import access
from jobgraph.db.engine import Database
from jobgraph.query.spec import Scope
from jobgraph.settings import Settings

logger = logging.getLogger(__name__)

STATE_KEY = "jobgraph.principal"  # where a request keeps its outcome, in the ASGI scope
USED_EVERY_SECONDS = 60  # last_used_at is written at most this often per token and worker
NO_TOKEN = (
    "This request needs an API token: send the header `Authorization: Bearer <token>` "
    "(create one with `jobgraph token create`)."
)


def _now() -> datetime:
    return datetime.now(UTC)


class Authenticator:
    """Turns credentials into principals; one per app, made by its lifespan."""

    def __init__(
        self, settings: Settings, db: Database, clock: Callable[[], datetime] = _now
    ) -> None:
        self.enabled = not settings.auth_disabled
        self.db = db
        self.jwt = JWTVerifier.from_settings(settings)
        self._clock = clock
        self._used: dict[str, float] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal the header names; AuthenticationError when it names none."""
        if not self.enabled:
            return open_access()
        scheme, _, credentials = (authorization or "").strip().partition(" ")
        credentials = credentials.strip()
        if not authorization or not authorization.strip():
            raise AuthenticationError(NO_TOKEN, invalid=False)
        if scheme.lower() != "bearer" or not credentials:
            raise AuthenticationError("The Authorization header must be `Bearer <token>`.")
        if is_api_token(credentials):
            return await self._api_token(credentials)
        if self.jwt is not None:
            user_id, expires_at = self.jwt.user_of(credentials)
            return await self._user(user_id, expires_at)
        raise AuthenticationError("The token is not valid.")

    async def _api_token(self, credentials: str) -> Principal:
        token = await access.token_by_hash(self.db, token_hash(credentials))
        if token is None:
            raise AuthenticationError("The token is not valid.")
        principal = await self._of_token(token)
        await self._mark_used(token.id)
        return principal

    async def _of_token(self, token: access.StoredToken) -> Principal:
        if token.revoked_at is not None:
            raise AuthenticationError("The token was revoked.")
        if not token.usable(self._clock()):
            raise AuthenticationError("The token has expired.")
        if token.admin:
            scope = Scope.everything()
        else:
            scope = Scope.projects(await access.visible_projects(self.db, token))
        return Principal(token.user_id, scope, token.id, token.expires_at)

    async def _user(self, user_id: str, expires_at: datetime | None) -> Principal:
        projects = await access.member_projects(self.db, user_id)
        return Principal(user_id, Scope.projects(projects), None, expires_at)

    async def _mark_used(self, token_id: str) -> None:
        now = time.monotonic()
        if now - self._used.get(token_id, -USED_EVERY_SECONDS) < USED_EVERY_SECONDS:
            return
        self._used[token_id] = now
        try:
            await access.mark_used(self.db, token_id, self._clock())
        except SQLAlchemyError:  # a busy database must not fail the request itself
            logger.warning("could not record the use of token %s", token_id, exc_info=True)

    async def by_reference(self, reference: str) -> Principal | None:
        """The principal a results link was signed for, as it stands now: None when its
        token was revoked or has expired, or when it is no longer a principal at all."""
        kind, _, name = reference.partition(":")
        if reference == OPEN:
            return open_access() if not self.enabled else None
        if not self.enabled:
            return open_access()
        if kind == "token":
            token = await access.token_by_id(self.db, name)
            if token is None:
                return None
            try:
                return await self._of_token(token)
            except AuthenticationError:
                return None
        if kind == "user" and self.jwt is not None and name:
            return await self._user(name, None)
        return None


def _header(scope: ASGIScope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def authenticate_request(scope: ASGIScope, authorization: str | None = None) -> Principal:
    """The request's principal, authenticated on first use and kept in its ASGI scope, so
    the compiled edge and the routes behind it authenticate a request once. Raises
    AuthenticationError (every time it is asked) when the request has no valid credentials.
    `authorization` stands for the header when given (a WebSocket's connection_init payload,
    as browsers cannot set headers on one) and replaces the outcome kept."""
    state = scope.setdefault("state", {})
    found = state.get(STATE_KEY) if authorization is None else None
    if found is None:
        authenticator: Authenticator = scope["app"].state.authenticator
        try:
            header = authorization or _header(scope, b"authorization")
            found = await authenticator.authenticate(header)
        except AuthenticationError as error:
            found = error
        state[STATE_KEY] = found
    if isinstance(found, AuthenticationError):
        raise found
    assert isinstance(found, Principal)
    return found


def challenge(error: AuthenticationError) -> str:
    """The WWW-Authenticate header of a 401 (RFC 6750)."""
    if not error.invalid:
        return 'Bearer realm="jobgraph"'
    description = error.message.replace('"', "'")
    return f'Bearer realm="jobgraph", error="invalid_token", error_description="{description}"'
