"""A seeded generator of GraphQL operations over the committed schema and the edge-case dataset.

Each operation mixes what clients send: aliases, named and inline fragments, @include/@skip,
variables (with defaults, left out, or inline), filter trees, multi-key orders, page windows
with real cursors from earlier answers, bad arguments, node lookups and nested lists.
"""

from __future__ import annotations

import base64
import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    TypeNode,
    build_schema,
    get_named_type,
    parse,
    print_ast,
)
from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, OperationDefinitionNode

from jobgraph.domain import OrderDirection
from jobgraph.query import reads
from jobgraph.query.paging import Entity
from jobgraph.query.spec import OrderTerm
from tests.dataset import T0, USERS, Dataset

SCHEMA = build_schema((Path(__file__).resolve().parent.parent / "schema.graphql").read_text())
ENTITIES: dict[str, Entity[Any]] = {
    "Job": reads.JOBS,
    "Batch": reads.BATCHES,
    "Project": reads.PROJECTS,
}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
INTS = [-1, 0, 1, 2, 50, 99, 100, 101, 500, 1000, 2**31 - 1]
TEXTS = ["", "abc", "ABC", "ab", "zz", "ü", "✨", "\U0010ffff", "Alp", "\u0392\u03ae", "g", "orion"]
MAX_LEVEL = 3  # objects nested below the root
MAX_DOCUMENT = 1200  # characters


class Enum(str):
    """An enum value: bare in a document, a string in variables."""


class Var(str):
    """A variable reference inside an inline value."""


@dataclass(frozen=True)
class Operation:
    label: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query, "variables": self.variables}
        if self.operation_name is not None:
            body["operationName"] = self.operation_name
        return body


class Cursors:
    """Cursors seen in answers, by the ordering signature they encode."""

    def __init__(self) -> None:
        self.by_signature: dict[str, list[str]] = defaultdict(list)

    def harvest(self, value: Any) -> None:
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            for item in value:
                self.harvest(item)
        elif isinstance(value, str) and len(value) > 24:
            signature = cursor_signature(value)
            known = self.by_signature[signature] if signature else None
            if known is not None and value not in known:
                known.append(value)


