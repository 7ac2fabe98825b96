"""Nested pages written as JSON text by PostgreSQL: a list's whole answer, per parent row.

A nested list whose items hold plain columns only (text, numbers, booleans, enums, times) need
not come back as rows for Python to turn into JSON: PostgreSQL writes each parent's page as the
exact compact JSON the Python writer would, inside the parent's own read. A `Document` says
what to write: objects with their keys in order, constant strings (type names), columns, and
one array of an object per row of the page.

Every value is written as orjson writes the driver's value: strings escaped the same way (to_json
escapes what orjson escapes), times as the aware UTC datetime's isoformat() (no fraction when it
is zero; infinity and -infinity as datetime.max and datetime.min). A value the Python writer
would refuse (an enum value outside its set, a time Python cannot hold) makes the whole page
NULL, and the caller answers that request another way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement as Element

from jobgraph.db.types import UTCDateTime
from jobgraph.query.order import Ordering
from jobgraph.query.paging import Entity, count_within_statement, window_statement
from jobgraph.query.spec import Listing, PageRequest

NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
NAME_LIST = re.compile(r"[_0-9A-Za-z|:,]+")  # an ordering's signature, written into cursors
URLSAFE = ("+/\n", "-_")  # base64 as cursors write it: URL-safe, on one line, unpadded
KINDS = {"text": String, "int": Integer, "bool": Boolean, "enum": String, "time": UTCDateTime}
EARLIEST, LATEST = "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00"
TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US'


@dataclass(frozen=True)
class Constant:
    """A JSON string written as it is (a type name)."""

    text: str


@dataclass(frozen=True)
class Value:
    """A column of the row; `allowed` holds an enum's values."""

    column: str
    kind: str  # text, int, bool, enum or time
    allowed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Count:
    """How many rows the whole list holds within the parent, its window aside."""


@dataclass(frozen=True)
class PageFlag:
    """pageInfo's hasNextPage (`next`) or hasPreviousPage. On the window's far side, one row
    read past it tells; on its near side it is false, unless a cursor bounds the window
    there (then only a read of its own tells, and the document cannot be written)."""

    next: bool


@dataclass(frozen=True)
class Cursor:
    """A cursor as order.py's encode_key writes it: an edge's own row's (`of` "row"), or
    pageInfo's startCursor ("start") or endCursor ("end")."""

    of: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: reads are cached by it
class Fields:
    """A JSON object, its keys in order."""

    items: tuple[tuple[str, Part], ...]


@dataclass(frozen=True)
class EachRow:
    """A JSON array: `item` written for each row of the page, in the page's order."""

    item: Fields


Part = Constant | Value | Count | PageFlag | Cursor | Fields | EachRow
Document = Fields


def supports(entity: Entity[Any], document: Document) -> bool:
    """Whether PostgreSQL can write this document over the entity's rows exactly."""

    def writable(part: Part, in_row: bool) -> bool:
        if isinstance(part, Constant):
            return NAME.fullmatch(part.text) is not None
        if isinstance(part, Count | PageFlag):
            return not in_row
        if isinstance(part, Cursor):
            return in_row == (part.of == "row")
        if isinstance(part, Value):
            column = entity.table.c.get(part.column)
            kind = KINDS.get(part.kind)
            if column is None or kind is None or not in_row:
                return False
            if part.kind == "int" and column.type.python_type is not int:
                return False
            return isinstance(column.type, kind) and all(NAME.fullmatch(v) for v in part.allowed)
        if isinstance(part, EachRow):
            return not in_row and writable(part.item, True)
        return all(NAME.fullmatch(key) and writable(item, in_row) for key, item in part.items)

    return writable(document, False)


@functools.lru_cache(maxsize=1024)  # documents are hashed by identity; requests reuse them
def _parts(part: Part) -> tuple[Part, ...]:
    """The part and every part within it, in writing order."""
    if isinstance(part, Fields):
        return (part, *(found for _key, item in part.items for found in _parts(item)))
    if isinstance(part, EachRow):
        return (part, *_parts(part.item))
    return (part,)


def columns(document: Document) -> tuple[str, ...]:
    """The columns the document reads, in first use order."""
    names = (part.column for part in _parts(document) if isinstance(part, Value))
    return tuple(dict.fromkeys(names))


def _flags(document: Document) -> list[PageFlag]:
    return [part for part in _parts(document) if isinstance(part, PageFlag)]


def _far(flag: PageFlag, window: PageRequest) -> bool:
    """Whether the flag asks about the side the window reads toward."""
    return flag.next != window.backward


