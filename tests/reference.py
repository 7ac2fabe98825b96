"""An independent, plain-Python statement of the API's semantics, to compare the server with.

It is written from the contract (REST parameter meanings, ordering rules), not from the SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


def _in(field: str, values: Iterable[Any]) -> Predicate:
    allowed = set(values)
    return lambda row: row[field] in allowed


def _cmp(field: str, test: Callable[[Any], bool]) -> Predicate:
    return lambda row: row[field] is not None and test(row[field])


def rest_filter(params: Mapping[str, Any]) -> Predicate:
    """The meaning of /api/v2/jobs query parameters (lists where repeatable)."""
    tests: list[Predicate] = []
    for name in ("id", "batch_id", "project_id", "user_id", "status", "origin"):
        if name in params:
            tests.append(_in(name, params[name]))
    if "id__starts_with" in params:
        prefix = str(params["id__starts_with"]).lower()
        tests.append(lambda row: str(row["id"]).startswith(prefix))
    if "min_runs" in params:
        tests.append(_cmp("runs", lambda runs: runs >= params["min_runs"]))
    if "max_runs" in params:
        tests.append(_cmp("runs", lambda runs: runs <= params["max_runs"]))
    if "errors" in params:
        tests.append(lambda row: bool(row["errors"]) == params["errors"])
    if "start_date" in params:
        tests.append(_cmp("start_timestamp", lambda t: t >= params["start_date"]))
    if "end_date" in params:
        tests.append(_cmp("end_timestamp", lambda t: t <= params["end_date"]))
    return lambda row: all(test(row) for test in tests)


def sdk_batch_filter(params: Mapping[str, Any]) -> Predicate:
    """The meaning of the SDK's BatchFilters as GET /api/v1/batches reads them (lists where
    repeatable): start_date and end_date bound created_at, tag is one of the batch's tags."""
    tests: list[Predicate] = []
    for name in ("id", "project_id", "user_id", "device_type", "status", "queue_priority"):
        if name in params:
            tests.append(_in(name, params[name]))
    if "open" in params:
        tests.append(lambda row: row["open"] == params["open"])
    if "tag" in params:
        tests.append(lambda row: params["tag"] in (row["tags"] or []))
    if "start_date" in params:
        tests.append(_cmp("created_at", lambda t: t >= params["start_date"]))
    if "end_date" in params:
        tests.append(_cmp("created_at", lambda t: t <= params["end_date"]))
    return lambda row: all(test(row) for test in tests)


def range_filter(field: str, bounds: Mapping[str, Any]) -> Predicate:
    """{gt, gte, lt, lte} on one field; a null value satisfies no bound."""
    checks = {
        "gt": lambda value, bound: value > bound,
        "gte": lambda value, bound: value >= bound,
        "lt": lambda value, bound: value < bound,
        "lte": lambda value, bound: value <= bound,
    }
    return lambda row: all(
        row[field] is not None and checks[op](row[field], bound) for op, bound in bounds.items()
    )


def all_of(*predicates: Predicate) -> Predicate:
    return lambda row: all(predicate(row) for predicate in predicates)


def any_of(*predicates: Predicate) -> Predicate:
    return lambda row: any(predicate(row) for predicate in predicates)


def none_of(predicate: Predicate) -> Predicate:
    return lambda row: not predicate(row)


def ordered(rows: Iterable[Row], keys: Sequence[tuple[str, str]]) -> list[Row]:
    """Sort by (field, "ASC"|"DESC") keys; nulls after all values; ties by id in the first
    key's direction."""
    keys = list(keys) or [("created_at", "DESC")]
    if all(field != "id" for field, _ in keys):
        keys.append(("id", keys[0][1]))

    def compare(left: Row, right: Row) -> int:
        for field, direction in keys:
            a, b = left[field], right[field]
            if a == b:
                continue
            if a is None:
                return 1
            if b is None:
                return -1
            result = -1 if a < b else 1
            return result if direction == "ASC" else -result
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


def select(rows: Iterable[Row], predicate: Predicate, keys: Sequence[tuple[str, str]]) -> list[str]:
    """Ids of the matching rows in order."""
    return [str(row["id"]) for row in ordered([r for r in rows if predicate(r)], keys)]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


_LIST_FIELDS = {
    "id": "id",
    "parentId": "parent_id",
    "batchId": "batch_id",
    "projectId": "project_id",
    "userId": "user_id",
    "status": "status",
    "origin": "origin",
    "deviceType": "device_type",
    "queuePriority": "queue_priority",
    "projectStatus": "project_status",
}
_RANGE_FIELDS = {
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "startTimestamp": "start_timestamp",
    "endTimestamp": "end_timestamp",
    "startDatetime": "start_datetime",
    "endDatetime": "end_datetime",
    "runs": "runs",
    "progress": "progress",
    "priority": "priority",
}


def _equals(field: str, value: Any) -> Predicate:
    return lambda row: bool(row[field] == value)


def _holds_tag(tag: str) -> Predicate:
    return lambda row: tag in (row["tags"] or [])


def _name_starts_with(prefix: str) -> Predicate:
    return lambda row: str(row["name"]).startswith(prefix)


def graphql_filter(spec: Mapping[str, Any], entity: str = "job") -> Predicate:
    """The meaning of a JobFilter/BatchFilter/ProjectFilter input (times as datetimes).

    `hasResult` reads a `has_result` key that the caller adds to job rows; a BatchFilter's
    startDate and endDate bound created_at (entity "batch"), as the SDK's batch filters do."""
    tests: list[Predicate] = []
    rest: dict[str, Any] = {}
    for key, value in spec.items():
        if entity == "batch" and key in ("startDate", "endDate"):
            bound = "gte" if key == "startDate" else "lte"
            tests.append(range_filter("created_at", {bound: value}))
        elif key in _LIST_FIELDS:
            tests.append(_in(_LIST_FIELDS[key], value))
        elif key in _RANGE_FIELDS:
            tests.append(range_filter(_RANGE_FIELDS[key], value))
        elif key == "idStartsWith":
            rest["id__starts_with"] = value
        elif key in ("minRuns", "maxRuns", "startDate", "endDate", "errors"):
            snake = {
                "minRuns": "min_runs",
                "maxRuns": "max_runs",
                "startDate": "start_date",
                "endDate": "end_date",
                "errors": "errors",
            }[key]
            rest[snake] = value
        elif key in ("open", "complete", "name"):
            tests.append(_equals(key, value))
        elif key == "hasResult":
            tests.append(_equals("has_result", value))
        elif key == "tag":
            tests.append(_holds_tag(value))
        elif key == "nameStartsWith":
            tests.append(_name_starts_with(value))
        elif key == "and":
            tests.append(all_of(*(graphql_filter(child, entity) for child in value)))
        elif key == "or":
            tests.append(any_of(*(graphql_filter(child, entity) for child in value)))
        elif key == "not":
            tests.append(none_of(graphql_filter(value, entity)))
        else:
            raise KeyError(f"reference does not know filter field {key}")
    tests.append(rest_filter(rest))
    return all_of(*tests)


def graphql_variables(value: Any) -> Any:
    """The JSON form of a filter (datetimes as ISO-8601 strings)."""
    if isinstance(value, Mapping):
        return {key: graphql_variables(item) for key, item in value.items()}
    if isinstance(value, list):
        return [graphql_variables(item) for item in value]
    return iso(value) if isinstance(value, datetime) else value
