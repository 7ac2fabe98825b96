"""The wire enums, registered as GraphQL enums (names and values are the API's)."""

from __future__ import annotations

import strawberry

from jobgraph.domain import (
    BatchOrderField,
    BatchStatus,
    ChangeOperation,
    JobOrderField,
    JobOrigin,
    JobStatus,
    OrderDirection,
    ProjectOrderField,
    ProjectStatus,
    QueuePriority,
)

_DESCRIPTIONS = {
    JobStatus: "Status of a job.",
    BatchStatus: "Status of a batch.",
    JobOrigin: "Where a job was submitted from.",
    OrderDirection: "ASC: smallest first; DESC: largest first. Nulls come last either way.",
    JobOrderField: "Job fields to order by.",
    BatchOrderField: "Batch fields to order by.",
    ProjectOrderField: "Project fields to order by.",
    QueuePriority: "The queue a batch waits in; HIGH runs first.",
    ProjectStatus: "Whether a project is in use.",
    ChangeOperation: "What a change did to its row: INSERT, UPDATE or DELETE.",
}
for _enum, _description in _DESCRIPTIONS.items():
    strawberry.enum(_enum, description=_description)

__all__ = [
    "BatchOrderField",
    "BatchStatus",
    "ChangeOperation",
    "JobOrderField",
    "JobOrigin",
    "JobStatus",
    "OrderDirection",
    "ProjectOrderField",
    "ProjectStatus",
    "QueuePriority",
]
