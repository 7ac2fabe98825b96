"""How a driver's value becomes the JSON value the Strawberry executor would have written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson

from jobgraph.db.raw import same as same
from jobgraph.db.raw import time_wire
from jobgraph.graphql.compiled.plan import Value

INT32 = range(-(2**31), 2**31)


class FallbackError(Exception):
    """This request's answer needs the reference executor (an error, an odd stored value)."""


Convert = Callable[[Any], Any]


RESPONSE_OPTIONS = orjson.OPT_NAIVE_UTC
"""How the compiled path's responses (and cursors) are written. asyncpg writes datetime.min
and datetime.max as -infinity and infinity, and reads those back naive; the models' UTC type
reads a naive time as UTC, so the reference path writes them with +00:00, and orjson then
does too: PostgreSQL's times go out as the driver hands them over (raw.time_wire), with no
call per value."""


def _json(value: Any) -> Any:
    # Stored JSON text goes into the response as it is; SQLite hands back bare numbers.
    return orjson.Fragment(value) if isinstance(value, str) else value


def _int(value: Any) -> Any:
    if value is not None and value not in INT32:
        raise FallbackError("an Int outside 32 bits")
    return value


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def converter(value: Value, dialect: str) -> Convert:
    """The conversion for one selected column on this database."""
    if value.kind == "time":
        return time_wire(dialect)
    if value.kind == "json":
        return _json
    if value.kind == "int":  # PostgreSQL's integer columns hold 32 bits; SQLite's hold 64
        return _int if dialect == "sqlite" else same
    if value.kind == "bool":  # SQLite hands back 0 and 1
        return _bool if dialect == "sqlite" else same
    return same


def check_enum(found: Iterable[Any], allowed: frozenset[str | None]) -> None:
    """FallbackError unless every value found is one of the enum's (or null)."""
    if not allowed.issuperset(found):
        raise FallbackError("a value outside the enum")


def document(text: str | None) -> orjson.Fragment:
    """A nested list's answer written by PostgreSQL (query/documents.py); None means a value
    there does not fit its type, and only the reference executor can answer."""
    if text is None:
        raise FallbackError("a written list holds a value outside its type")
    return orjson.Fragment(text)


def result_json(value: Any) -> Any:
    """A stored result payload."""
    return _json(value)
