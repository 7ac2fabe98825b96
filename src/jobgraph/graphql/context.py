"""Per-request context: the Database handle, the caller, and fresh loaders within its scope."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from jobgraph.auth.authenticate import authenticate_request
from jobgraph.auth.principal import AuthenticationError, Principal
from jobgraph.db.engine import Database
from jobgraph.graphql.loaders import Loaders, make_loaders
from jobgraph.query.spec import Scope


class Context(BaseContext):
    """`access` is the caller, or why the request has none (the router answers that with a
    401 before anything is read)."""

    def __init__(self, db: Database, access: Principal | AuthenticationError) -> None:
        super().__init__()
        self.db = db
        self.connection_params: dict[str, Any] | None = None  # a WebSocket's connection_init
        self.set_access(access)

    def set_access(self, access: Principal | AuthenticationError) -> None:
        """The caller (a WebSocket may name it in its connection_init payload)."""
        self.access = access
        self.scope = access.scope if isinstance(access, Principal) else Scope.projects(())
        self.loaders: Loaders = make_loaders(self.db, self.scope)


async def get_context(connection: HTTPConnection) -> Context:
    """The context of an HTTP request, or of a WebSocket connection (all its operations)."""
    try:
        access: Principal | AuthenticationError = await authenticate_request(connection.scope)
    except AuthenticationError as error:
        access = error
    return Context(connection.app.state.db, access)
