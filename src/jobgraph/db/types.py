"""Column types that make SQLite and PostgreSQL agree: UTC timestamps, JSON, array length."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BindParameter,
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine

ID_LENGTH = 36


class _SQLiteUTCText(sqlite.DATETIME):
    """SQLite's DATETIME column, read and written with the C-speed ISO-8601 functions.

    The stored text is SQLAlchemy's fixed-width format, so existing files read the same.
    """

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | None]:
        def process(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(" ", "microseconds")

        return process

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[str | None], datetime | None]:
        def process(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)

        return process


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on both databases.

    PostgreSQL stores timestamptz. SQLite stores fixed-width text in UTC, which sorts and
    compares as the instant does; naive values are refused so no offset is ever guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteUTCText())  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no timezone; pass UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def text_type(length: int | None = None) -> Any:
    """Text that sorts by code point on both databases (PostgreSQL gets the "C" collation)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def id_type() -> Any:
    """Ids are the lowercase 36-character UUID text that the API returns."""
    return text_type(ID_LENGTH)


def json_column_type() -> Any:
    """JSON on SQLite, JSONB on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


class json_array_length(FunctionElement[int]):
    """Length of a JSON array column; NULL when the column is NULL."""

    type = Integer()
    inherit_cache = True
    name = "json_array_length"


@compiles(json_array_length, "sqlite")
def _sqlite_json_array_length(element: json_array_length, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_length({compiler.process(element.clauses, **kw)})"


@compiles(json_array_length, "postgresql")
def _pg_json_array_length(element: json_array_length, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN jsonb_typeof({arg}) = 'array' THEN jsonb_array_length({arg}) END)"


def error_count(errors: Any) -> Any:
    """How many errors a job's `errors` list holds (0 when null, or when not a list)."""
    return func.coalesce(json_array_length(errors), text("0"))  # a literal, as in the index


def has_errors(errors: Any, present: bool) -> Any:
    """Whether the errors list holds any error (present) or none. The job table's partial
    indexes are defined by exactly these two conditions, and a query must state one of them
    unchanged, zero written as a literal, for either database to prove that an index holds
    just the rows it wants."""
    count = error_count(errors)
    zero = literal_column("0", Integer())
    return count > zero if present else count == zero


class json_array_contains(FunctionElement[bool]):
    """Whether a JSON array column holds the given string."""

    type = Boolean()
    inherit_cache = True
    name = "json_array_contains"


@compiles(json_array_contains, "sqlite")
def _sqlite_json_array_contains(
    element: json_array_contains, compiler: SQLCompiler, **kw: Any
) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(json_array_contains, "postgresql")
def _pg_json_array_contains(element: json_array_contains, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} @> jsonb_build_array(CAST({value} AS TEXT)))"


class likely_half(FunctionElement[bool]):
    """A range condition the SQLite planner should expect to keep about half the rows.

    Without histograms SQLite guesses that any range is selective and will walk a range
    index row by row even when an equality index (status, batch, ...) would read far fewer.
    PostgreSQL plans from real statistics, so there it is the bare condition.
    """

    type = NullType()  # type: ignore[assignment]  # Boolean would render "likelihood(...) = 1"
    inherit_cache = True
    name = "likely_half"


@compiles(likely_half, "sqlite")
def _sqlite_likely_half(element: likely_half, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.5)"


@compiles(likely_half)
def _plain_likely_half(element: likely_half, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


class one_of(FunctionElement[bool]):
    """`column` is one of the list a statement template's expanding parameter stands for (its
    values are bound by the raw reader, never held here): `IN (?, ?, ...)` on SQLite, `= ANY($1)`
    with one array parameter on PostgreSQL, however long the list."""

    inherit_cache = True
    type = Boolean()

    def __init__(self, column: Any, values: BindParameter[Any]) -> None:
        super().__init__(column, values)


@compiles(one_of)
def _expanded_one_of(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = element.clauses
    return compiler.process(column.in_(values), **kw)


@compiles(one_of, "postgresql")
def _pg_one_of(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = element.clauses
    array = bindparam(values.key, type_=ARRAY(String()))  # the same name, one array value
    return f"{compiler.process(column, **kw)} = ANY({compiler.process(array, **kw)})"
