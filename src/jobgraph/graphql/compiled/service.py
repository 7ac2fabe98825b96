"""The compiled path's entry: documents parsed, validated and checked once, plans cached.

`answer` returns the response of a request it can answer, or None: then the reference
(Strawberry) executor answers it, so errors, introspection and anything not compiled keep
exactly the reference's wording.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    OperationDefinitionNode,
    VariableNode,
    parse,
    validate,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.language import Visitor
from strawberry.types.arguments import convert_arguments

from jobgraph.db.raw import RawReader
from jobgraph.graphql.compiled.execute import Run, execute
from jobgraph.graphql.compiled.plan import (
    Connection,
    NotCompiledError,
    OperationPlan,
    compile_operation,
)
from jobgraph.graphql.compiled.values import FallbackError
from jobgraph.graphql.inputs import to_listing
from jobgraph.graphql.limits import (
    aliases_errors,
    depth_errors,
    filter_values_error,
    nodes_error,
)
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    JobFilterSpec,
    Listing,
    ProjectFilterSpec,
    Scope,
)
from jobgraph.settings import Settings

logger = logging.getLogger(__name__)

REQUESTS_PER_DOCUMENT = 64

NO_FILTER: dict[str, FilterSpec] = {
    "job": JobFilterSpec(),
    "batch": BatchFilterSpec(),
    "project": ProjectFilterSpec(),
}


@dataclass
class _Document:
    """A parsed, valid document within the static limits, and its plans so far."""

    document: DocumentNode
    operations: dict[str | None, OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]  # variables that @include/@skip read
    plans: dict[tuple[Any, ...], OperationPlan | None] = field(default_factory=dict)
    # Per operation and variables (as sent): what coercing and checking them gave, so a
    # request repeated with the same variables goes straight to its reads.
    requests: OrderedDict[tuple[str | None, bytes], _Request | None] = field(
        default_factory=OrderedDict
    )


@dataclass
class _Request:
    """An operation with one set of variables: coerced, within limits, planned."""

    plan: OperationPlan
    variables: VariableValues
    # By id() of the field node: its converted arguments, and a list field's listing.
    arguments: dict[int, dict[str, Any]] = field(default_factory=dict)
    listings: dict[int, Listing] = field(default_factory=dict)
    # The last caller's scope and its listing, by id() of the field node: callers in turn
    # with one scope (a service token, or authentication off) reuse it.
    scoped: dict[int, tuple[Scope, Listing]] = field(default_factory=dict)


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, None] = {}

    def enter_directive(self, node: Any, *_args: Any) -> None:
        if node.name.value in ("include", "skip"):
            for argument in node.arguments:
                if isinstance(argument.value, VariableNode):
                    self.names[argument.value.name.value] = None


class CompiledGraphQL:
    """Answers queries from compiled plans; None when the reference executor must answer."""

    def __init__(
        self, schema: strawberry.Schema, reader: RawReader, limits: Settings, cache_size: int = 512
    ) -> None:
        self._schema = schema
        self._graphql = schema._schema
        self.reader = reader
        self._limits = limits
        self._cache_size = cache_size
        self._documents: OrderedDict[str, _Document | None] = OrderedDict()
        self.answered = 0  # for tests: requests this path answered itself

    def _document(self, query: str) -> _Document | None:
        if query in self._documents:
            self._documents.move_to_end(query)
            return self._documents[query]
        found = self._prepare(query)
        self._documents[query] = found
        if len(self._documents) > self._cache_size:
            self._documents.popitem(last=False)
        return found

    def _prepare(self, query: str) -> _Document | None:
        try:
            document = parse(query, max_tokens=self._limits.max_query_tokens)
        except GraphQLError:
            return None
        if validate(self._graphql, document):
            return None
        limits = self._limits
        if depth_errors(document, limits.max_query_depth) or aliases_errors(
            document, limits.max_aliases
        ):
            return None
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations[definition.name.value if definition.name else None] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        finder = _DirectiveVariables()
        visit(document, finder)
        return _Document(document, operations, fragments, tuple(finder.names))

    async def answer(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        scope: Scope,
    ) -> dict[str, Any] | None:
        """The response to a query read within the caller's scope, or None to let the
        reference executor answer it. What is cached per document and variables never
        depends on the caller: the scope is applied to each request's reads."""
        document = self._document(query)
        if document is None:
            return None
        try:
            sent = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        key = (operation_name, sent)
        if key in document.requests:
            document.requests.move_to_end(key)
            request = document.requests[key]
        else:
            request = self._request(document, operation_name, variables or {})
            document.requests[key] = request
            if len(document.requests) > REQUESTS_PER_DOCUMENT:
                document.requests.popitem(last=False)
        if request is None:
            return None
        try:
            data = await execute(request.plan, self._run(request, scope))
        except FallbackError:
            return None
        except Exception:  # the reference executor answers, logs and masks it as it does
            logger.debug("compiled path fell back", exc_info=True)
            return None
        self.answered += 1
        return {"data": data}

    def _request(
        self, document: _Document, operation_name: str | None, variables: Mapping[str, Any]
    ) -> _Request | None:
        if operation_name is None and len(document.operations) == 1:
            operation = next(iter(document.operations.values()))
        else:
            found = document.operations.get(operation_name)
            if found is None:
                return None
            operation = found
        coerced = get_variable_values(
            self._graphql, operation.variable_definitions or (), dict(variables)
        )
        if isinstance(coerced, list):
            return None
        # The reference counts page sizes from the raw variables; so does this path, to agree.
        limits = self._limits
        if nodes_error(document.document, operation, variables, limits.max_query_nodes):
            return None
        if filter_values_error(document.document, operation, variables, limits.max_filter_values):
            return None
        plan = self._plan(document, operation, coerced.coerced)
        return None if plan is None else _Request(plan, coerced)

    def _plan(
        self, document: _Document, operation: OperationDefinitionNode, coerced: dict[str, Any]
    ) -> OperationPlan | None:
        name = operation.name.value if operation.name else None
        # true, false or null (null gets no plan: the reference answers with an error)
        key = (name, *(coerced.get(v) for v in document.directive_variables))
        if key not in document.plans:
            try:
                plan: OperationPlan | None = compile_operation(
                    self._graphql, operation, document.fragments, coerced
                )
            except NotCompiledError as error:
                logger.debug("not compiled: %s", error)
                plan = None
            document.plans[key] = plan
        return document.plans[key]

    def _run(self, request: _Request, scope: Scope) -> Run:
        converter = self._schema.schema_converter
        config = self._schema.config

        def arguments(definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
            found = request.arguments.get(id(node))
            if found is None:
                raw = get_argument_values(definition, node, request.variables)
                strawberry_field = definition.extensions["strawberry-definition"]
                found = convert_arguments(
                    raw, strawberry_field.arguments, converter.scalar_registry, config
                )
                request.arguments[id(node)] = found
            return found

        def listing(connection: Connection) -> Listing:
            # Inputs are frozen once converted, so one request's listing serves its repeats.
            node = id(connection.node)
            last = request.scoped.get(node)
            if last is not None and last[0] == scope:
                return last[1]
            found: Listing | None = request.listings.get(node)
            if found is None:
                empty = NO_FILTER[connection.entity.table.name]
                found = to_listing(empty, **arguments(connection.definition, connection.node))
                request.listings[node] = found
            within = found.scoped(scope)
            request.scoped[node] = (scope, within)
            return within

        return Run(self.reader, arguments, listing, scope)
