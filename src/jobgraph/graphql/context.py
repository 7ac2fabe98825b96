"""Per-request context: the Database handle plus fresh loaders."""

from __future__ import annotations

from fastapi import Request
from strawberry.fastapi import BaseContext

from jobgraph.db.engine import Database
from jobgraph.graphql.loaders import Loaders, make_loaders


class Context(BaseContext):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.loaders: Loaders = make_loaders(db)


async def get_context(request: Request) -> Context:
    return Context(request.app.state.db)
