"""Plain, frozen descriptions of a request: what to filter, how to order, which page, and the
caller's scope; and the one place input values are checked and normalised, for REST and
GraphQL alike."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Generic, Self, TypeVar

from jobgraph.domain import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OrderDirection

Value = TypeVar("Value", datetime, int)
Item = TypeVar("Item")

# Limits on one input value, the same for every adapter: lists stay far below both databases'
# parameter limits; integers are GraphQL's Int (32-bit), which both databases bind.
MAX_LIST_VALUES = 500
MAX_TEXT_LENGTH = 1000
MIN_INT = -(2**31)
MAX_INT = 2**31 - 1


class InvalidQueryError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


class InvalidValueError(InvalidQueryError):
    """One input value refused: `name` is the field or parameter as the client wrote it,
    `problem` says why."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"`{name}` {problem}")
        self.name = name
        self.problem = problem


def shown(raw: str) -> str:
    """A value quoted for an error message, cut after 40 characters."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is read as UTC. OverflowError when the
    instant is outside the years 1 to 9999 once in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_time(raw: str) -> datetime:
    """An ISO-8601 date-time (a bare date is its midnight) as an aware UTC datetime; without
    an offset it is read as UTC. ValueError says what is wrong: not ISO-8601, or an instant
    UTC cannot hold (9999-12-31T23:00:00-05:00 is in the year 10000 in UTC)."""
    try:
        if not raw.isascii() or "\x00" in raw:  # fromisoformat stops reading at a NUL
            raise ValueError(raw)
        value = datetime.fromisoformat(raw)
    except ValueError:
        hint = " (send '+' in an offset as %2B)" if " " in raw.strip() else ""
        raise ValueError(f"{shown(raw)} is not an ISO-8601 date-time{hint}") from None
    try:
        return as_utc(value)
    except OverflowError:
        raise ValueError(f"{shown(raw)} is out of range once converted to UTC") from None


def utc_time(name: str, value: datetime | None) -> datetime | None:
    """An already parsed time in UTC, as parse_time gives it; refused when UTC cannot hold it."""
    if value is None:
        return None
    try:
        return as_utc(value)
    except OverflowError:
        raise InvalidValueError(name, "is out of range once converted to UTC") from None


def checked_text(name: str, value: str) -> str:
    """Text compared as it is (case, accents and the empty string included), refused when no
    database can take it: a NUL character (PostgreSQL refuses it), a lone surrogate (not
    Unicode text), or more than MAX_TEXT_LENGTH characters."""
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidValueError(name, f"is longer than {MAX_TEXT_LENGTH} characters")
    return storable_text(name, value)


def storable_text(name: str, value: str) -> str:
    """Text both databases can hold and compare, of any length: refused with a NUL character
    (PostgreSQL refuses it) or a lone surrogate (not Unicode text)."""
    if "\x00" in value:
        raise InvalidValueError(name, "must not contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValueError(name, "is not valid Unicode text (a lone surrogate)") from None
    return value


class ValueList(tuple[str, ...]):
    """The values of a "one of" list. A statement's shape holds one parameter for the whole
    list (an array on PostgreSQL, `= ANY($1)`), so it never nears a driver's parameter limit
    and lists of any length share PostgreSQL's statement."""

    __slots__ = ()


def checked_list(name: str, values: Sequence[Item] | None) -> tuple[Item, ...] | None:
    """The values of a "one of" list; refused beyond MAX_LIST_VALUES. None: no condition."""
    if values is None:
        return None
    if len(values) > MAX_LIST_VALUES:
        raise InvalidValueError(name, f"lists more than {MAX_LIST_VALUES} values")
    return tuple(values)


def checked_int(name: str, value: int | None) -> int | None:
    """An integer bound; refused outside GraphQL's Int range (MIN_INT to MAX_INT)."""
    if value is not None and not MIN_INT <= value <= MAX_INT:
        raise InvalidValueError(name, f"must be between {MIN_INT} and {MAX_INT}, got {value}")
    return value


def texts(name: str, values: Sequence[str] | None) -> tuple[str, ...] | None:
    """A "one of" list of text values, each compared exactly as given (see checked_text)."""
    found = checked_list(name, values)
    return None if found is None else ValueList(checked_text(name, value) for value in found)


