"""A request's shape (its structure, every value taken out) and its values, in one walk.

Building and compiling a SQL statement costs milliseconds; binding values costs microseconds.
So a statement is built once per shape, from a template: the same spec with a bound parameter
where each value was. Two requests that differ only in values share that statement.

What changes the SQL is part of the shape: which fields are set (None is structure), how many
values a list holds (an empty list matches nothing), booleans (`errors: false` is `= 0`).
Strings, numbers and times are values; so is a "one of" list (spec.ValueList), whole: one
parameter, an array on PostgreSQL, expanded into one parameter per value on SQLite. A list of
one value is an equality, which lets PostgreSQL read an index in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam

from jobgraph.db.raw import VALUE_PREFIX
from jobgraph.db.types import UTCDateTime
from jobgraph.query.spec import ValueList

Shape = Hashable


def parameter_name(index: int) -> str:
    """The name of the bound parameter that holds the request's `index`-th value."""
    return f"{VALUE_PREFIX}{index}"


def split(item: Any) -> tuple[Shape, list[Any]]:
    """The shape of a spec, key, window or a tuple of them, and its values in walk order."""
    values: list[Any] = []
    return _shape(item, values), values


def template(item: Any) -> Any:
    """The item with each value replaced by the bound parameter that `split` numbers it by."""
    return _template(item, [0])


def _is_value(item: Any) -> bool:
    return isinstance(item, str | int | float | datetime) and not isinstance(item, bool)


# Field names per dataclass: dataclasses.fields() rebuilds its tuple on every call, and the
# shape of every read walks a whole filter spec.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


# The specs walked lately, by id, each kept alive with its shape and values: a compiled
# GraphQL request reuses its frozen specs from one request to the next, and every read of a
# nested list walks the same spec again. Specs are frozen, so a walk's result never goes stale.
WALKED_SIZE = 1024
_WALKED: dict[int, tuple[Any, Shape, tuple[Any, ...]]] = {}


class ArrayValue(tuple[str, ...]):
    """A list bound whole as one array parameter, whatever its length (PostgreSQL's parent
    ids): unlike a ValueList, its length is no part of the shape, nor is a single value an
    equality."""

    __slots__ = ()


def _shape(item: Any, values: list[Any]) -> Shape:
    if item is None or item is True or item is False:
        return item
    if isinstance(item, ArrayValue):
        values.append(tuple(item))
        return "array"
    if isinstance(item, ValueList) and len(item) == 1:
        values.append(item[0])
        return ("list", 1)
    if isinstance(item, ValueList) and item:
        values.append(tuple(item))
        return ("list", len(item))  # SQLite's statement expands it; PostgreSQL's does not
    if _is_value(item):
        values.append(item)
        return "?"
    if isinstance(item, tuple | list):
        if all(type(part) is str for part in item):  # ids: the common case, walked fast
            values.extend(item)
            return ("?",) * len(item)
        return tuple([_shape(part, values) for part in item])
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        known = _WALKED.get(id(item))
        if known is not None and known[0] is item:
            values.extend(known[2])
            return known[1]
        kind = type(item)
        start = len(values)
        shape = (
            kind.__name__,
            tuple([_shape(getattr(item, name), values) for name in _field_names(kind)]),
        )
        if len(_WALKED) >= WALKED_SIZE:
            _WALKED.clear()
        _WALKED[id(item)] = (item, shape, tuple(values[start:]))
        return shape
    raise TypeError(f"cannot take the shape of {type(item).__name__}")


def _template(item: Any, counter: list[int]) -> Any:
    if item is None or isinstance(item, bool):
        return item
    if isinstance(item, ArrayValue):
        array: BindParameter[Any] = bindparam(parameter_name(counter[0]))
        counter[0] += 1
        return array
    if isinstance(item, ValueList) and len(item) == 1:
        # One value: `column = $1`, so PostgreSQL may walk an index on (column, order) in
        # order; `= ANY($1)` on a leading column gives up the index's order.
        single: BindParameter[Any] = bindparam(parameter_name(counter[0]))
        counter[0] += 1
        return single
    if isinstance(item, ValueList) and item:
        values: BindParameter[Any] = bindparam(parameter_name(counter[0]), expanding=True)
        counter[0] += 1
        return values
    if _is_value(item):
        # Times are typed here: a template's parameter may be compared in several places,
        # and each must store the instant as the UTC column type does.
        kind = UTCDateTime() if isinstance(item, datetime) else None
        parameter: BindParameter[Any] = bindparam(parameter_name(counter[0]), type_=kind)
        counter[0] += 1
        return parameter
    if isinstance(item, tuple | list):
        return tuple(_template(part, counter) for part in item)
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        copy = object.__new__(type(item))  # no __init__: a template holds parameters
        for name in _field_names(type(item)):
            object.__setattr__(copy, name, _template(getattr(item, name), counter))
        return copy
    raise TypeError(f"cannot make a template of {type(item).__name__}")
