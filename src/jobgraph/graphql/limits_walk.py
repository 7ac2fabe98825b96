"""Linear walks over a GraphQL document: depth, aliases, objects and filter values asked for;
each fragment measured once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)

from jobgraph.domain import DEFAULT_PAGE_SIZE

PAGED_LISTS = {"jobs", "batches", "projects"}
VALUED_ARGUMENTS = ("filter", "ids")  # the arguments whose values become SQL parameters

# A selection set's weight, given the weights of the fragments it may spread. A spread whose
# fragment has no weight (unknown, or closing a cycle) weighs nothing: the validator reports it.
Measure = Callable[[SelectionSetNode, Mapping[str, int]], int]


def fragment_definitions(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments by name."""
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    """The document's operations, in document order."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition


def _spread_names(selections: SelectionSetNode) -> Iterator[str]:
    """Names of the fragments spread at any nesting in this selection set (not followed)."""
    pending = [selections]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)


def _fragment_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Every fragment name after those it spreads; a spread that closes a cycle is left out."""
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, _spread_names(fragments[root].selection_set))]
        while stack:  # iterative, so a long chain of fragments cannot exhaust the stack
            name, spreads = stack[-1]
            child = next(
                (child for child in spreads if child not in seen and child in fragments), None
            )
            if child is None:
                stack.pop()
                order.append(name)
            else:
                seen.add(child)
                stack.append((child, _spread_names(fragments[child].selection_set)))
    return order


def measure_fragments(
    fragments: Mapping[str, FragmentDefinitionNode], measure: Measure
) -> dict[str, int]:
    """Each fragment's weight, measured once, whatever the number of places it is spread."""
    weights: dict[str, int] = {}
    for name in _fragment_order(fragments):
        weights[name] = measure(fragments[name].selection_set, weights)
    return weights


def _is_introspection(field: FieldNode) -> bool:
    return field.name.value.startswith("__")


def selection_depth(selections: SelectionSetNode, fragment_depths: Mapping[str, int]) -> int:
    """Strawberry's depth: fields below fields, fragments counting as their contents.

    A field with a selection set is one level more than its deepest selection; a leaf and an
    introspection field (`__schema`, `__type`, `__typename`) are level 0, whatever they hold.
    """
    deepest = 0
    for selection in selections.selections:
        if isinstance(selection, FragmentSpreadNode):
            depth = fragment_depths.get(selection.name.value, 0)
        elif isinstance(selection, InlineFragmentNode):
            depth = selection_depth(selection.selection_set, fragment_depths)
        elif (
            isinstance(selection, FieldNode)
            and selection.selection_set
            and not _is_introspection(selection)
        ):
            depth = 1 + selection_depth(selection.selection_set, fragment_depths)
        else:
            depth = 0
        deepest = max(deepest, depth)
    return deepest


def first_too_deep(
    selections: SelectionSetNode,
    limit: int,
    fragments: Mapping[str, FragmentDefinitionNode],
    fragment_depths: Mapping[str, int],
) -> SelectionNode | None:
    """The first selection, in document order, under more than `limit` fields (Strawberry's
    error location); fragments are entered only when their depth says the answer is inside."""
    entered: set[str] = set()

    def search(selections: SelectionSetNode, level: int) -> SelectionNode | None:
        for selection in selections.selections:
            if level > limit:
                return selection
            inner, inner_level = None, level
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                reach = level + fragment_depths.get(name, 0)
                if reach > limit and name in fragments and name not in entered:
                    entered.add(name)
                    inner = fragments[name].selection_set
            elif isinstance(selection, InlineFragmentNode):
                inner = selection.selection_set
            elif isinstance(selection, FieldNode) and not _is_introspection(selection):
                inner, inner_level = selection.selection_set, level + 1
            found = search(inner, inner_level) if inner else None
            if found is not None:
                return found
        return None

    return search(selections, 0)


