"""Property tests of the query core's input handling: cursors, times and ids. Whatever a
client sends, the answer is a value the databases can hold or a clear input error (never
another exception), and what jobgraph writes it reads back unchanged."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jobgraph.db.types import UTCDateTime
from jobgraph.domain import BatchOrderField, JobOrderField, OrderDirection, ProjectOrderField
from jobgraph.query import reads
from jobgraph.query.order import Ordering
from jobgraph.query.paging import Entity
from jobgraph.query.spec import (
    MAX_INT,
    MIN_INT,
    InvalidQueryError,
    InvalidValueError,
    OrderTerm,
    canonical_id,
    lookup_id,
    parse_time,
)

ENTITIES: dict[str, tuple[Entity[Any], list[StrEnum]]] = {
    "job": (reads.JOBS, list(JobOrderField)),
    "batch": (reads.BATCHES, list(BatchOrderField)),
    "project": (reads.PROJECTS, list(ProjectOrderField)),
}
FAST = settings(max_examples=200, deadline=None, database=None, derandomize=True)


@st.composite
def orderings(draw: st.DrawFn) -> Ordering:
    entity, fields = ENTITIES[draw(st.sampled_from(sorted(ENTITIES)))]
    terms = draw(
        st.lists(
            st.builds(OrderTerm, st.sampled_from([field.value for field in fields]),
                      st.sampled_from(list(OrderDirection))),
            max_size=4,
        )
    )  # fmt: skip
    return entity.ordering(terms)


def storable_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


instants = st.datetimes(timezones=st.just(UTC))


def value_for(ordering: Ordering, index: int) -> st.SearchStrategy[Any]:
    column = ordering.columns()[index]
    if isinstance(column.type, UTCDateTime):
        found: st.SearchStrategy[Any] = instants
    elif column.type.python_type is int:
        found = st.integers(MIN_INT, MAX_INT)
    elif column.name == "id":
        found = st.uuids().map(str)
    else:
        found = storable_text()
    return st.none() | found if column.nullable else found


@st.composite
def keys(draw: st.DrawFn) -> tuple[Ordering, tuple[Any, ...]]:
    ordering = draw(orderings())
    key = tuple(draw(value_for(ordering, index)) for index in range(len(ordering.terms)))
    return ordering, key


@FAST
@given(keys())
def test_a_cursor_reads_back_the_key_it_was_made_from(found: tuple[Ordering, Any]) -> None:
    ordering, key = found
    cursor = ordering.encode_key(key)
    assert cursor.isascii()
    assert "=" not in cursor
    assert ordering.decode_cursor(cursor, "after") == key


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def check_key(ordering: Ordering, key: tuple[Any, ...]) -> None:
    """Every value of a decoded key is one a row of the ordering's table may hold."""
    for column, value in zip(ordering.columns(), key, strict=True):
        if value is None:
            assert column.nullable
        elif isinstance(column.type, UTCDateTime):
            assert value.tzinfo is UTC
        elif column.type.python_type is int:
            assert type(value) is int
            assert MIN_INT <= value <= MAX_INT
        else:
            assert type(value) is str
            assert "\x00" not in value
            value.encode("utf-8")


@FAST
@given(orderings(), st.lists(json_values, max_size=4))
def test_a_forged_cursor_decodes_to_a_storable_key_or_is_refused(
    ordering: Ordering, values: list[Any]
) -> None:
    raw = json.dumps([ordering.signature, values]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode()
    key = outcome(ordering.decode_cursor, cursor, "before")
    if isinstance(key, InvalidQueryError):
        assert str(key) == "`before` is not a valid cursor"
    else:
        check_key(ordering, key)


@FAST
@given(orderings(), st.text() | st.binary().map(lambda b: base64.urlsafe_b64encode(b).decode()))
def test_any_text_as_a_cursor_is_a_key_or_an_input_error(ordering: Ordering, text: str) -> None:
    try:
        key = ordering.decode_cursor(text, "after")
    except InvalidQueryError:
        return
    check_key(ordering, key)


offsets = st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


@FAST
@given(st.datetimes(), offsets)
def test_a_time_in_any_offset_is_its_instant_or_out_of_range(moment: datetime, offset: Any) -> None:
    local = moment.replace(tzinfo=offset)
    try:
        expected = local.astimezone(UTC)
    except OverflowError:
        expected = None
    for text in (local.isoformat(), local.isoformat(sep="T", timespec="microseconds")):
        parsed = outcome(parse_time, text)
        if expected is None:
            assert isinstance(parsed, ValueError), text
            assert str(parsed).endswith("is out of range once converted to UTC")
        else:
            assert parsed == expected
            assert parsed.tzinfo is UTC


@FAST
@given(st.text(max_size=60))
def test_any_text_as_a_time_is_an_instant_or_a_value_error(text: str) -> None:
    parsed = outcome(parse_time, text)
    if isinstance(parsed, ValueError):
        assert "is not an ISO-8601 date-time" in str(parsed) or "out of range" in str(parsed)
    else:
        assert parsed.tzinfo is UTC


@FAST
@given(st.uuids(), st.sampled_from(["{}", "urn:uuid:{}", "{{{}}}"]), st.booleans(), st.booleans())
def test_an_id_in_any_form_is_looked_up_as_stored(
    value: uuid.UUID, form: str, upper: bool, hex_only: bool
) -> None:
    written = value.hex if hex_only else str(value)
    text = form.format(written.upper() if upper else written)
    assert lookup_id("id", text) == str(value)


@FAST
@given(st.text())
def test_any_text_as_an_id_is_a_stored_id_none_or_an_input_error(text: str) -> None:
    found = outcome(lookup_id, "id", text)
    if isinstance(found, InvalidValueError):
        assert found.name == "id"
        assert "\x00" in text or len(text) > 1000 or not _encodes(text)
    elif found is not None:
        assert found == canonical_id(text) == str(uuid.UUID(found))


def outcome(function: Callable[..., Any], *arguments: Any) -> Any:
    """What the call returns, or the ValueError it raises (InvalidQueryError is one)."""
    try:
        return function(*arguments)
    except ValueError as error:
        return error


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
