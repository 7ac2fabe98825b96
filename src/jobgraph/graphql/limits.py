"""A bound on how many objects one request may ask for, across nested lists.

Depth and alias limits do not stop `projects(first: 100) { batches(first: 100) { jobs(first:
100) ... } }`, which asks for a million jobs. Before execution this sums, over the operation,
each list's page size times the page sizes of the lists around it, and refuses the request
when the sum passes the limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from jobgraph.domain import DEFAULT_PAGE_SIZE

PAGED_LISTS = {"jobs", "batches", "projects"}


def _argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, ListValueNode):
            return list(value.values)
    return None


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    """How many items this field returns per parent, or None for a single object."""
    if field.name.value in PAGED_LISTS:
        size = _argument(field, "first", variables) or _argument(field, "last", variables)
        return size if isinstance(size, int) and size > 0 else DEFAULT_PAGE_SIZE
    if field.name.value == "nodes":
        ids = _argument(field, "ids", variables)
        return len(ids) if isinstance(ids, list) else None
    return None


def count_requested(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    parents: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    """The most objects the selection can return, `parents` times over."""
    total = 0
    for field, seen_here in _fields(selections, fragments, seen):
        size = _page_size(field, variables)
        items = parents if size is None else parents * size
        if size is not None:
            total += items
        total += count_requested(field.selection_set, fragments, variables, items, seen_here)
    return total


def _fields(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> Iterator[tuple[FieldNode, frozenset[str]]]:
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            yield selection, seen
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:  # cycles are the validator's to report
                yield from _fields(fragments[name].selection_set, fragments, seen | {name})


class MaxNodesLimiter(SchemaExtension):
    """Refuses operations that could return more than `max_nodes` objects."""

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            fragments = {
                definition.name.value: definition
                for definition in document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            requested = count_requested(operation.selection_set, fragments, context.variables or {})
            if requested > self.max_nodes:
                raise GraphQLError(
                    f"this query could return up to {requested:,} objects, more than the "
                    f"limit of {self.max_nodes:,}: ask for smaller pages (first/last) or "
                    "fewer nested lists"
                )
        yield
