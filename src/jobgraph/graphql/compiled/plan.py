"""An operation compiled into a plan: which reads to run and how rows become the response.

A plan is made once per document, operation and @include/@skip outcome, and never holds a
variable's value: arguments stay field nodes, evaluated per request. Anything the plan does
not know (introspection, a field added to the schema later) makes the operation uncompiled,
and it runs on the Strawberry executor instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from jobgraph.db import models
from jobgraph.db.types import UTCDateTime
from jobgraph.query import documents, reads
from jobgraph.query.paging import Entity


class NotCompiledError(Exception):
    """The operation uses something the compiled path does not cover."""


ENTITIES: dict[str, Entity[Any]] = {
    "Job": reads.JOBS,
    "Batch": reads.BATCHES,
    "Project": reads.PROJECTS,
}
# (type, field) -> (foreign key column, target type)
TO_ONE = {
    ("Job", "batch"): ("batch_id", "Batch"),
    ("Job", "project"): ("project_id", "Project"),
    ("Job", "parent"): ("parent_id", "Job"),
    ("Batch", "project"): ("project_id", "Project"),
    ("Batch", "parent"): ("parent_id", "Batch"),
}
# (type, field) -> (target type, the target's column naming the parent)
NESTED_LISTS = {
    ("Batch", "jobs"): ("Job", "batch_id"),
    ("Project", "batches"): ("Batch", "project_id"),
    ("Project", "jobs"): ("Job", "project_id"),
}
ROOT_LISTS = {"jobs": "Job", "batches": "Batch", "projects": "Project"}
ROOT_OBJECTS = {"job": "Job", "batch": "Batch", "project": "Project"}


@dataclass(frozen=True)
class Value:
    """A column read as is; `kind` says how the database's value becomes JSON."""

    key: str
    column: str
    kind: str  # text, int, bool, time, json or enum
    allowed: frozenset[str] = frozenset()  # the enum's values


@dataclass(frozen=True)
class Typename:
    key: str
    name: str


@dataclass(frozen=True)
class ToOne:
    """A related object found by a foreign key (job.batch, batch.project, job.parent ...)."""

    key: str
    foreign_key: str
    target: ObjectPlan


@dataclass(frozen=True)
class Connection:
    """A Relay connection: the list's field, and what of it is selected."""

    key: str
    definition: GraphQLField
    node: FieldNode
    entity: Entity[Any]
    parent_column: str | None  # None at the root
    fields: tuple[ConnectionField, ...]
    columns: tuple[str, ...]  # what every selection on the nodes reads, id first
    # The whole answer as PostgreSQL can write it, for a nested list of plain columns only.
    document: documents.Document | None = None


@dataclass(frozen=True)
class ConnectionField:
    """One selected field of a connection, an edge or pageInfo; `parts` for nested ones."""

    key: str
    name: str  # edges, nodes, pageInfo, totalCount, __typename, cursor, node, hasNextPage ...
    typename: str = ""
    parts: tuple[ConnectionField, ...] = ()
    node: ObjectPlan | None = None


@dataclass(frozen=True)
class StatusCounts:
    """Batch.jobsCount (parts empty) or Batch.jobsCountPerStatus (parts: status, count...)."""

    key: str
    per_status: bool
    parts: tuple[tuple[str, str], ...] = ()  # (response key, status | count | __typename)
    typename: str = ""


@dataclass(frozen=True)
class Result:
    key: str


Field = Value | Typename | ToOne | Connection | StatusCounts | Result


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: plans are cached by it
class ObjectPlan:
    typename: str
    entity: Entity[Any]
    fields: tuple[Field, ...]
    columns: tuple[str, ...]  # what the fields read, id first


@dataclass(frozen=True)
class RootObject:
    """job(id:), batch(id:), project(id:), node(id:) or nodes(ids:)."""

    key: str
    definition: GraphQLField
    node: FieldNode
    plans: tuple[ObjectPlan, ...]  # one per type the id may name, in lookup order
    many: bool


RootField = Typename | Connection | RootObject


@dataclass(frozen=True)
class OperationPlan:
    fields: tuple[RootField, ...]


