"""Row encoders: a table's rows as the DBAPI values its column types would bind."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from json import encoder as json_encoder
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from jobgraph.db.types import UTCDateTime

Converter = Callable[[Any], Any]


def type_converter(column: Column[Any], dialect: Dialect) -> Converter | None:
    """The column type's own bind conversion for `dialect` (TypeDecorators included), or None.

    This is what SQLAlchemy applies to each value of an executed statement; None means the
    driver takes the Python value as it is.
    """
    impl = column.type.dialect_impl(dialect)
    processor: Converter | None = impl.bind_processor(dialect)
    return processor


def _sqlite_utc_text(value: datetime | None) -> str | None:
    # UTCDateTime on SQLite: the naive UTC instant as fixed-width ISO text.
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone; pass UTC")
    if offset:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_dumps_converter() -> Converter:
    """json.dumps with its default arguments, minus the encoder it builds on every call."""
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.dumps
    iterencode = make(
        None, _not_json, json_encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    join = "".join

    def dumps(value: Any) -> str:
        return join(iterencode(value, 0))

    return dumps


_JSON_DUMPS = _json_dumps_converter()


def fast_converter(column: Column[Any], dialect: Dialect) -> Converter | None:
    """The same conversion as type_converter for the hot types, with fewer Python calls.

    Bulk writes convert millions of values; the composed processors cost several calls per
    value. tests/test_bulk_write.py pins that both give identical values.
    """
    impl = column.type.dialect_impl(dialect)
    if isinstance(column.type, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_utc_text
    if isinstance(impl, JSON) and not impl.none_as_null:
        serializer: Converter = getattr(dialect, "_json_serializer", None) or json.dumps
        processor = type_converter(column, dialect)
        if processor is not None and processor([1]) == serializer([1]):
            # None becomes JSON null, exactly as the type writes it
            return _JSON_DUMPS if serializer is json.dumps else serializer
    return type_converter(column, dialect)


Rows = list[tuple[Any, ...]]
"""Rows encoded for the database driver, in the table's column order."""


class RowEncoder:
    """Turns row dicts into DBAPI tuples, column by column, in one comprehension per call.

    Rows hold every column, or, given `defaults`, may leave out the columns it names. The
    comprehension is generated once per table from the column names (no values reach the
    generated source): one subscript, `.get` or converter call per column, no per-value loop.
    """

    def __init__(
        self,
        table: Table,
        dialect: Dialect,
        names: Iterable[str] | None = None,
        *,
        defaults: Mapping[str, Any] | None = None,
    ):
        self.table = table
        self.names: list[str] = list(names) if names is not None else list(table.c.keys())
        defaults = defaults or {}
        scope: dict[str, Any] = {}
        values: list[str] = []
        for index, name in enumerate(self.names):
            if name in defaults:
                scope[f"d{index}"] = defaults[name]
                value = f"row.get({name!r}, d{index})"
            else:
                value = f"row[{name!r}]"
            converter = fast_converter(table.c[name], dialect)
            if converter is not None:
                scope[f"c{index}"] = converter
                value = f"c{index}({value})"
            values.append(value)
        parameters = "".join(f", {key}={key}" for key in scope)
        source = (
            f"def encode(rows{parameters}):\n    return [({', '.join(values)},) for row in rows]\n"
        )
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<RowEncoder {table.name}>", "exec"), scope, namespace)
        self._encode: Callable[[Iterable[dict[str, Any]]], list[tuple[Any, ...]]] = namespace[
            "encode"
        ]

    def position(self, name: str) -> int:
        """The index of column `name` in the encoded tuples."""
        return self.names.index(name)

    def encode(self, rows: Iterable[dict[str, Any]]) -> Rows:
        return self._encode(rows)


@cache
def dialect_named(drivername: str) -> Dialect:
    """A dialect for `drivername` (e.g. "sqlite+aiosqlite"), built without connecting.

    Helper processes encode rows with it; its converters equal those of an engine's dialect.
    """
    return create_async_engine(f"{drivername}://").dialect
