"""Per object plan, a generated function that turns one row into the selection's dict.

A row of 100 jobs with six fields would otherwise cost a Python call per field; the generated
function builds each dict in one expression. Only names and positions from the plan go into
the generated source, never a value from a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from jobgraph.graphql.compiled import values
from jobgraph.graphql.compiled.plan import ObjectPlan, Typename, Value

RowBuilder = Callable[[Sequence[Any], int, Sequence[Any]], dict[str, Any]]

_BUILDERS: WeakKeyDictionary[ObjectPlan, dict[tuple[Any, ...], RowBuilder]] = WeakKeyDictionary()


def row_builder(plan: ObjectPlan, positions: dict[str, int], dialect: str) -> RowBuilder:
    """build(row, n, batches): the dict for row n; batches[i] holds field i's answers when
    that field needed reads of its own."""
    known = _BUILDERS.setdefault(plan, {})
    key = (tuple(positions.items()), dialect)
    found = known.get(key)
    if found is None:
        found = known[key] = _generate(plan, positions, dialect)
    return found


def _generate(plan: ObjectPlan, positions: dict[str, int], dialect: str) -> RowBuilder:
    namespace: dict[str, Any] = {}
    entries = []
    for index, part in enumerate(plan.fields):
        key = repr(part.key)
        if isinstance(part, Typename):
            namespace[f"c{index}"] = part.name
            entries.append(f"{key}: c{index}")
        elif isinstance(part, Value):
            position = positions[part.column]
            convert = values.converter(part, dialect)
            if convert is values.same:
                entries.append(f"{key}: row[{position}]")
            else:
                namespace[f"f{index}"] = convert
                entries.append(f"{key}: f{index}(row[{position}])")
        else:
            entries.append(f"{key}: batches[{index}][n]")
    source = "def build(row, n, batches):\n    return {" + ", ".join(entries) + "}\n"
    exec(source, namespace)
    builder: RowBuilder = namespace["build"]
    return builder
