"""Row encoders: a table's rows as the DBAPI values its column types would bind."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Dialect

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
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone; pass UTC")
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


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
            return serializer  # None becomes JSON null, exactly as the type writes it
    return type_converter(column, dialect)


class RowEncoder:
    """Turns row dicts (every column of a table) into DBAPI tuples, column by column."""

    def __init__(self, table: Table, dialect: Dialect, names: Iterable[str] | None = None):
        self.table = table
        self.names: list[str] = list(names) if names is not None else list(table.c.keys())
        self._get = itemgetter(*self.names)
        self._converters = [
            (index, converter)
            for index, name in enumerate(self.names)
            if (converter := fast_converter(table.c[name], dialect)) is not None
        ]

    def encode(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        get, converters = self._get, self._converters
        encoded: list[tuple[Any, ...]] = []
        append = encoded.append
        for row in rows:
            values = list(get(row))
            for index, convert in converters:
                values[index] = convert(values[index])
            append(tuple(values))
        return encoded