def cursor_signature(cursor: str) -> str | None:
    """The ordering signature a cursor carries, or None when it is no cursor."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None
    if isinstance(decoded, list) and len(decoded) == 2 and isinstance(decoded[0], str):
        return decoded[0]
    return None


def render(value: Any) -> str:
    """A value written inline in a document."""
    if isinstance(value, Var):
        return f"${value}"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}: {render(item)}" for key, item in value.items()) + "}"


def _object_type(name: str) -> GraphQLObjectType:
    found = SCHEMA.get_type(name)
    assert isinstance(found, GraphQLObjectType), name
    return found


def _is_leaf(definition: GraphQLField) -> bool:
    named = get_named_type(definition.type)
    return not definition.args and isinstance(named, GraphQLScalarType | GraphQLEnumType)


@dataclass
class _Item:
    """One selection: `head` (alias, name, arguments) and its selection set, if any."""

    head: str
    body: str | None = None
    again: Callable[[], str] | None = None  # another selection set for the same field

    def twin(self) -> _Item:
        """The same field again, to be merged with this one; maybe selecting other things."""
        return _Item(self.head, self.again() if self.again else self.body, self.again)

    def render(self, directive: str = "") -> str:
        return self.head + directive + ("" if self.body is None else f" {{ {self.body} }}")


@dataclass
class _Op:
    definitions: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


class OperationGenerator:
    """Random operations over the schema, with values drawn from `data`."""

    def __init__(self, seed: int, data: Dataset, cursors: Cursors) -> None:
        self.rng = random.Random(seed)
        self.cursors = cursors
        self.ids: dict[str, list[str]] = {
            "Job": [row["id"] for row in data.jobs],
            "Batch": [row["id"] for row in data.batches],
            "Project": [row["id"] for row in data.projects],
        }
        rows = data.jobs + data.batches
        self.times = [T0 + timedelta(hours=h) for h in (-1, 0, 1, 2, 3, 48, 24 * 30, 24 * 89)]
        self.times += [self.rng.choice(rows)["created_at"] for _ in range(6)]
        self.names = [row["name"] for row in data.projects] + ["nope"]
        self.counter = 0
        self.op = _Op()
        self.fragments: list[str] = []

    # Values

    def _pick(self, values: list[Any], most: int = 3) -> list[Any]:
        """Up to `most` of the values; none only now and then."""
        count = 0 if self.rng.random() < 0.1 else self.rng.randint(1, min(most, len(values)))
        return self.rng.sample(values, count)

    def an_id(self, kind: str | None = None) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return self.rng.choice([UNKNOWN_ID, "not-a-uuid", "", "12"])
        found = self.rng.choice(self.ids[kind or self.rng.choice(list(self.ids))])
        if roll < 0.09:  # the same UUID in another form
            return self.rng.choice(["{%s}", "urn:uuid:%s", " %s"]) % found.replace("-", "")
        return found.upper() if roll < 0.14 else found

    def a_time(self) -> str:
        """A time near one of the data's, in one of the forms DateTime takes."""
        moment = self.rng.choice(self.times)
        shift, style = self.rng.choice([0, 0, 1, -1]), self.rng.randrange(5)
        try:
            moment += timedelta(seconds=shift)
            if style == 2:
                return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
        except OverflowError:  # the first or last instant there is
            pass
        if style == 0:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if style == 1:
            return moment.replace(tzinfo=None).isoformat()  # naive times are UTC
        return moment.isoformat()

    def _input_value(self, owner: str, name: str, kind: GraphQLInputType, depth: int) -> Any:
        named = get_named_type(kind)
        listed = isinstance(kind, GraphQLList) or (
            isinstance(kind, GraphQLNonNull) and isinstance(kind.of_type, GraphQLList)
        )
        if name in ("and", "or"):
            return [self.filter(owner, depth + 1) for _ in range(self.rng.randint(0, 2))]
        if name == "not":
            return self.filter(owner, depth + 1)
        if isinstance(named, GraphQLInputObjectType):  # DateTimeRange, IntRange
            one: Callable[[], Any] = self.a_time if named.name == "DateTimeRange" else self._int
            return {bound: one() for bound in self._pick(list(named.fields), 2) or ["gte"]}
        if isinstance(named, GraphQLEnumType):
            return [Enum(value) for value in self._pick(list(named.values), 4)]
        if named.name == "ID":
            target = {"batchId": "Batch", "projectId": "Project"}.get(name, owner[: -len("Filter")])
            return [self.an_id(target) for _ in range(self.rng.randint(0, 3))]
        if named.name == "DateTime":
            return self.a_time()
        if named.name == "Int":
            return self._int()
        if named.name == "Boolean":
            return self.rng.random() < 0.5
        pool = {
            "userId": [*USERS, "nobody"],
            "deviceType": ["FRESNEL", "EMU_MPS", "other"],
            "tag": ["urgent", "ü-tag", "nightly", "none", ""],
            "name": self.names,
        }.get(name, TEXTS)
        if name == "idStartsWith" and self.rng.random() < 0.5:
            return self.an_id()[: self.rng.randint(1, 8)]
        return self._pick(pool) if listed else self.rng.choice(pool)

    def _int(self) -> int:
        return self.rng.choice(INTS)

    def filter(self, type_name: str, depth: int = 0, inline: bool = False) -> dict[str, Any]:
        """A random filter input; `inline` may turn some of its values into variables."""
        kind = SCHEMA.get_type(type_name)
        assert isinstance(kind, GraphQLInputObjectType)
        names = list(kind.fields)
        if depth >= 3:
            names = [name for name in names if name not in ("and", "or", "not")]
        chosen: dict[str, Any] = {}
        for name in self._pick(names, 3):
            kind_of_field = kind.fields[name].type
            value = self._input_value(type_name, name, kind_of_field, depth)
            if inline and self.rng.random() < 0.15:
                value = Var(self._declare(str(kind_of_field), value))
            chosen[name] = value
        return chosen

    def order(self, item: str) -> list[dict[str, Any]]:
        order_input = SCHEMA.get_type(f"{item}Order")
        assert isinstance(order_input, GraphQLInputObjectType)
        fields = get_named_type(order_input.fields["field"].type)
        assert isinstance(fields, GraphQLEnumType)
        terms = []
        for name in self.rng.choices(list(fields.values), k=self.rng.randint(0, 3)):
            term: dict[str, Any] = {"field": Enum(name)}
            if self.rng.random() < 0.8:
                term["direction"] = Enum(self.rng.choice(["ASC", "DESC"]))
            terms.append(term)
        return terms

    def signature(self, item: str, order: list[dict[str, Any]] | None) -> str:
        terms = [
            OrderTerm(term["field"].lower(), OrderDirection(term.get("direction", "DESC")))
            for term in order or ()
        ]
        return ENTITIES[item].ordering(terms).signature

    # Variables and directives

    def _declare(self, type_text: str, value: Any, *, default: bool = False) -> str:
        self.counter += 1
        name = f"v{self.counter}"
        if default and "!" not in type_text[-1:] and not _has_var(value):
            self.op.definitions[name] = f"{type_text} = {render(value)}"
            roll = self.rng.random()
            if roll < 0.3:  # null, the default, or another value
                self.op.values[name] = None if roll < 0.1 else value
            return name
        self.op.definitions[name] = type_text
        if value is not None or self.rng.random() < 0.5:
            self.op.values[name] = value
        return name

    def argument(self, type_text: str, value: Any) -> str:
        """The value inline, or as a variable (sent, left to its default, or left out)."""
        if _has_var(value) or self.rng.random() < 0.5:
            return render(value)
        return f"${self._declare(type_text, value, default=self.rng.random() < 0.15)}"

    def directive(self) -> str:
        """Mostly none; else @include or @skip (now and then both) on a literal or a variable."""
        if self.rng.random() < 0.02:
            first, second = self.rng.sample(["include", "skip"], 2)
            roll = self.rng.random() * 0.15
            return self._directive(roll, first) + self._directive(roll, second)
        return self._directive(self.rng.random(), self.rng.choice(["include", "skip"]))

    def _directive(self, roll: float, name: str) -> str:
        if roll > 0.15:
            return ""
        flag = self.rng.random() < 0.5
        if roll < 0.04:
            return f" @{name}(if: {render(flag)})"
        if roll < 0.07:
            return f" @{name}(if: ${self._declare('Boolean', flag, default=True)})"
        return f" @{name}(if: ${self._declare('Boolean!', flag)})"

    def alias(self, name: str) -> str:
        if self.rng.random() < 0.1:
            self.counter += 1
            return f"a{self.counter}: {name}"
        return name

    # Selections

    def group(self, type_name: str, items: list[_Item]) -> str:
        """Items as they are, or wrapped in inline fragments and fragment spreads."""
        out: list[str] = []
        start = 0
        while start < len(items):
            chunk = items[start : start + self.rng.randint(1, 3)]
            start += len(chunk)
            roll = self.rng.random()
            if roll < 0.65:
                out += [item.render(self.directive()) for item in chunk]
                continue
            body = " ".join(item.render() for item in chunk)
            if roll < 0.8:
                out.append(f"... on {type_name}{self.directive()} {{ {body} }}")
            elif roll < 0.86:
                out.append(f"...{self.directive()} {{ {body} }}")
            else:
                self.counter += 1
                name = f"F{self.counter}"
                self.fragments.append(f"fragment {name} on {type_name} {{ {body} }}")
                out.append(f"...{name}{self.directive()}")
        return " ".join(out)

    def selection(self, type_name: str, level: int, scale: int) -> str:
        kind = _object_type(type_name)
        leaves = [name for name, spec in kind.fields.items() if _is_leaf(spec)]
        items = [_Item(self.alias(name)) for name in self._pick(leaves, 2 if level > 1 else 3)]
        for name, spec in kind.fields.items():
            named = get_named_type(spec.type)
            if _is_leaf(spec) or level >= MAX_LEVEL:
                continue
            if named.name in ENTITIES:
                if self.rng.random() < 0.2:

                    def target(kind: str = named.name) -> str:
                        return self.selection(kind, level + 1, scale)

                    items.append(_Item(self.alias(name), target(), target))
            elif named.name.endswith("Connection"):
                if self.rng.random() < 0.4 / (level + 1):
                    items.append(self.connection(spec, name, level + 1, scale))
            elif self.rng.random() < 0.3:  # Batch.jobsCountPerStatus
                parts = self._pick(["status", "count", "__typename"]) or ["count"]
                items.append(_Item(self.alias(name), " ".join(parts)))
        if self.rng.random() < 0.15:
            items.append(_Item("__typename"))
        if self.rng.random() < 0.08:
            items.append(_Item("... on Node", "id"))
        if not items or self.rng.random() < 0.1:
            items.append(_Item("id"))
        if self.rng.random() < 0.1:
            items.append(self.rng.choice(items).twin())  # the same key twice: they merge
        return self.group(type_name, items)

    def window(
        self, item: str, order: list[dict[str, Any]] | None, level: int, scale: int
    ) -> dict[str, Any]:
        """first/last/after/before: real cursors of this order, and sometimes bad ones."""
        sizes = [1, 2, 3, 5] if level else [1, 2, 3, 5, 10, 25, 100]
        size = self.rng.choice(sizes)
        found = self.cursors.by_signature.get(self.signature(item, order)) or []
        cursor = self.rng.choice(found) if found else None
        roll = self.rng.random()
        if roll < 0.04:
            return self.rng.choice(
                [{"first": 0}, {"first": 101}, {"last": 0}, {"first": -1}, {"first": 2, "last": 2}]
            )
        if roll < 0.08:
            others = [c for known in self.cursors.by_signature.values() for c in known]
            bad = ["not a cursor", "", "bm90IGpzb24", *others[:: max(1, len(others) // 5)]]
            forged = [self.signature(item, order), [12, "x", None, "2024-01-01T00:00:00"]]
            bad.append(base64.urlsafe_b64encode(json.dumps(forged).encode()).decode())
            return {"first": size, "after": self.rng.choice(bad)}
        if roll < 0.25 and scale <= 25:
            return {}  # 100 of each, the default
        windows: list[dict[str, Any]] = [
            {"first": size},
            {"last": size},
            {"first": size, "after": cursor},
            {"last": size, "before": cursor},
            {"after": cursor},
            {"before": cursor},
            {"first": size, "before": cursor},
            {"last": size, "after": cursor},
        ]
        chosen = self.rng.choices(windows, weights=[4, 2, 4, 3, 1, 1, 1, 1])[0]
        return {key: value for key, value in chosen.items() if value is not None}

    def connection(self, spec: GraphQLField, name: str, level: int, scale: int) -> _Item:
        connection_type = get_named_type(spec.type)
        assert isinstance(connection_type, GraphQLObjectType)
        item = get_named_type(connection_type.fields["nodes"].type).name
        arguments: list[str] = []
        if self.rng.random() < 0.5:
            value = self.filter(f"{item}Filter", inline=True)
            arguments.append(f"filter: {self.argument(f'{item}Filter', value)}")
        order = self.order(item) if self.rng.random() < 0.5 else None
        if order is not None:
            arguments.append(f"orderBy: {self.argument(f'[{item}Order!]', order)}")
        window = self.window(item, order, level, scale)
        for key, value in window.items():
            type_text = "Int" if key in ("first", "last") else "String"
            arguments.append(f"{key}: {self.argument(type_text, value)}")
        size = window.get("first") or window.get("last") or 100
        inner = scale * size if isinstance(size, int) and 0 < size <= 100 else scale

        def node() -> str:
            return self.selection(item, level, inner)

        def body() -> str:
            return self.group(connection_type.name, self._connection_parts(connection_type, node))

        head = self.alias(name) + (f"({', '.join(arguments)})" if arguments else "")
        return _Item(head, body(), body)

    def _connection_parts(
        self, connection_type: GraphQLObjectType, node: Callable[[], str]
    ) -> list[_Item]:
        parts: list[_Item] = []
        if self.rng.random() < 0.45:
            parts.append(_Item(self.alias("totalCount")))
        if self.rng.random() < 0.6:
            edge_parts = [_Item(self.alias("node"), node())] if self.rng.random() < 0.9 else []
            edge_parts += [_Item(self.alias("cursor"))] if self.rng.random() < 0.5 else []
            edge_parts += [_Item("__typename")] if self.rng.random() < 0.1 else []
            edge_type = get_named_type(connection_type.fields["edges"].type).name
            body = self.group(edge_type, edge_parts or [_Item("cursor")])
            parts.append(_Item(self.alias("edges"), body))
        if self.rng.random() < 0.3:
            parts.append(_Item(self.alias("nodes"), node()))
        if self.rng.random() < 0.45:
            info = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
            chosen = [_Item(self.alias(part)) for part in self._pick(info, 4)]
            parts.append(_Item("pageInfo", self.group("PageInfo", chosen or [_Item("endCursor")])))
        if not parts or self.rng.random() < 0.05:
            parts.append(_Item("__typename"))
        return parts

    def node_selection(self) -> str:
        items = [_Item("__typename")] if self.rng.random() < 0.7 else []
        items += [_Item("id")] if self.rng.random() < 0.6 else []
        for kind in self._pick(list(ENTITIES), 3):
            items.append(_Item(f"... on {kind}", self.selection(kind, 1, 1)))
        return self.group("Node", items or [_Item("id")])

    def root_field(self, used: set[str]) -> _Item:
        """One field of Query; an argument-taking field already in `used` gets an alias."""
        item = self._root_field()
        key = item.head.split("(")[0]
        if key in used and "(" in item.head:
            self.counter += 1
            item.head = f"r{self.counter}: {item.head}"
        used.add(key)
        return item

    def _root_field(self) -> _Item:
        query = _object_type("Query")
        roll = self.rng.random()
        if roll < 0.55:
            name = self.rng.choices(["jobs", "batches", "projects"], weights=[4, 3, 2])[0]
            return self.connection(query.fields[name], name, 0, 1)
        if roll < 0.75:
            name = self.rng.choice(["job", "batch", "project"])
            target = self.an_id(name.capitalize() if self.rng.random() < 0.85 else None)
            head = f"{self.alias(name)}(id: {self.argument('ID!', target)})"
            return _Item(head, self.selection(name.capitalize(), 1, 1))
        if roll < 0.85:
            head = f"{self.alias('node')}(id: {self.argument('ID!', self.an_id())})"
            return _Item(head, self.node_selection())
        if roll < 0.97:
            count = 101 if self.rng.random() < 0.03 else self.rng.randint(0, 6)
            ids = [self.an_id() for _ in range(count)]
            head = f"{self.alias('nodes')}(ids: {self.argument('[ID!]!', ids)})"
            return _Item(head, self.node_selection())
        return _Item("__typename")

    def operation(self, label: str) -> Operation:
        """One random document, with one or two operations; the request names one."""
        while True:  # the rare huge document costs much to validate and adds little
            found = self._operation(label)
            if len(found.query) <= MAX_DOCUMENT:
                return found

    def _operation(self, label: str) -> Operation:
        self.counter = 0
        self.fragments = []
        texts: list[tuple[str, _Op]] = []
        for index in range(2 if self.rng.random() < 0.08 else 1):
            self.op = _Op()
            used: set[str] = set()
            fields = [self.root_field(used) for _ in range(self.rng.choice([1, 1, 2, 3]))]
            body = self.group("Query", fields)
            definitions = ", ".join(f"${n}: {t}" for n, t in self.op.definitions.items())
            head = f"query Op{index}" + (f"({definitions})" if definitions else "")
            if not definitions and index == 0 and self.rng.random() < 0.3:
                head = ""
            texts.append((f"{head} {{ {body} }}".strip(), self.op))
        chosen = self.rng.randrange(len(texts))
        named = len(texts) > 1 or self.rng.random() < 0.2
        name = f"Op{chosen}" if named and texts[chosen][0].startswith("query") else None
        variables = dict(texts[chosen][1].values)
        if variables and self.rng.random() < 0.02:  # a value of the wrong type
            variables[self.rng.choice(list(variables))] = "three"
        parts = [text for text, _ in texts] + self.fragments
        self.rng.shuffle(parts)
        return Operation(label, "\n".join(parts), variables, name)

    def variables_for(self, query: str) -> dict[str, Any]:
        """Values for the variables an existing document declares, drawn like the generator's."""
        found: dict[str, Any] = {}
        for definition in parse(query).definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            for variable in definition.variable_definitions or ():
                name = variable.variable.name.value
                value = self._value_for(variable.type, name)
                if value is not None or isinstance(variable.type, NonNullTypeNode):
                    found[name] = value
        return found

    def _value_for(self, node: TypeNode, name: str) -> Any:
        required = isinstance(node, NonNullTypeNode)
        inner = node.type if isinstance(node, NonNullTypeNode) else node
        if not required and self.rng.random() < 0.3:
            return None
        if isinstance(inner, ListTypeNode):
            item = print_ast(inner.type).rstrip("!")
            if item.endswith("Order"):
                return self.order(item[: -len("Order")])
            return [self._value_for(inner.type, name) for _ in range(self.rng.randint(0, 4))]
        assert isinstance(inner, NamedTypeNode)
        type_name = inner.name.value
        if type_name.endswith("Filter"):
            return self.filter(type_name)
        if type_name == "ID":
            return self.an_id()
        if type_name == "Int":
            return self.rng.choice([1, 2, 3, 5, 10])
        if type_name == "Boolean":
            return self.rng.random() < 0.5
        known = [cursor for found in self.cursors.by_signature.values() for cursor in found]
        return self.rng.choice(known) if known else None


def _has_var(value: Any) -> bool:
    if isinstance(value, Var):
        return True
    if isinstance(value, list):
        return any(_has_var(item) for item in value)
    if isinstance(value, dict):
        return any(_has_var(item) for item in value.values())
    return False


# The filters and fields the SDK's batch and project routes brought, each at least once in the
# fixed corpus whatever the generator draws: root and nested, alone and composed.
SDK_FIELD_DOCUMENTS = [
    "{ jobs(first: 20, filter: {hasResult: true}) { totalCount edges { node { id result } } } }",
    "{ jobs(first: 20, filter: {hasResult: false, status: [DONE]}) { totalCount nodes { id } } }",
    "{ jobs(first: 5, filter: {not: {hasResult: true}, or: [{errors: true}, {hasResult: true}]})"
    " { totalCount nodes { id status } } }",
    "{ batches(filter: {queuePriority: [HIGH, LOW]}) { totalCount nodes { id queuePriority } } }",
    '{ batches(filter: {startDate: "2024-03-12T12:00:00Z", endDate: "2024-03-14T12:00:00"})'
    " { totalCount nodes { id createdAt } } }",
    '{ batches(filter: {and: [{queuePriority: []}], not: {startDate: "2024-03-11"}})'
    " { totalCount } }",
    "{ projects { nodes { name projectStatus batches(filter: {queuePriority: [MEDIUM]}) {"
    " nodes { id queuePriority jobs(filter: {hasResult: true}) { totalCount nodes { id } } }"
    " } } } }",
    "{ projects(filter: {projectStatus: [ACTIVE]}) { totalCount nodes { id projectStatus } } }",
    "{ projects(filter: {not: {projectStatus: [ARCHIVED]}}) { totalCount } }",
]
