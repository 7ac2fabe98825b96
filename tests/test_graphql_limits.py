"""Depth, alias and object limits refuse what they always did, in the same words, and never hang."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import FrameType

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    validate,
)
from httpx import AsyncClient
from strawberry.extensions.max_aliases import create_validator as strawberry_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as strawberry_depth_rule

from jobgraph.graphql.limits import (
    MaxAliasesLimiter,
    MaxDepthLimiter,
    alias_count,
    check_document,
    count_requested,
    operation_depth,
)
from jobgraph.graphql.schema import build_schema
from jobgraph.settings import Settings
from tests.factories import Factory
from tests.graphql_client import graphql_error, run_graphql

SCHEMA = build_schema()._schema


def doubling_fragments(levels: int, leaf: str = "id") -> str:
    """A 1.7 KB document (at 40 levels) whose fragments, spread out, hold 2**levels leaves."""
    chain = " ".join(f"fragment F{i} on Job {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return (
        "query { jobs(first: 1) { edges { node { ...F0 } } } } "
        f"{chain} fragment F{levels} on Job {{ {leaf} }}"
    )


def parents(levels: int, inner: str = "id") -> str:
    return "parent { " * levels + inner + " }" * levels


@contextmanager
def hang_guard(seconds: float = 10) -> Iterator[None]:
    """Interrupts work that would take hours (2**40 steps), even inside the app; no timing."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: exponential work?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def only_operation(document: DocumentNode) -> OperationDefinitionNode:
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


@pytest.mark.parametrize("levels", [40, 60])
async def test_doubling_fragments_are_answered(
    client: AsyncClient, factory: Factory, levels: int
) -> None:
    job = await factory.job()
    with hang_guard():
        data = await run_graphql(client, doubling_fragments(levels))
    assert data == {"jobs": {"edges": [{"node": {"id": job.id}}]}}


async def test_doubling_fragments_with_an_alias_are_refused_with_the_true_count(
    client: AsyncClient,
) -> None:
    with hang_guard():
        error = await graphql_error(client, doubling_fragments(40, "jobId: id"))
    assert error == f"{2**40} aliases found. Allowed: 30"


async def test_doubling_fragments_asking_for_lists_are_refused_with_the_true_count(
    client: AsyncClient,
) -> None:
    with hang_guard():
        error = await graphql_error(
            client, doubling_fragments(40, "batch { jobs(first: 1) { totalCount } }")
        )
    assert error == (
        "this query could return up to 1,099,511,627,777 objects, more than the limit of "
        "25,000: ask for smaller pages (first/last) or fewer nested lists"
    )


def test_the_pure_checks_measure_sixty_doubling_levels() -> None:
    document = parse(doubling_fragments(60, "a: id jobs(first: 3) { totalCount }"))
    operation = only_operation(document)
    with hang_guard():
        assert operation_depth(document, operation) == 4
        assert alias_count(document, operation) == 2**60
        assert count_requested(operation.selection_set, fragments_of(document), {}) == 1 + 3 * 2**60
        errors = check_document(document, None, {}, Settings())
    assert [error.message for error in errors] == [f"{2**60} aliases found. Allowed: 30"]