def canonical_id(text: str) -> str | None:
    """The id as stored (lowercase, hyphenated UUID text) for a UUID written in any case or
    form uuid.UUID reads; None for text that is no UUID, and so no row's id."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def lookup_id(name: str, text: str) -> str | None:
    """The id to look one row up by, as stored (see canonical_id); None for text that is no
    UUID, which no row has. Refused (InvalidValueError) as checked_text refuses text."""
    return canonical_id(checked_text(name, text))


def ids(name: str, values: Iterable[str] | None) -> tuple[str, ...] | None:
    """A "one of" list of ids, as stored. A value that is not a UUID is no row's id: it matches
    nothing, so a list of only such values keeps no row (it is not an error)."""
    found = checked_list(name, None if values is None else list(values))
    if found is None:
        return None
    kept = (canonical_id(checked_text(name, value)) for value in found)
    return ValueList(dict.fromkeys(value for value in kept if value is not None))


def id_prefix(name: str, text: str | None) -> Prefix | None:
    """Ids starting with `text`, in any case. Every character is literal (`%` and `_` too): a
    prefix no id can have (not hex and '-', longer than an id) matches nothing."""
    return None if text is None else Prefix.of_id(checked_text(name, text))


def text_prefix(name: str, text: str | None) -> Prefix | None:
    """Text starting with `text`, case-sensitive, every character literal."""
    return None if text is None else Prefix.of(checked_text(name, text))


@dataclass(frozen=True)
class Range(Generic[Value]):
    """Bounds on one value: gt/gte/lt/lte, each optional; all given bounds must hold."""

    gt: Value | None = None
    gte: Value | None = None
    lt: Value | None = None
    lte: Value | None = None


TimeRange = Range[datetime]
IntRange = Range[int]


@dataclass(frozen=True)
class Prefix:
    """Strings that start with `text`: the code-point range from `text` up to `following`
    (excluded), or without upper end when `following` is None. Both databases use an index."""

    text: str
    following: str | None

    @classmethod
    def of(cls, text: str | None) -> Prefix | None:
        """The prefix condition; None for no text or "" (every string starts with it)."""
        return None if not text else cls(text, _successor(text))

    @classmethod
    def of_id(cls, text: str | None) -> Prefix | None:
        """An id prefix: ids are lowercase, so the prefix is compared in lowercase."""
        return cls.of(None if text is None else text.lower())


def _successor(prefix: str) -> str | None:
    """The least string above every string starting with prefix (None: there is none)."""
    while prefix and prefix[-1] == chr(sys.maxunicode):
        prefix = prefix[:-1]
    if not prefix:
        return None
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored; skip past them
        following = 0xE000
    return prefix[:-1] + chr(following)


@dataclass(frozen=True)
class Scope:
    """The projects a caller may read: `project_ids`, or every project when it is None.

    Every read carries one (query/paging.py refuses a filter without it): rows outside it
    are absent, and counts count only rows within it.
    """

    project_ids: tuple[str, ...] | None

    @classmethod
    def everything(cls) -> Scope:
        """An administrator's scope (and every read's when authentication is off)."""
        return cls(None)

    @classmethod
    def projects(cls, project_ids: Iterable[str]) -> Scope:
        """Only these projects. The ids are sorted and padded to a power of two (repeating
        the last), so callers with similar numbers of projects share compiled statements."""
        found = sorted(set(project_ids))
        if not found:
            return cls(())
        size = 1
        while size < len(found):
            size *= 2
        return cls(tuple(found + found[-1:] * (size - len(found))))

    def allows(self, project_id: str) -> bool:
        return self.project_ids is None or project_id in self.project_ids


@dataclass(frozen=True)
class JobFilterSpec:
    """Which jobs to keep. None means "no condition"; an empty tuple matches nothing.

    The REST meanings: ids/batch_ids/... are "one of", id_prefix is the start of the id,
    min_runs/max_runs are inclusive, has_errors asks whether the errors list is non-empty,
    start_date is start_timestamp >= it and end_date is end_timestamp <= it; has_result asks
    whether a result is stored for the job.
    all_of/any_of/none_of compose filters (AND over an empty list is true, OR false).
    """

    ids: tuple[str, ...] | None = None
    id_prefix: Prefix | None = None
    parent_ids: tuple[str, ...] | None = None
    batch_ids: tuple[str, ...] | None = None
    project_ids: tuple[str, ...] | None = None
    user_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    origins: tuple[str, ...] | None = None
    min_runs: int | None = None
    max_runs: int | None = None
    has_errors: bool | None = None
    has_result: bool | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    created_at: TimeRange | None = None
    updated_at: TimeRange | None = None
    start_timestamp: TimeRange | None = None
    end_timestamp: TimeRange | None = None
    runs: IntRange | None = None
    progress: IntRange | None = None
    scope: Scope | None = None  # the caller's; set by the adapter, never from input
    all_of: tuple[JobFilterSpec, ...] = ()
    any_of: tuple[JobFilterSpec, ...] | None = None
    none_of: JobFilterSpec | None = None

    def restricted_to(
        self,
        *,
        batch_ids: tuple[str, ...] | None = None,
        project_ids: tuple[str, ...] | None = None,
    ) -> JobFilterSpec:
        """This filter, and also within the given batches or projects."""
        within = JobFilterSpec(batch_ids=batch_ids, project_ids=project_ids)
        return replace(self, all_of=(*self.all_of, within))


@dataclass(frozen=True)
class BatchFilterSpec:
    """Which batches to keep; same conventions as JobFilterSpec.

    The SDK's meanings: start_date is created_at >= it and end_date is created_at <= it (for
    batches both bound the creation time), tag is held by the batch's tags list.
    """

    ids: tuple[str, ...] | None = None
    id_prefix: Prefix | None = None
    parent_ids: tuple[str, ...] | None = None
    project_ids: tuple[str, ...] | None = None
    user_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    device_types: tuple[str, ...] | None = None
    queue_priorities: tuple[str, ...] | None = None
    open: bool | None = None
    complete: bool | None = None
    tag: str | None = None
    priority: IntRange | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    created_at: TimeRange | None = None
    updated_at: TimeRange | None = None
    start_datetime: TimeRange | None = None
    end_datetime: TimeRange | None = None
    scope: Scope | None = None
    all_of: tuple[BatchFilterSpec, ...] = ()
    any_of: tuple[BatchFilterSpec, ...] | None = None
    none_of: BatchFilterSpec | None = None

    def restricted_to(self, *, project_ids: tuple[str, ...]) -> BatchFilterSpec:
        return replace(self, all_of=(*self.all_of, BatchFilterSpec(project_ids=project_ids)))


@dataclass(frozen=True)
class ProjectFilterSpec:
    """Which projects to keep; same conventions as JobFilterSpec."""

    ids: tuple[str, ...] | None = None
    id_prefix: Prefix | None = None
    name: str | None = None
    name_prefix: Prefix | None = None
    statuses: tuple[str, ...] | None = None
    created_at: TimeRange | None = None
    scope: Scope | None = None
    all_of: tuple[ProjectFilterSpec, ...] = ()
    any_of: tuple[ProjectFilterSpec, ...] | None = None
    none_of: ProjectFilterSpec | None = None


FilterSpec = JobFilterSpec | BatchFilterSpec | ProjectFilterSpec
Filter = TypeVar("Filter", JobFilterSpec, BatchFilterSpec, ProjectFilterSpec)


def scoped(spec: Filter, scope: Scope) -> Filter:
    """The filter, read within the caller's scope: how every adapter passes the caller on."""
    return replace(spec, scope=scope)