@dataclass
class _Collector:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    directives: Mapping[str, Any]  # coerced variables that @include/@skip read
    enums: dict[str, frozenset[str]] = field(default_factory=dict)

    def collect(
        self, selection_sets: Sequence[SelectionSetNode | None], runtime: str
    ) -> dict[str, list[FieldNode]]:
        """Fields by response key, as graphql-core's collect_fields merges them."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self._applies(condition.name.value, runtime):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in visited:
                        continue
                    visited.add(name)
                    fragment = self.fragments.get(name)
                    if fragment and self._applies(fragment.type_condition.name.value, runtime):
                        walk(fragment.selection_set)

        for selection_set in selection_sets:
            if selection_set is not None:
                walk(selection_set)
        return fields

    def _applies(self, condition: str, runtime: str) -> bool:
        if condition == runtime:
            return True
        kind = self.schema.get_type(condition)
        if isinstance(kind, GraphQLInterfaceType):
            target = self.schema.get_type(runtime)
            return isinstance(target, GraphQLObjectType) and kind in target.interfaces
        return False

    def _included(self, selection: Any) -> bool:
        """As graphql-core decides: @skip first, then @include (the first of each)."""
        found: dict[str, Any] = {}
        for directive in selection.directives or ():
            found.setdefault(directive.name.value, directive)
        if self._flag(found.get("skip")):
            return False
        return self._flag(found.get("include")) is not False

    def _flag(self, directive: Any) -> bool | None:
        """A directive's `if`, None when there is no directive."""
        if directive is None:
            return None
        argument = next((a for a in directive.arguments if a.name.value == "if"), None)
        if argument is None:
            raise NotCompiledError("a directive without `if`")
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            flag = self.directives.get(value.name.value)
            if flag is None:  # null sent for a defaulted variable: the reference refuses it
                raise NotCompiledError("a directive's `if` is null")
            return bool(flag)
        raise NotCompiledError("a directive argument of another kind")


def compile_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    directives: Mapping[str, Any],
) -> OperationPlan:
    """The plan of a validated query; raises NotCompiledError for what it does not cover."""
    if operation.operation.value != "query":
        raise NotCompiledError("only queries are compiled")
    collector = _Collector(schema, fragments, directives)
    root = schema.query_type
    assert root is not None
    planned: list[RootField] = []
    for key, nodes in collector.collect([operation.selection_set], root.name).items():
        name = nodes[0].name.value
        if name == "__typename":
            planned.append(Typename(key, root.name))
        elif name in ROOT_LISTS:
            type_name = ROOT_LISTS[name]
            planned.append(
                _connection(collector, key, root.fields[name], nodes, ENTITIES[type_name], None)
            )
        elif name in ROOT_OBJECTS:
            plan = _object(collector, ROOT_OBJECTS[name], _sets(nodes))
            planned.append(RootObject(key, root.fields[name], nodes[0], (plan,), many=False))
        elif name in ("node", "nodes"):
            plans = tuple(
                _object(collector, kind, _sets(nodes)) for kind in ("Job", "Batch", "Project")
            )
            planned.append(
                RootObject(key, root.fields[name], nodes[0], plans, many=name == "nodes")
            )
        else:
            raise NotCompiledError(f"Query.{name}")
    return OperationPlan(tuple(planned))


def _sets(nodes: Sequence[FieldNode]) -> list[SelectionSetNode | None]:
    return [node.selection_set for node in nodes]


def _object(
    collector: _Collector, type_name: str, sets: Sequence[SelectionSetNode | None]
) -> ObjectPlan:
    kind = collector.schema.get_type(type_name)
    assert isinstance(kind, GraphQLObjectType)
    entity = ENTITIES[type_name]
    table = entity.table
    fields: list[Field] = []
    columns: dict[str, None] = {"id": None}
    for key, nodes in collector.collect(sets, type_name).items():
        name = nodes[0].name.value
        if name == "__typename":
            fields.append(Typename(key, type_name))
            continue
        definition = kind.fields.get(name)
        if definition is None:
            raise NotCompiledError(f"{type_name}.{name}")
        python_name = definition.extensions["strawberry-definition"].python_name
        if (type_name, name) in TO_ONE:
            foreign_key, target = TO_ONE[(type_name, name)]
            columns[foreign_key] = None
            fields.append(ToOne(key, foreign_key, _object(collector, target, _sets(nodes))))
        elif (type_name, name) in NESTED_LISTS:
            target, parent_column = NESTED_LISTS[(type_name, name)]
            fields.append(
                _connection(collector, key, definition, nodes, ENTITIES[target], parent_column)
            )
        elif (type_name, python_name) == ("Batch", "jobs_count"):
            fields.append(StatusCounts(key, per_status=False))
        elif (type_name, python_name) == ("Batch", "jobs_count_per_status"):
            fields.append(_status_counts(collector, key, nodes, definition))
        elif (type_name, python_name) == ("Job", "result"):
            fields.append(Result(key))
        elif python_name in table.c:
            columns[python_name] = None
            fields.append(_value(collector, key, python_name, table.c[python_name], definition))
        else:
            raise NotCompiledError(f"{type_name}.{name}")
    return ObjectPlan(type_name, entity, tuple(fields), tuple(columns))


def _value(
    collector: _Collector, key: str, column_name: str, column: Any, definition: GraphQLField
) -> Value:
    named = get_named_type(definition.type)
    if isinstance(named, GraphQLEnumType):
        return Value(key, column_name, "enum", frozenset(named.values))
    if isinstance(column.type, UTCDateTime):
        return Value(key, column_name, "time")
    if column_name in ("variables", "errors", "tags", "configuration"):
        return Value(key, column_name, "json")
    python_type = column.type.python_type
    kind = {int: "int", bool: "bool"}.get(python_type, "text")
    return Value(key, column_name, kind)


