"""Where job results live: the ResultStore interface and its database implementation."""

from __future__ import annotations

from typing import Any, Protocol

from jobgraph.db.engine import Database
from jobgraph.query import reads


class ResultStore(Protocol):
    """Job results by job id; an object store can implement this in place of the database."""

    async def get(self, job_id: str) -> tuple[bool, Any]:
        """(True, payload) when the job has a result, else (False, None)."""
        ...

    async def exists(self, job_id: str) -> bool:
        """Whether the job has a result, without reading it (a HEAD on an object store)."""
        ...


class DatabaseResultStore:
    """Results kept in the job_result table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, job_id: str) -> tuple[bool, Any]:
        return await reads.job_result(self.db, job_id)

    async def exists(self, job_id: str) -> bool:
        return await reads.job_has_result(self.db, job_id)