def fits(document: Document, ordering: Ordering, window: PageRequest) -> bool:
    """Whether the document can be written for this window in this order: a page flag on the
    side a cursor bounds takes a read of its own (see PageFlag), and cursors are written for
    orders by times, integers and text only (not by a float, whose JSON form differs)."""
    near_cursor = window.before if window.backward else window.after
    if near_cursor is not None and not all(_far(flag, window) for flag in _flags(document)):
        return False
    if not any(isinstance(part, Cursor) for part in _parts(document)):
        return True
    if NAME_LIST.fullmatch(ordering.signature) is None:
        return False
    return all(
        isinstance(column.type, UTCDateTime | String)
        or (isinstance(column.type, Integer) and column.type.python_type is int)
        for column in ordering.columns()
    )


def page_document(
    entity: Entity[Any],
    ordering: Ordering,
    listing: Listing,
    keys: tuple[Sequence[Any] | None, Sequence[Any] | None],
    parent: ColumnElement[Any],
    parent_id: ColumnElement[Any],
    document: Document,
) -> ColumnElement[str]:
    """The JSON text of the document over the listing's window of rows whose `parent` column
    equals `parent_id` (a column of the enclosing read), or NULL where a value does not fit."""
    assert fits(document, ordering, listing.window)
    names = dict.fromkeys(columns(document))
    names.update(dict.fromkeys(column.name for column in ordering.columns()))
    after, before = keys
    window = listing.window
    probe = any(_far(flag, window) for flag in _flags(document))
    rows = window_statement(
        entity,
        ordering,
        listing,
        after,
        before,
        extra=parent == parent_id,
        columns=[entity.table.c[name] for name in names],
        probe=probe,
        outer=parent_id.table,
    ).subquery("document_rows")
    page = _Page(rows, None, None)
    if probe:  # the row read past the window is numbered out of the page
        in_read_order = ordering.clauses(reverse=window.backward, source=rows.c)
        place = func.row_number().over(order_by=in_read_order).label("place")
        numbered = select(*rows.c, place).subquery("document_page")
        page = _Page(numbered, numbered.c.place <= window.size, func.count() > window.size)
    count = count_within_statement(entity, parent.name, parent_id, listing.spec, "postgresql")
    total = count.correlate(parent_id.table).scalar_subquery()
    writer = _Writer(page, ordering, total, window)
    text = writer.write(document)
    if writer.checks:
        valid = page.kept(func.bool_and(and_(*writer.checks)))
        text = case((func.coalesce(valid, true()), text))
    return select(text).select_from(page.rows).scalar_subquery()


@dataclass(frozen=True)
class _Page:
    """The rows a document is written over: the window's, and with a row read past it, which
    rows are the page's and whether more follow."""

    rows: Any
    in_page: Element[bool] | None
    more: Element[bool] | None

    def kept(self, aggregate: Any) -> Any:
        """The aggregate over the page's rows only."""
        return aggregate if self.in_page is None else aggregate.filter(self.in_page)