def _status_counts(
    collector: _Collector, key: str, nodes: Sequence[FieldNode], definition: GraphQLField
) -> StatusCounts:
    item = get_named_type(definition.type)
    assert isinstance(item, GraphQLObjectType)
    parts = []
    for part_key, part_nodes in collector.collect(_sets(nodes), item.name).items():
        name = part_nodes[0].name.value
        if name not in ("status", "count", "__typename"):
            raise NotCompiledError(f"{item.name}.{name}")
        parts.append((part_key, name))
    return StatusCounts(key, per_status=True, parts=tuple(parts), typename=item.name)


def _connection(
    collector: _Collector,
    key: str,
    definition: GraphQLField,
    nodes: Sequence[FieldNode],
    entity: Entity[Any],
    parent_column: str | None,
) -> Connection:
    connection_type = get_named_type(definition.type)
    assert isinstance(connection_type, GraphQLObjectType)
    item_type = _item_type_name(entity)
    columns: dict[str, None] = {"id": None}

    def parts(
        type_name: str, sets: Sequence[SelectionSetNode | None]
    ) -> tuple[ConnectionField, ...]:
        found = []
        kind = collector.schema.get_type(type_name)
        assert isinstance(kind, GraphQLObjectType)
        for part_key, part_nodes in collector.collect(sets, type_name).items():
            name = part_nodes[0].name.value
            if name == "__typename":
                found.append(ConnectionField(part_key, name, typename=type_name))
                continue
            if name not in kind.fields:
                raise NotCompiledError(f"{type_name}.{name}")
            sub_sets = _sets(part_nodes)
            if name in ("node", "nodes"):
                item = _object(collector, item_type, sub_sets)
                columns.update(dict.fromkeys(item.columns))
                found.append(ConnectionField(part_key, name, node=item))
            elif name in ("edges", "pageInfo"):
                target = get_named_type(kind.fields[name].type)
                found.append(ConnectionField(part_key, name, parts=parts(target.name, sub_sets)))
            else:
                found.append(ConnectionField(part_key, name))
        return tuple(found)

    fields = parts(connection_type.name, _sets(nodes))
    document = None if parent_column is None else _document(fields, entity)
    return Connection(
        key, definition, nodes[0], entity, parent_column, fields, tuple(columns), document
    )


def _document(fields: Sequence[ConnectionField], entity: Entity[Any]) -> documents.Document | None:
    """The connection's answer as a document (query/documents.py): edges and nodes of plain
    columns and type names, cursors, totalCount and pageInfo; None for any other selection
    (a relation, a JSON field)."""

    def connection_part(part: ConnectionField) -> documents.Part | None:
        if part.name == "__typename":
            return documents.Constant(part.typename)
        if part.name == "totalCount":
            return documents.Count()
        if part.name == "pageInfo":
            return object_part([(item.key, page_info_part(item)) for item in part.parts])
        if part.name == "nodes" and part.node is not None:
            node = node_part(part.node)
            return None if node is None else documents.EachRow(node)
        if part.name == "edges":
            edge = object_part([(item.key, edge_part(item)) for item in part.parts])
            return None if edge is None else documents.EachRow(edge)
        return None

    def page_info_part(part: ConnectionField) -> documents.Part | None:
        if part.name == "__typename":
            return documents.Constant(part.typename)
        if part.name in ("hasNextPage", "hasPreviousPage"):
            return documents.PageFlag(next=part.name == "hasNextPage")
        if part.name in ("startCursor", "endCursor"):
            return documents.Cursor("start" if part.name == "startCursor" else "end")
        return None

    def edge_part(part: ConnectionField) -> documents.Part | None:
        if part.name == "__typename":
            return documents.Constant(part.typename)
        if part.name == "cursor":
            return documents.Cursor("row")
        return node_part(part.node) if part.name == "node" and part.node is not None else None

    def node_part(plan: ObjectPlan) -> documents.Fields | None:
        items: list[tuple[str, documents.Part | None]] = []
        for item in plan.fields:
            if isinstance(item, Typename):
                items.append((item.key, documents.Constant(item.name)))
            elif isinstance(item, Value) and item.kind != "json":
                items.append((item.key, documents.Value(item.column, item.kind, item.allowed)))
            else:
                items.append((item.key, None))
        return object_part(items)

    def object_part(items: Sequence[tuple[str, documents.Part | None]]) -> documents.Fields | None:
        if any(part is None for _key, part in items):
            return None
        return documents.Fields(tuple((key, part) for key, part in items if part is not None))

    top = [(part.key, connection_part(part)) for part in fields]
    document = object_part(top)
    if document is None or not any(isinstance(part, documents.EachRow) for _k, part in top):
        return None
    return document if documents.supports(entity, document) else None


def _item_type_name(entity: Entity[Any]) -> str:
    return {models.job_table.name: "Job", models.batch_table.name: "Batch"}.get(
        entity.table.name, "Project"
    )
