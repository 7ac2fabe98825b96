"""Per object plan, a generated function that turns a list of rows into the selection's dicts.

A page of 100 jobs with six fields would otherwise cost a Python call per field; the generated
function builds every dict of the page in one comprehension, calls a conversion only where the
database's value needs one, and checks enum values once per page. Only names and positions from
the plan go into the generated source, never a value from a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from jobgraph.graphql.compiled import values
from jobgraph.graphql.compiled.plan import ObjectPlan, Typename, Value

RowsBuilder = Callable[[Sequence[Sequence[Any]], Sequence[Any]], list[dict[str, Any]]]

_BUILDERS: WeakKeyDictionary[ObjectPlan, dict[tuple[Any, ...], RowsBuilder]] = WeakKeyDictionary()


def rows_builder(plan: ObjectPlan, positions: dict[str, int], dialect: str) -> RowsBuilder:
    """build(rows, batches): the dict of each row; batches[i][n] holds field i's answer for
    row n when that field needed reads of its own."""
    known = _BUILDERS.setdefault(plan, {})
    key = (tuple(positions.items()), dialect)
    found = known.get(key)
    if found is None:
        found = known[key] = _generate(plan, positions, dialect)
    return found


def _generate(plan: ObjectPlan, positions: dict[str, int], dialect: str) -> RowsBuilder:
    namespace: dict[str, Any] = {"check_enum": values.check_enum}
    entries = []
    checks = []
    batched = False
    for index, part in enumerate(plan.fields):
        key = repr(part.key)
        if isinstance(part, Typename):
            namespace[f"c{index}"] = part.name
            entries.append(f"{key}: c{index}")
        elif isinstance(part, Value):
            position = positions[part.column]
            if part.kind == "enum":
                namespace[f"a{index}"] = frozenset([*part.allowed, None])
                checks.append(f"    check_enum([row[{position}] for row in rows], a{index})\n")
                entries.append(f"{key}: row[{position}]")
                continue
            convert = values.converter(part, dialect)
            if convert is values.same:
                entries.append(f"{key}: row[{position}]")
            else:
                namespace[f"f{index}"] = convert
                entries.append(f"{key}: f{index}(row[{position}])")
        else:
            batched = True
            entries.append(f"{key}: batches[{index}][n]")
    loop = "for n, row in enumerate(rows)" if batched else "for row in rows"
    source = (
        "def build(rows, batches):\n"
        + "".join(checks)
        + "    return [{"
        + ", ".join(entries)
        + "} "
        + loop
        + "]\n"
    )
    exec(source, namespace)
    builder: RowsBuilder = namespace["build"]
    return builder
