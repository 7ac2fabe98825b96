"""How a driver's value becomes the JSON value the Strawberry executor would have written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from jobgraph.db.raw import time_reader, time_wire
from jobgraph.graphql.compiled.plan import Value

INT32 = range(-(2**31), 2**31)


class FallbackError(Exception):
    """This request's answer needs the reference executor (an error, an odd stored value)."""


Convert = Callable[[Any], Any]


def same(value: Any) -> Any:
    return value


def _aware(value: datetime | None) -> datetime | None:
    """A PostgreSQL time as the models hold it. asyncpg writes datetime.min and datetime.max
    as -infinity and infinity, and reads those back naive; the UTC column type reads a naive
    time as UTC, so the reference path writes them with +00:00, and so does this one."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def time_output(dialect: str) -> Convert:
    """A time column's driver value as something orjson writes as the reference path does."""
    wire = time_wire(dialect)
    return wire if dialect == "sqlite" else lambda raw: wire(_aware(raw))


def time_key(dialect: str) -> Convert:
    """A time column's driver value as the aware UTC datetime a cursor encodes."""
    read = time_reader(dialect)
    return read if dialect == "sqlite" else lambda raw: _aware(read(raw))


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
        return time_output(dialect)
    if value.kind == "json":
        return _json
    if value.kind == "int":
        return _int
    if value.kind == "bool":
        return _bool
    if value.kind == "enum":
        allowed = value.allowed

        def enum(raw: Any) -> Any:
            if raw is not None and raw not in allowed:
                raise FallbackError("a value outside the enum")
            return raw

        return enum
    return same


def result_json(value: Any) -> Any:
    """A stored result payload."""
    return _json(value)
