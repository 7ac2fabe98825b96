"""Wire enums and limits shared by the GraphQL schema, the REST route and the query core."""

from __future__ import annotations

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
