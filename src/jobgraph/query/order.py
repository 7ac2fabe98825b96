"""ORDER BY clauses that end in id, keyset predicates, and opaque cursors."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Column, ColumnElement, Table, and_, false, literal, or_, tuple_
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.elements import UnaryExpression

from jobgraph.db.types import UTCDateTime
from jobgraph.domain import OrderDirection
from jobgraph.query.spec import (
    InvalidQueryError,
    OrderTerm,
    checked_int,
    storable_text,
    utc_time,
)

ASC, DESC = OrderDirection.ASC, OrderDirection.DESC
_URLSAFE = bytes.maketrans(b"+/", b"-_")


@dataclass(frozen=True)
class Ordering:
    """A complete ordering of one table: the requested keys, then id as the tie-breaker."""

    table: Table
    terms: tuple[OrderTerm, ...]

    @classmethod
    def of(cls, table: Table, terms: Sequence[OrderTerm], default: OrderTerm) -> Ordering:
        """Drop repeated keys, stop at id, and end with id in the first key's direction."""
        kept: list[OrderTerm] = []
        for term in terms or (default,):
            if term.field not in table.c:
                raise InvalidQueryError(f"cannot order {table.name}s by `{term.field}`")
            if all(term.field != seen.field for seen in kept):
                kept.append(term)
            if term.field == "id":
                break
        if kept[-1].field != "id":
            kept.append(OrderTerm("id", kept[0].direction))
        return cls(table, tuple(kept))

    def nullable_lead(self) -> Column[Any] | None:
        """The key column, when this order is one nullable column then id the same way."""
        if len(self.terms) != 2 or self.terms[0].direction != self.terms[1].direction:
            return None
        column = self.table.c[self.terms[0].field]
        return column if column.nullable else None

    def columns(self) -> list[Column[Any]]:
        return [self.table.c[term.field] for term in self.terms]

    def clauses(
        self, *, reverse: bool = False, source: ReadOnlyColumnCollection[str, Any] | None = None
    ) -> list[UnaryExpression[Any]]:
        """ORDER BY; NULLs come after every value in the requested order (first if reversed).

        `source` orders the same-named columns of a subquery instead of the table's.
        """
        clauses = []
        for term, column in zip(self.terms, self.columns(), strict=True):
            ascending = (term.direction == ASC) != reverse
            key = column if source is None else source[column.name]
            clause = key.asc() if ascending else key.desc()
            if column.nullable:
                clause = clause.nulls_first() if reverse else clause.nulls_last()
            clauses.append(clause)
        return clauses

    @functools.cached_property
    def signature(self) -> str:
        keys = ",".join(f"{term.field}:{term.direction.value}" for term in self.terms)
        return f"{self.table.name}|{keys}"

    def key_of(self, row: Any) -> tuple[Any, ...]:
        return tuple(getattr(row, term.field) for term in self.terms)

    # Keyset predicates: which rows lie strictly after (or before) a position in this order.

    def after(self, key: Sequence[Any]) -> ColumnElement[bool]:
        return self._beyond(key, forward=True)

    def before(self, key: Sequence[Any]) -> ColumnElement[bool]:
        return self._beyond(key, forward=False)

    def at_or_before(self, key: Sequence[Any]) -> ColumnElement[bool]:
        return or_(self.before(key), self.table.c.id == key[-1])

    def at_or_after(self, key: Sequence[Any]) -> ColumnElement[bool]:
        return or_(self.after(key), self.table.c.id == key[-1])

    def _beyond(self, key: Sequence[Any], *, forward: bool) -> ColumnElement[bool]:
        columns = self.columns()
        same_direction = len({term.direction for term in self.terms}) == 1
        if same_direction and not any(column.nullable for column in columns):
            upward = (self.terms[0].direction == ASC) == forward
            # Each value bound with its column's type, whether a value or a template's parameter.
            right = tuple_(
                *(_bound(column, value) for column, value in zip(columns, key, strict=True))
            )
            left = tuple_(*columns)
            comparison: ColumnElement[bool] = left > right if upward else left < right
            return comparison
        branches: list[ColumnElement[bool]] = []
        ties: list[ColumnElement[bool]] = []
        for term, column, value in zip(self.terms, columns, key, strict=True):
            branches.append(and_(*ties, _strictly_beyond(column, term.direction, value, forward)))
            ties.append(column.is_(None) if value is None else column == value)
        return or_(false(), *branches)

    # Cursors: base64 of the ordering's signature and the row's sort key.

    def encode_cursor(self, row: Any) -> str:
        return self.encode_key(self.key_of(row))

    def encode_key(self, key: Sequence[Any]) -> str:
        """The cursor of the row whose sort key (one value per term) this is."""
        # orjson writes an aware datetime exactly as isoformat() does, and a naive one (a
        # driver's infinity) as UTC, as the UTC column type reads it.
        raw = orjson.dumps([self.signature, key], option=orjson.OPT_NAIVE_UTC)
        if not raw.isascii():  # json.dumps escapes non-ASCII text; cursors keep that form
            values = [_encode_value(value) for value in key]
            raw = json.dumps([self.signature, values], separators=(",", ":")).encode()
        return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).rstrip(b"=").decode()

    def decode_cursor(self, cursor: str, argument: str) -> tuple[Any, ...]:
        """The sort key a cursor of this ordering holds. InvalidQueryError for anything this
        ordering did not write: not base64 JSON (or JSON nested too deeply to read), another
        ordering's cursor, or a value no row holds (see _decode_value)."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            signature, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, TypeError, binascii.Error, RecursionError) as error:
            raise InvalidQueryError(f"`{argument}` is not a valid cursor") from error
        if signature != self.signature:
            raise InvalidQueryError(
                f"`{argument}` is a cursor of another ordering or list; "
                "request cursors again with the same orderBy"
            )
        if not isinstance(values, list) or len(values) != len(self.terms):
            raise InvalidQueryError(f"`{argument}` is not a valid cursor")
        try:
            return tuple(
                _decode_value(column, value)
                for column, value in zip(self.columns(), values, strict=True)
            )
        except (ValueError, TypeError) as error:
            raise InvalidQueryError(f"`{argument}` is not a valid cursor") from error


def _bound(column: Column[Any], value: Any) -> ColumnElement[Any]:
    return value if isinstance(value, ColumnElement) else literal(value, column.type)


def _strictly_beyond(
    column: Column[Any], direction: OrderDirection, value: Any, forward: bool
) -> ColumnElement[bool]:
    """Rows whose value comes strictly later (forward) or earlier in this key's order."""
    if value is None:  # NULLs come last: nothing is after them, every value is before
        return false() if forward else column.is_not(None)
    upward = (direction == ASC) == forward
    beyond: ColumnElement[bool] = column > value if upward else column < value
    if forward and column.nullable:
        return or_(beyond, column.is_(None))
    return beyond


def _encode_value(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def _decode_value(column: Column[Any], value: Any) -> Any:
    """A cursor's value for `column`, as a row may hold it; ValueError or TypeError for one
    no row can hold: a time without offset or outside what UTC holds, an integer outside
    GraphQL's Int (every integer column is 32-bit), text with a NUL or a lone surrogate."""
    if value is None and column.nullable:
        return None
    if isinstance(column.type, UTCDateTime):
        if not isinstance(value, str):
            raise TypeError("a time is written as text")
        parsed = datetime.fromisoformat(storable_text(column.name, value))
        if parsed.tzinfo is None:
            raise ValueError("a cursor's time has an offset")
        return utc_time(column.name, parsed)
    if column.type.python_type is int:
        if type(value) is not int:
            raise TypeError("not an integer")
        return checked_int(column.name, value)
    if type(value) is not str:
        raise TypeError("not text")
    return storable_text(column.name, value)