class _Writer:
    """Writes a document as SQL: pieces of text joined with `||`, the fixed ones merged."""

    def __init__(
        self, page: _Page, ordering: Ordering, total: Element[int], window: PageRequest
    ) -> None:
        self.page = page
        self.row = page.rows.c
        self.ordering = ordering
        self.order = ordering.clauses(source=self.row)
        self.total = total  # read only where a Count is written
        self.window = window
        # What every written value must satisfy, once per column and kind of check.
        self._checks: dict[tuple[str, str], Element[bool]] = {}
        self._row_cursor: Element[str] | None = None

    @property
    def checks(self) -> list[Element[bool]]:
        return list(self._checks.values())

    def write(self, part: Part) -> Element[str]:
        return _joined(self._pieces(part))

    def _pieces(self, part: Part) -> list[str | Element[str]]:
        if isinstance(part, Constant):
            return [f'"{part.text}"']
        if isinstance(part, Value):
            return [self._value(part)]
        if isinstance(part, Count):
            return [cast(self.total, Text)]
        if isinstance(part, PageFlag):
            if not _far(part, self.window):
                return ["false"]
            assert self.page.more is not None
            return [case((self.page.more, _sql_text("true")), else_=_sql_text("false"))]
        if isinstance(part, Cursor):
            if part.of == "row":
                return ['"', self._cursor(), '"']
            order = (
                self.order
                if part.of == "start"
                else self.ordering.clauses(reverse=True, source=self.row)
            )
            cursors = func.array_agg(aggregate_order_by(self._cursor(), *order), type_=ARRAY(Text))
            first = self.page.kept(cursors)[1]
            return [func.coalesce(_joined(['"', first, '"']), _sql_text("null"))]
        if isinstance(part, EachRow):
            items = self.page.kept(
                func.string_agg(
                    self.write(part.item), aggregate_order_by(_sql_text(","), *self.order)
                )
            )
            return ["[", func.coalesce(items, _sql_text("")), "]"]
        pieces: list[str | Element[str]] = []
        for index, (key, item) in enumerate(part.items):
            pieces.append(("{" if index == 0 else ",") + f'"{key}":')
            pieces += self._pieces(item)
        pieces.append("}" if part.items else "{}")
        return pieces

    def _cursor(self) -> Element[str]:
        """The row's cursor: its sort key as orjson writes it, in URL-safe base64. A text key
        that is not ASCII fails the checks: Python writes it with json.dumps' escapes. Built
        once, however many cursors the document writes."""
        if self._row_cursor is None:
            self._row_cursor = self._new_cursor()
        return self._row_cursor

    def _new_cursor(self) -> Element[str]:
        pieces: list[str | Element[str]] = [f'["{self.ordering.signature}",[']
        for index, column in enumerate(self.ordering.columns()):
            value = self.row[column.name]
            pieces.append("," if index else "")
            if isinstance(column.type, UTCDateTime):
                pieces.append(self._time(value))
            elif isinstance(column.type, Integer):
                pieces.append(func.coalesce(cast(value, Text), _sql_text("null")))
            else:
                ascii_only = func.octet_length(value) == func.char_length(value)
                self._checks[("ascii", column.name)] = or_(value.is_(None), ascii_only)
                pieces.append(func.coalesce(cast(func.to_json(value), Text), _sql_text("null")))
        pieces.append("]]")
        key = func.encode(func.convert_to(_joined(pieces), _sql_text("UTF8")), _sql_text("base64"))
        unsafe, safe = URLSAFE
        return func.rtrim(func.translate(key, _sql_text(unsafe), _sql_text(safe)), _sql_text("="))

    def _value(self, part: Value) -> Element[str]:
        column = self.row[part.column]
        null = _sql_text("null")
        if part.kind == "int":
            return func.coalesce(cast(column, Text), null)
        if part.kind == "bool":
            return case((column, _sql_text("true")), (~column, _sql_text("false")), else_=null)
        if part.kind == "time":
            return self._time(column)
        if part.kind == "enum":
            allowed = [_sql_text(value) for value in sorted(part.allowed)]
            self._checks[("enum", part.column)] = or_(column.is_(None), column.in_(allowed))
        return func.coalesce(cast(func.to_json(column), Text), null)

    def _time(self, column: Any) -> Element[str]:
        infinity, minus_infinity = (_sql_time(text) for text in ("infinity", "-infinity"))
        within = column.between(_sql_time(EARLIEST), _sql_time(LATEST))
        check = or_(column.is_(None), within, column.in_([infinity, minus_infinity]))
        self._checks[("time", column.name)] = check
        utc = func.timezone(_sql_text("UTC"), column)
        written = func.replace(
            func.to_char(utc, _sql_text(TIME_FORMAT)), _sql_text(".000000"), _sql_text("")
        )
        return case(
            (column.is_(None), _sql_text("null")),
            (column == infinity, _sql_text('"9999-12-31T23:59:59.999999+00:00"')),
            (column == minus_infinity, _sql_text('"0001-01-01T00:00:00+00:00"')),
            else_=_joined(['"', written, '+00:00"']),
        )


def _joined(pieces: Sequence[str | Element[str]]) -> Element[str]:
    """The pieces one after the other, fixed text (str) merged: `||`, which costs far less
    than concat(). A NULL piece makes the whole NULL: the writer coalesces each value, and
    counts on it where a value may be missing (the cursor of an empty page)."""
    merged: list[Element[str]] = []
    fixed = ""
    for piece in pieces:
        if isinstance(piece, str):
            fixed += piece
            continue
        if fixed:
            merged.append(_sql_text(fixed))
            fixed = ""
        merged.append(piece)
    if fixed or not merged:
        merged.append(_sql_text(fixed))
    joined = merged[0]
    for piece in merged[1:]:
        joined = joined.op("||")(piece)
    return joined


def _sql_text(text: str) -> Element[str]:
    """A SQL string constant (written into the statement: only names and fixed text)."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def _sql_time(text: str) -> Element[Any]:
    return literal_column("'" + text + "'::timestamptz", UTCDateTime())
