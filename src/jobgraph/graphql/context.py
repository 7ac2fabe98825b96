"""Per-request context: the Database handle, the caller, and fresh loaders within its scope."""

from __future__ import annotations

from fastapi import Request
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
        self.access = access
        self.scope = access.scope if isinstance(access, Principal) else Scope.projects(())
        self.loaders: Loaders = make_loaders(db, self.scope)


async def get_context(request: Request) -> Context:
    try:
        access: Principal | AuthenticationError = await authenticate_request(request.scope)
    except AuthenticationError as error:
        access = error
    return Context(request.app.state.db, access)