def selection_aliases(selections: SelectionSetNode, fragment_aliases: Mapping[str, int]) -> int:
    """Aliased fields, counting a fragment's aliases once per place it is spread."""
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FragmentSpreadNode):
            total += fragment_aliases.get(selection.name.value, 0)
        elif isinstance(selection, InlineFragmentNode):
            total += selection_aliases(selection.selection_set, fragment_aliases)
        elif isinstance(selection, FieldNode):
            total += selection.alias is not None
            if selection.selection_set:
                total += selection_aliases(selection.selection_set, fragment_aliases)
    return total


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


def requested_per_parent(
    selections: SelectionSetNode, fragment_counts: Mapping[str, int], variables: Mapping[str, Any]
) -> int:
    """The most objects the selection set can return under one parent object.

    A list field returns its page size per parent (`first`/`last`, from variables too, else the
    default page; `nodes(ids:)` as many as ids), and each of those items is a parent below it.
    """
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FragmentSpreadNode):
            total += fragment_counts.get(selection.name.value, 0)
        elif isinstance(selection, InlineFragmentNode):
            total += requested_per_parent(selection.selection_set, fragment_counts, variables)
        elif isinstance(selection, FieldNode):
            size = _page_size(selection, variables)
            below = selection.selection_set
            each = requested_per_parent(below, fragment_counts, variables) if below else 0
            total += each if size is None else size + size * each
    return total


def operation_depth(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """How deep the operation nests fields, as Strawberry's QueryDepthLimiter counts it."""
    depths = measure_fragments(fragment_definitions(document), selection_depth)
    return selection_depth(operation.selection_set, depths)


def alias_count(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """How many aliased fields the operation has once its fragments are spread out."""
    aliases = measure_fragments(fragment_definitions(document), selection_aliases)
    return selection_aliases(operation.selection_set, aliases)


def count_requested(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """The most objects the selection set can return: every list's page size times the page
    sizes of the lists around it, summed; linear since each fragment's count is per parent."""
    if selections is None:
        return 0

    def measure(inner: SelectionSetNode, counts: Mapping[str, int]) -> int:
        return requested_per_parent(inner, counts, variables)

    return measure(selections, measure_fragments(fragments, measure))


def _values_in(value: Any) -> int:
    """How many scalar values a variable's JSON value holds (null holds none)."""
    if isinstance(value, list):
        return sum(_values_in(item) for item in value)
    if isinstance(value, dict):
        return sum(_values_in(item) for item in value.values())
    return 0 if value is None else 1


def _literal_values(node: ValueNode, variables: Mapping[str, Any]) -> int:
    """How many scalar values an argument holds, literals and the variables inside them."""
    if isinstance(node, VariableNode):
        return _values_in(variables.get(node.name.value))
    if isinstance(node, ListValueNode):
        return sum(_literal_values(item, variables) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return sum(_literal_values(field.value, variables) for field in node.fields)
    return 0 if isinstance(node, NullValueNode) else 1


def filter_values_per_parent(
    selections: SelectionSetNode, fragment_values: Mapping[str, int], variables: Mapping[str, Any]
) -> int:
    """How many filter values the selection set sends to the database under one parent: each
    field's `filter` (and `nodes(ids:)`), and below a list, its items' own, once per item."""
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FragmentSpreadNode):
            total += fragment_values.get(selection.name.value, 0)
        elif isinstance(selection, InlineFragmentNode):
            total += filter_values_per_parent(selection.selection_set, fragment_values, variables)
        elif isinstance(selection, FieldNode):
            total += sum(
                _literal_values(argument.value, variables)
                for argument in selection.arguments or ()
                if argument.name.value in VALUED_ARGUMENTS
            )
            below = selection.selection_set
            if below:
                size = _page_size(selection, variables)
                each = filter_values_per_parent(below, fragment_values, variables)
                total += each if size is None else size * each
    return total


def count_filter_values(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """The filter values the whole selection set sends to the database; linear, as above."""
    if selections is None:
        return 0

    def measure(inner: SelectionSetNode, counts: Mapping[str, int]) -> int:
        return filter_values_per_parent(inner, counts, variables)

    return measure(selections, measure_fragments(fragments, measure))
