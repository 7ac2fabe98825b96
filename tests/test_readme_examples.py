"""The README's example GraphQL queries work as written against the demo data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from httpx import AsyncClient

from jobgraph.db.engine import Database
from jobgraph.seed import seed_database
from tests.graphql_client import run_graphql

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_shows_three_example_queries() -> None:
    assert len(EXAMPLES) == 3


@pytest.mark.parametrize("query", EXAMPLES, ids=lambda query: query.split("{")[0].strip())
async def test_readme_query_returns_demo_data(
    client: AsyncClient, db: Database, query: str
) -> None:
    await seed_database(db, jobs=600)
    data = await run_graphql(client, query)
    top = next(iter(data.values()))
    assert top["edges"], f"the example returned no rows: {data}"