class CountingFragments(Mapping[str, FragmentDefinitionNode]):
    """Fragments that count how often they are looked up."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.lookups = 0

    def __getitem__(self, name: str) -> FragmentDefinitionNode:
        self.lookups += 1
        return self.fragments[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fragments)

    def __len__(self) -> int:
        return len(self.fragments)


def test_counting_objects_looks_each_fragment_up_a_few_times_not_once_per_use() -> None:
    document = parse(doubling_fragments(16, "jobs(first: 2) { totalCount }"))
    fragments = CountingFragments(fragments_of(document))
    operation = only_operation(document)
    assert count_requested(operation.selection_set, fragments, {}) == 1 + 2 * 2**16
    assert fragments.lookups <= 5 * len(fragments)  # spread out, it would be 2**17 lookups


async def test_page_sizes_from_variables_count_through_fragments_spread_twice(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.batch()
    query = """
    query ($n: Int) { ...Tree }
    fragment Tree on Query { projects(first: $n) { nodes { ...Batches ...Batches } } }
    fragment Batches on Project { batches(first: 100) { nodes { jobs(first: 1) { totalCount } } } }
    """
    error = await graphql_error(client, query, {"n": 100})  # 100 + 100 * 2 * (100 + 100)
    assert "could return up to 40,100 objects, more than the limit of 25,000" in error
    data = await run_graphql(client, query, {"n": 50})  # 50 + 50 * 400 = 20,050
    assert data == {"projects": {"nodes": [{"batches": {"nodes": [{"jobs": {"totalCount": 0}}]}}]}}


async def test_the_depth_limit_refuses_one_level_past_fifteen(client: AsyncClient) -> None:
    fifteen = '{ job(id: "x") { ' + parents(14) + " } }"
    assert await run_graphql(client, fifteen) == {"job": None}
    sixteen = 'query Deep { job(id: "x") { ' + parents(15) + " } }"
    response = await client.post("/graphql", json={"query": sixteen})
    assert response.status_code == 200  # a validation error, to an application/json client
    assert response.json() == {
        "errors": [
            {
                "message": "'Deep' exceeds maximum operation depth of 15",
                "locations": [{"line": 1, "column": 29 + 9 * 15}],  # the `id` in the 15th parent
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }
    anonymous = '{ job(id: "x") { ...P } } fragment P on Job { ' + parents(15) + " }"
    error = await graphql_error(client, anonymous)
    assert error == "'anonymous' exceeds maximum operation depth of 15"


async def test_introspection_fields_do_not_count_toward_depth(client: AsyncClient) -> None:
    deep_type = '{ __type(name: "Job") { name ' + "ofType { " * 20 + "name" + " }" * 20 + " } }"
    assert await run_graphql(client, deep_type) == {"__type": {"name": "Job", "ofType": None}}


async def test_the_alias_limit_counts_aliases_once_per_spread(client: AsyncClient) -> None:
    thirty = " ".join(f"a{i}: __typename" for i in range(30))
    assert len(await run_graphql(client, f"{{ {thirty} }}")) == 30
    error = await graphql_error(client, f"{{ {thirty} b: __typename }}")
    assert error == "31 aliases found. Allowed: 30"
    sixteen = " ".join(f"a{i}: id" for i in range(16))
    twice = f'{{ job(id: "x") {{ ...A ...A }} }} fragment A on Job {{ {sixteen} }}'
    assert await graphql_error(client, twice) == "32 aliases found. Allowed: 30"


def random_job_selection(rng: random.Random, budget: int, spreadable: list[str]) -> str:
    """A random Job selection set with fields, aliases, fragments and introspection."""
    parts = []
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(8)
        if choice == 0:
            parts.append("__typename")
        elif choice == 1:
            parts.append(f"a{rng.randrange(5)}: id")
        elif choice == 2 and budget > 0:
            inner = random_job_selection(rng, budget - 1, spreadable)
            parts.append(f"{rng.choice(['', 'p: '])}parent {{ {inner} }}")
        elif choice == 3 and budget > 0:
            parts.append(f"... on Job {{ {random_job_selection(rng, budget - 1, spreadable)} }}")
        elif choice == 4 and spreadable:
            parts.append(f"...{rng.choice(spreadable)}")
        elif choice == 5:
            parts.append('__type(name: "Job") { name ofType { name ofType { name } } }')
        elif choice == 6:
            parts.append("batch { id b: id }")
        else:
            parts.append("id")
    return " ".join(parts)


def random_document(rng: random.Random) -> DocumentNode:
    """Up to four fragments (each spreading only later ones) and one to three operations."""
    count = rng.randrange(5)
    fragments = [
        f"fragment F{i} on Job {{ "
        f"{random_job_selection(rng, 4, [f'F{j}' for j in range(i + 1, count)])} }}"
        for i in range(count)
    ]
    names = [""] if rng.random() < 0.3 else [f"Q{k} " for k in range(rng.randint(1, 3))]
    every_fragment = [f"F{i}" for i in range(count)]
    operations = [
        f'query {name}{{ job(id: "x") {{ {random_job_selection(rng, 5, every_fragment)} }} }}'
        for name in names
    ]
    return parse(" ".join(operations + fragments))


def first_per_message(errors: list[GraphQLError]) -> list[tuple[str, object]]:
    """Strawberry reports every place past the limit; the first one per operation is enough."""
    seen: dict[str, object] = {}
    for error in errors:
        seen.setdefault(error.message, error.locations)
    return list(seen.items())


@pytest.mark.parametrize("seed", range(200))
def test_depth_and_alias_limits_agree_with_strawberry_on_random_documents(seed: int) -> None:
    document = random_document(random.Random(seed))
    for limit in range(1, 8):
        ours = validate(SCHEMA, document, MaxDepthLimiter(limit).validation_rules)
        theirs = validate(SCHEMA, document, [strawberry_depth_rule(limit, None)])
        assert first_per_message(ours) == first_per_message(theirs), limit
    for limit in (0, 3):
        ours = validate(SCHEMA, document, MaxAliasesLimiter(limit).validation_rules)
        theirs = validate(SCHEMA, document, [strawberry_aliases_rule(limit)])
        assert [error.message for error in ours] == [error.message for error in theirs]
