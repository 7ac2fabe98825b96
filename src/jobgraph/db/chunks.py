"""Long `IN (...)` lists split into statements of a bounded number of parameters."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def distinct_chunks(keys: Iterable[Key], size: int) -> Iterator[list[Key]]:
    """The distinct keys, in the order first seen, `size` at a time: one `IN (...)` list per
    statement, well under both databases' parameter limits."""
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]
