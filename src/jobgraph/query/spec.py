"""Plain, frozen descriptions of a request: what to filter, how to order, which page."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Generic, Self, TypeVar

from jobgraph.domain import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OrderDirection

Value = TypeVar("Value", datetime, int)


class InvalidQueryError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
class JobFilterSpec:
    """Which jobs to keep. None means "no condition"; an empty tuple matches nothing.

    The REST meanings: ids/batch_ids/... are "one of", id_prefix is the start of the id,
    min_runs/max_runs are inclusive, has_errors asks whether the errors list is non-empty,
    start_date is start_timestamp >= it and end_date is end_timestamp <= it.
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
    start_date: datetime | None = None
    end_date: datetime | None = None
    created_at: TimeRange | None = None
    updated_at: TimeRange | None = None
    start_timestamp: TimeRange | None = None
    end_timestamp: TimeRange | None = None
    runs: IntRange | None = None
    progress: IntRange | None = None
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
        scope = JobFilterSpec(batch_ids=batch_ids, project_ids=project_ids)
        return replace(self, all_of=(*self.all_of, scope))


@dataclass(frozen=True)
class BatchFilterSpec:
    """Which batches to keep; same conventions as JobFilterSpec."""

    ids: tuple[str, ...] | None = None
    id_prefix: Prefix | None = None
    parent_ids: tuple[str, ...] | None = None
    project_ids: tuple[str, ...] | None = None
    user_ids: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    device_types: tuple[str, ...] | None = None
    open: bool | None = None
    complete: bool | None = None
    tag: str | None = None
    priority: IntRange | None = None
    created_at: TimeRange | None = None
    updated_at: TimeRange | None = None
    start_datetime: TimeRange | None = None
    end_datetime: TimeRange | None = None
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
    created_at: TimeRange | None = None
    all_of: tuple[ProjectFilterSpec, ...] = ()
    any_of: tuple[ProjectFilterSpec, ...] | None = None
    none_of: ProjectFilterSpec | None = None


FilterSpec = JobFilterSpec | BatchFilterSpec | ProjectFilterSpec


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
