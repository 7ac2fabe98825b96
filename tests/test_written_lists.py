"""Nested lists that PostgreSQL writes as JSON (query/documents.py) come out exactly as the
reference executor writes them, over stored values at their extremes; a value the reference
would refuse sends the request to it. On SQLite the same documents are read as rows: the
answers must agree there too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from jobgraph.db.engine import Database
from tests.dataset import load_dataset
from tests.operations import Operation
from tests.test_compiled_differential import (
    LEFT_COROUTINES,
    UNRAISABLE_COROUTINES,
    Differ,
    Tally,
    _report,
    both_paths,
    unusual_dataset,
)

JOB_FIELDS = "id status runs createdAt updatedAt startTimestamp endTimestamp __typename"
WRITTEN = [
    # edges and nodes, aliases, type names, forward and backward windows, every order kind
    "{ batches(first: 5) { nodes { id jobs(first: 3) { edges { node { %s } } } } } }",
    "{ batches(first: 5) { nodes { id a: jobs(last: 2) { __typename nodes { %s } "
    "edges { __typename n: node { runs } } } b: jobs(first: 1) { nodes { id } } } } }",
    "{ projects(first: 5) { nodes { name batches(first: 4, orderBy: [{field: END_DATETIME}]) "
    "{ nodes { id status deviceType createdAt endDatetime priority } } } } }",
    "{ batches(first: 5) { nodes { jobs(first: 4, orderBy: [{field: END_TIMESTAMP, "
    "direction: DESC}]) { nodes { %s } } } } }",
    "{ batches(first: 5) { nodes { jobs(last: 4, orderBy: [{field: START_TIMESTAMP}], "
    "filter: {minRuns: 1}) { edges { node { %s } } } } } }",
    "{ projects(first: 5) { nodes { jobs(first: 3, orderBy: [{field: RUNS, direction: ASC}]) "
    "{ nodes { %s } } } } }",
    "{ jobs(first: 5) { nodes { batch { jobs(first: 2) { nodes { %s } } } } } }",
    # totalCount: kept counts (status), counted rows (runs), none (every job of the parent)
    "{ projects(first: 5) { nodes { a: jobs(first: 2, filter: {status: [DONE, ERROR]}) { "
    "totalCount nodes { id } } b: batches(last: 2) { edges { node { id } } totalCount } "
    "c: jobs(first: 1, filter: {minRuns: 2}) { nodes { runs } totalCount } } } }",
    # pageInfo's flags, both ways, the page short and full
    "{ batches(first: 5) { nodes { jobs(first: 2) { pageInfo { hasNextPage hasPreviousPage "
    "__typename } nodes { %s } } all: jobs(first: 100) { pageInfo { hasNextPage } nodes { id } "
    "} } } }",
    "{ batches(first: 5) { nodes { jobs(last: 1, filter: {minRuns: 1}) { pageInfo { "
    "hasPreviousPage hasNextPage } edges { node { id status } } totalCount } } } }",
    # cursors, by times (with nulls and the extremes), integers and text, both ways
    "{ batches(first: 5) { nodes { jobs(first: 3) { pageInfo { startCursor endCursor } "
    "edges { cursor node { %s } } } t: jobs(last: 2, orderBy: [{field: END_TIMESTAMP, "
    "direction: DESC}]) { edges { cursor } pageInfo { endCursor startCursor } } } } }",
    "{ projects(first: 5) { nodes { jobs(first: 4, orderBy: [{field: STATUS}, {field: RUNS, "
    "direction: DESC}]) { edges { cursor } } batches(first: 3, orderBy: [{field: PRIORITY}]) "
    "{ pageInfo { endCursor hasNextPage } edges { cursor node { id priority } } } } } }",
]


def _operations() -> list[Operation]:
    return [
        Operation(f"written #{index}", query.replace("%s", JOB_FIELDS), {})
        for index, query in enumerate(WRITTEN)
    ]


async def _check_all(differ: Differ) -> Tally:
    tally = Tally()
    for operation in _operations():
        await differ.check(operation, tally)
    return tally


@LEFT_COROUTINES
@UNRAISABLE_COROUTINES
async def test_written_lists_come_out_as_the_reference_writes_them(
    database_url: str, db: Database
) -> None:
    await load_dataset(db, unusual_dataset())
    async with both_paths(database_url) as differ:
        tally = await _check_all(differ)
    assert not tally.mismatches, _report(tally)
    assert tally.valid == len(WRITTEN)
    assert tally.answered == tally.valid  # and the compiled path answered each one itself


@LEFT_COROUTINES
@UNRAISABLE_COROUTINES
async def test_values_outside_their_type_leave_the_answer_to_the_reference(
    database_url: str, db: Database
) -> None:
    """A status written by another program outside the enum, and on PostgreSQL the infinite
    instants: answered alike, by the reference where it refuses the value."""
    data = unusual_dataset()
    await load_dataset(db, data)
    infinite = db.dialect == "postgresql"
    async with db.engine.begin() as connection:
        odd: dict[str, Any] = {"id": data.jobs[3]["id"]}
        await connection.execute(text("UPDATE job SET status = 'LOST' WHERE id = :id"), odd)
        if infinite:
            for column, value in (("end_timestamp", "infinity"), ("updated_at", "-infinity")):
                statement = f"UPDATE job SET {column} = '{value}' WHERE id <> :id"
                await connection.execute(text(statement), odd)
    async with both_paths(database_url) as differ:
        tally = await _check_all(differ)
    assert not tally.mismatches, _report(tally)
    assert tally.answered < len(WRITTEN)  # the reference answered where it met 'LOST'
