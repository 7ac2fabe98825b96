"""What one GraphQL document may ask for (depth, aliases, objects), checked in linear time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    get_operation_ast,
)
from strawberry.extensions import AddValidationRules, SchemaExtension

from jobgraph.graphql.errors import ErrorCode, with_code
from jobgraph.graphql.limits_walk import (
    alias_count,
    count_filter_values,
    count_requested,
    first_too_deep,
    fragment_definitions,
    measure_fragments,
    operation_depth,
    operations,
    selection_aliases,
    selection_depth,
)

# Depth and alias limits alone do not stop `projects(first: 100) { batches(first: 100) {
# jobs(first: 100) ... } }`, which asks for a million jobs: the node limit does. Every check
# measures each fragment once, so `...F1 ...F1` repeated forty levels down costs forty steps.

__all__ = [
    "Limits",
    "MaxAliasesLimiter",
    "MaxDepthLimiter",
    "MaxFilterValuesLimiter",
    "MaxNodesLimiter",
    "alias_count",
    "aliases_errors",
    "check_document",
    "count_requested",
    "depth_errors",
    "filter_values_error",
    "nodes_error",
    "operation_depth",
]


class Limits(Protocol):
    """The limits `check_document` applies; `Settings` is one."""

    @property
    def max_query_depth(self) -> int: ...

    @property
    def max_aliases(self) -> int: ...

    @property
    def max_query_nodes(self) -> int: ...

    @property
    def max_filter_values(self) -> int: ...


def depth_errors(document: DocumentNode, max_depth: int) -> list[GraphQLError]:
    """One error per operation nested deeper than `max_depth`, worded and located as
    Strawberry's QueryDepthLimiter words and locates its first one."""
    fragments = fragment_definitions(document)
    depths = measure_fragments(fragments, selection_depth)
    errors = []
    for operation in operations(document):
        if selection_depth(operation.selection_set, depths) > max_depth:
            name = operation.name.value if operation.name else "anonymous"
            node = first_too_deep(operation.selection_set, max_depth, fragments, depths)
            errors.append(
                GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {max_depth}", node or operation
                )
            )
    return errors


def aliases_errors(document: DocumentNode, max_aliases: int) -> list[GraphQLError]:
    """An error when the document's operations together alias more than `max_aliases` fields,
    worded as Strawberry's MaxAliasesLimiter."""
    aliases = measure_fragments(fragment_definitions(document), selection_aliases)
    total = sum(selection_aliases(op.selection_set, aliases) for op in operations(document))
    if total > max_aliases:
        return [GraphQLError(f"{total} aliases found. Allowed: {max_aliases}")]
    return []


def nodes_error(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    max_nodes: int,
) -> GraphQLError | None:
    """An error when the operation could return more than `max_nodes` objects, with the
    page sizes these variables give."""
    fragments = fragment_definitions(document)
    requested = count_requested(operation.selection_set, fragments, variables)
    if requested <= max_nodes:
        return None
    error = GraphQLError(
        f"this query could return up to {requested:,} objects, more than the "
        f"limit of {max_nodes:,}: ask for smaller pages (first/last) or "
        "fewer nested lists"
    )
    return with_code(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)


def filter_values_error(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    max_values: int,
) -> GraphQLError | None:
    """An error when the operation's filters, with these variables, hold more than
    `max_values` values in all (a nested list's filter counts once per parent item)."""
    fragments = fragment_definitions(document)
    found = count_filter_values(operation.selection_set, fragments, variables)
    if found <= max_values:
        return None
    error = GraphQLError(
        f"this query's filters hold {found:,} values, more than the limit of "
        f"{max_values:,}: send fewer ids or values, or fewer filtered lists"
    )
    return with_code(error, ErrorCode.BAD_USER_INPUT)


def check_document(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    limits: Limits,
) -> list[GraphQLError]:
    """What the schema's limits refuse in a parsed, validated document; [] when it may run.

    Depth and alias errors depend on the document alone; the node count needs the variables,
    and runs only when the others pass, as in the schema. Tokens are the parser's to count:
    parse with `max_tokens=settings.max_query_tokens`.
    """
    errors = depth_errors(document, limits.max_query_depth)
    errors += aliases_errors(document, limits.max_aliases)
    operation = get_operation_ast(document, operation_name)
    if errors or operation is None:
        return errors
    error = nodes_error(document, operation, variables, limits.max_query_nodes)
    error = error or filter_values_error(document, operation, variables, limits.max_filter_values)
    return [] if error is None else [error]


def _validation_rule(check: Callable[[DocumentNode], list[GraphQLError]]) -> type[ValidationRule]:
    class LimitRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for error in check(context.document):
                context.report_error(error)

    return LimitRule


class MaxDepthLimiter(AddValidationRules):
    """Refuses documents with an operation nested deeper than `max_depth` fields."""

    def __init__(self, max_depth: int) -> None:
        super().__init__([_validation_rule(lambda document: depth_errors(document, max_depth))])


class MaxAliasesLimiter(AddValidationRules):
    """Refuses documents that alias more than `max_alias_count` fields."""

    def __init__(self, max_alias_count: int) -> None:
        rule = _validation_rule(lambda document: aliases_errors(document, max_alias_count))
        super().__init__([rule])


class MaxNodesLimiter(SchemaExtension):
    """Refuses operations that could return more than `max_nodes` objects."""

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            error = nodes_error(document, operation, context.variables or {}, self.max_nodes)
            if error is not None:
                raise error
        yield


class MaxFilterValuesLimiter(SchemaExtension):
    """Refuses operations whose filters hold more than `max_values` values in all."""

    def __init__(self, max_values: int) -> None:
        self.max_values = max_values

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            variables = context.variables or {}
            error = filter_values_error(document, operation, variables, self.max_values)
            if error is not None:
                raise error
        yield
