"""DataLoaders: one statement per relation level, whatever the page size. Fresh per request."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader as StrawberryDataLoader

from jobgraph.db import models
from jobgraph.db.engine import Database
from jobgraph.query import reads
from jobgraph.query.paging import Page, Row
from jobgraph.query.spec import FilterSpec, Listing, Scope

Group = TypeVar("Group", bound=Hashable)
Key = TypeVar("Key")
Value = TypeVar("Value")


class DataLoader(StrawberryDataLoader[Key, Value]):
    """Strawberry's DataLoader, each caller awaiting its own view of the shared result.

    graphql-core cancels the pending siblings of a field that failed (a non-null field's
    error bubbles up to its parent). A caller awaiting the shared future directly would
    cancel it with itself, and every other field waiting on the same key would get a
    CancelledError that escapes the request; shielded, only the cancelled caller stops.
    """

    def load(self, key: Key) -> Awaitable[Value]:
        return asyncio.shield(super().load(key))


def _by_id(
    db: Database,
    fetch: Callable[[Database, Sequence[str], Scope], Coroutine[Any, Any, list[Row]]],
    scope: Scope,
) -> DataLoader[str, Row | None]:
    async def load(ids: list[str]) -> list[Row | None]:
        found = {row.id: row for row in await fetch(db, ids, scope)}  # type: ignore[attr-defined]
        return [found.get(key) for key in ids]  # key order kept, None when missing

    return DataLoader(load_fn=load)


def _per_parent(
    fetch: Callable[[Group, list[str]], Awaitable[dict[str, Value]]],
) -> DataLoader[tuple[str, Group], Value]:
    """Keys are (parent id, group); parents that share a group are fetched in one call."""

    async def load(keys: list[tuple[str, Group]]) -> list[Value]:
        parents: dict[Group, list[str]] = defaultdict(list)
        for parent_id, group in keys:
            parents[group].append(parent_id)
        found = {group: await fetch(group, parent_ids) for group, parent_ids in parents.items()}
        return [found[group][parent_id] for parent_id, group in keys]

    return DataLoader(load_fn=load)


def _pages_by_parent(
    db: Database, relation: reads.Relation[Row]
) -> DataLoader[tuple[str, Listing], Page[Row]]:
    """Siblings with the same listing (a page of batches' `jobs(first: 10)`) share a read."""

    async def fetch(listing: Listing, parent_ids: list[str]) -> dict[str, Page[Row]]:
        return await reads.pages_by_parent(db, relation, parent_ids, listing)

    return _per_parent(fetch)


def _counts_by_parent(
    db: Database, relation: reads.Relation[Row]
) -> DataLoader[tuple[str, FilterSpec], int]:
    async def fetch(spec: FilterSpec, parent_ids: list[str]) -> dict[str, int]:
        return await reads.counts_by_parent(db, relation, parent_ids, spec)

    return _per_parent(fetch)


def _status_counts(db: Database, scope: Scope) -> DataLoader[str, dict[str, int]]:
    async def load(batch_ids: list[str]) -> list[dict[str, int]]:
        counts = await reads.job_counts_by_status(db, batch_ids, scope)
        return [counts[batch_id] for batch_id in batch_ids]

    return DataLoader(load_fn=load)


def _results(db: Database, scope: Scope) -> DataLoader[str, tuple[bool, Any]]:
    async def load(job_ids: list[str]) -> list[tuple[bool, Any]]:
        found = await reads.job_results(db, job_ids, scope)
        return [(key in found, found.get(key)) for key in job_ids]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class Loaders:
    """Every loader of one request."""

    job_by_id: DataLoader[str, models.Job | None]
    batch_by_id: DataLoader[str, models.Batch | None]
    project_by_id: DataLoader[str, models.Project | None]
    job_result_by_job_id: DataLoader[str, tuple[bool, Any]]
    job_status_counts_by_batch_id: DataLoader[str, dict[str, int]]
    # Lists under a parent, keyed by the relation's name: pages and their counts.
    pages: dict[str, DataLoader[tuple[str, Listing], Page[Any]]]
    counts: dict[str, DataLoader[tuple[str, FilterSpec], int]]


def make_loaders(db: Database, scope: Scope) -> Loaders:
    """The loaders of one request, every read within the caller's scope (lists under a
    parent are scoped by their listings)."""
    return Loaders(
        job_by_id=_by_id(db, reads.jobs_by_ids, scope),
        batch_by_id=_by_id(db, reads.batches_by_ids, scope),
        project_by_id=_by_id(db, reads.projects_by_ids, scope),
        job_result_by_job_id=_results(db, scope),
        job_status_counts_by_batch_id=_status_counts(db, scope),
        pages={relation.name: _pages_by_parent(db, relation) for relation in reads.RELATIONS},
        counts={relation.name: _counts_by_parent(db, relation) for relation in reads.RELATIONS},
    )
