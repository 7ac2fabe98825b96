"""The caller of a REST route: every route that reads takes `Caller`, and passes its scope
to the query core (`scoped(spec, caller.scope)`, or a read's `scope` argument)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jobgraph.auth.authenticate import authenticate_request, challenge
from jobgraph.auth.principal import AuthenticationError, Principal
from jobgraph.rest.jsend import RestError

# Declares the bearer scheme in /openapi.json (so /docs has an Authorize button); the header
# itself is read by authenticate_request, as on /graphql.
BEARER = HTTPBearer(
    auto_error=False,
    description="An API token (`jobgraph token create`) or, when configured, a JWT.",
)


async def caller(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    """The request's principal; a JSend 401 with `WWW-Authenticate: Bearer` when it has no
    valid token."""
    try:
        return await authenticate_request(request.scope)
    except AuthenticationError as error:
        reason = "a token was sent but refused" if error.invalid else "no token was sent"
        raise RestError(
            401, error.message, {"authorization": reason}, {"WWW-Authenticate": challenge(error)}
        ) from None


Caller = Annotated[Principal, Depends(caller)]