@dataclass(frozen=True)
class OrderTerm:
    """One sort key: a column name of the entity and a direction."""

    field: str
    direction: OrderDirection = OrderDirection.DESC


@dataclass(frozen=True)
class PageRequest:
    """A Relay window: first/after going forward, or last/before going backward."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @classmethod
    def from_relay(
        cls,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Self:
        """Validate Relay arguments: first or last (not both), each 1..MAX_PAGE_SIZE."""
        if first is not None and last is not None:
            raise InvalidQueryError("pass either `first` or `last`, not both")
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
                raise InvalidQueryError(
                    f"`{name}` must be between 1 and {MAX_PAGE_SIZE}, got {value}"
                )
        if first is None and last is None:
            first = DEFAULT_PAGE_SIZE if before is None else None
            last = DEFAULT_PAGE_SIZE if before is not None else None
        return cls(first=first, after=after, last=last, before=before)

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        size = self.last if self.backward else self.first
        return DEFAULT_PAGE_SIZE if size is None else size


@dataclass(frozen=True)
class OffsetRequest:
    """A REST window: `limit` rows starting at `offset`."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0


@dataclass(frozen=True)
class Listing:
    """Everything one list needs: filter, order and window. Hashable, so loaders can group."""

    spec: FilterSpec
    order: tuple[OrderTerm, ...] = field(default=())
    window: PageRequest = field(default_factory=PageRequest)

    def scoped(self, scope: Scope) -> Listing:
        """The same listing, read within the caller's scope."""
        spec: FilterSpec = replace(self.spec, scope=scope)
        return Listing(spec, self.order, self.window)
