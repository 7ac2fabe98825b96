"""Wire enums and limits shared by the GraphQL schema, the REST route and the query core."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100


class ChangeOperation(StrEnum):
    """What a change in the change log did to its row."""

    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELED = "CANCELED"
    CANCELING = "CANCELING"


class BatchStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    CANCELED = "CANCELED"
    TIMED_OUT = "TIMED_OUT"
    ERROR = "ERROR"
    PAUSED = "PAUSED"


# A batch in one of these is still going: not complete, no end time yet.
UNFINISHED_BATCH_STATUSES = frozenset(
    {BatchStatus.PENDING, BatchStatus.RUNNING, BatchStatus.PAUSED}
)


def batch_complete(status: str) -> bool:
    """Whether a batch in this status has ended (Batch.complete; its end time is kept)."""
    return status not in UNFINISHED_BATCH_STATUSES


def batch_status_from_jobs(statuses: Collection[str]) -> str:
    """A batch's status from its jobs' statuses (the importer's rule for batches it makes up):
    RUNNING while a job runs or is being canceled, or while some are pending and some are not;
    PENDING when all are pending; then ERROR if any failed, CANCELED if all were canceled,
    DONE otherwise."""
    found = set(statuses)
    if found & {JobStatus.RUNNING, JobStatus.CANCELING}:
        return BatchStatus.RUNNING.value
    if JobStatus.PENDING in found:
        return (
            BatchStatus.RUNNING.value if found - {JobStatus.PENDING} else BatchStatus.PENDING.value
        )
    if JobStatus.ERROR in found:
        return BatchStatus.ERROR.value
    if found == {JobStatus.CANCELED}:
        return BatchStatus.CANCELED.value
    return BatchStatus.DONE.value


class QueuePriority(StrEnum):
    """The queue a batch waits in; HIGH runs first (the SDK's BatchFilters.queue_priority)."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class ProjectStatus(StrEnum):
    """Whether a project is in use; the SDK lists ACTIVE projects only."""

    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class JobOrigin(StrEnum):
    CLIENT = "CLIENT"
    AZURE = "AZURE"
    OVH = "OVH"
    UNKNOWN = "UNKNOWN"


class OrderDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class JobOrderField(StrEnum):
    """Sortable job columns; the value is the column name (and the REST order_by value)."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    START_TIMESTAMP = "start_timestamp"
    END_TIMESTAMP = "end_timestamp"
    RUNS = "runs"
    STATUS = "status"
    PROGRESS = "progress"
    CREATION_ORDER = "creation_order"
    ID = "id"


class BatchOrderField(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    START_DATETIME = "start_datetime"
    END_DATETIME = "end_datetime"
    PRIORITY = "priority"
    STATUS = "status"
    ID = "id"


class ProjectOrderField(StrEnum):
    CREATED_AT = "created_at"
    NAME = "name"
    ID = "id"
