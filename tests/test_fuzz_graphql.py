"""Generated GraphQL requests with hostile values, on both databases and both GraphQL paths:
odd Unicode (lone surrogates, NUL, the last code point, long text), integers and numbers past
Int, forged cursors, JSON nested deeper than any parser goes, and fragments that fan out.
No answer is a 5xx or "Unexpected error.", and the compiled path answers as the reference."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest
from httpx import AsyncClient, Response

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset
from tests.operations import Cursors, OperationGenerator
from tests.two_paths import JSON, two_paths

SEED = 1212
GENERATED = 120
FAN_OUTS = 12
ODD_TEXT = [
    "\udc80",
    "a\u0000b",
    "\U0010ffff",
    "\u202eabc\u0301",
    "\ufeff",
    "x" * 1500,
    "' OR 1=1 --",
    "%_\\",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
    "",
]
ODD_NUMBERS: list[Any] = [
    2**31 - 1,
    -(2**31),
    2**31,
    -(2**31) - 1,
    2**53 + 1,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
]


def forged_cursor(rng: random.Random) -> str:
    signature = rng.choice(["job|created_at:DESC,id:DESC", "job|runs:ASC,id:ASC", "batch|id:ASC"])
    value = rng.choice([*ODD_NUMBERS[:6], "0001-01-01T00:00:00+01:00", "\u0000", None])
    raw = json.dumps([signature, [value, rng.choice(ODD_TEXT)]])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def mutated(value: Any, rng: random.Random) -> Any:
    """The variables with some values swapped for hostile ones."""
    if isinstance(value, dict):
        found = {key: mutated(item, rng) for key, item in value.items()}
        if rng.random() < 0.05:
            found["deep"] = deep(rng.choice([50, 900]))
        return found
    if isinstance(value, list):
        return [mutated(item, rng) for item in value]
    if isinstance(value, str) and rng.random() < 0.3:
        return forged_cursor(rng) if rng.random() < 0.2 else rng.choice(ODD_TEXT)
    if isinstance(value, int) and not isinstance(value, bool) and rng.random() < 0.3:
        return rng.choice(ODD_NUMBERS)
    return value


def fan_out(levels: int) -> str:
    """A valid document whose fragments spread the next one twice, `levels` deep."""
    fragments = [f"fragment F{n} on Job {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    fragments.append(f"fragment F{levels} on Job {{ id runs }}")
    return "query { jobs(first: 2) { edges { node { ...F0 } } } } " + " ".join(fragments)


def outcome(response: Response) -> tuple[int, Any]:
    assert response.status_code < 500, response.text[:2000]
    body = response.json()
    assert "Unexpected error." not in response.text, response.text[:2000]
    return response.status_code, body


async def compare(compiled: AsyncClient, reference: AsyncClient, content: bytes) -> Any:
    """Both paths' answers; equal whenever the compiled path answered without an error (an
    answer with errors comes from the reference, whose list of errors may vary with timing)."""
    got = outcome(await compiled.post("/graphql", content=content, headers=JSON))
    expected = outcome(await reference.post("/graphql", content=content, headers=JSON))
    if "errors" in got[1] or "errors" in expected[1]:
        assert got[0] == expected[0]
        assert ("data" in got[1]) == ("data" in expected[1])
    else:
        assert got == expected, content[:2000]
    return expected[1]


@pytest.mark.slow
async def test_generated_hostile_graphql_requests_get_clear_answers(
    database_url: str, db: Database
) -> None:
    data = build_dataset()
    await load_dataset(db, data)
    rng = random.Random(SEED)
    cursors = Cursors()
    generator = OperationGenerator(SEED, data, cursors)
    async with two_paths(database_url) as (_, compiled, reference):
        for index in range(GENERATED):
            operation = generator.operation(f"hostile #{index}")
            body = operation.body() | {"variables": mutated(operation.variables, rng)}
            cursors.harvest(await compare(compiled, reference, json.dumps(body).encode()))
        for levels in [rng.choice([3, 10, 20, 30, 45]) for _ in range(FAN_OUTS)]:
            content = json.dumps({"query": fan_out(levels)}).encode()
            answer = await compare(compiled, reference, content)
            assert ("data" in answer) != ("errors" in answer)
        deep_body = b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 20_000
        for content in (deep_body + b"]" * 20_000 + b"}}", b"[" * 100_000):
            for client in (compiled, reference):
                status, answer = outcome(
                    await client.post("/graphql", content=content, headers=JSON)
                )
                assert status == 400
                assert "nested too deeply" in answer["errors"][0]["message"]
