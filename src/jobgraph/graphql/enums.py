"""The wire enums, registered as GraphQL enums (names and values are the API's), each value
described."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

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

_BY = "Order by "
# The enum's description, then one for each of its values.
_DESCRIPTIONS: dict[type[Enum], tuple[str, Mapping[str, str]]] = {
    JobStatus: (
        "Status of a job.",
        {
            "PENDING": "Waiting to be processed.",
            "RUNNING": "Being processed by the QPU or emulator.",
            "DONE": "Processed to the end; it may have a result.",
            "ERROR": "Stopped by an error; see the job's errors.",
            "CANCELED": "Canceled before it was processed to the end.",
            "CANCELING": "Being canceled.",
        },
    ),
    BatchStatus: (
        "Status of a batch.",
        {
            "PENDING": "Waiting for the device.",
            "RUNNING": "Its jobs are being processed.",
            "DONE": "Every job was processed.",
            "CANCELED": "Canceled.",
            "TIMED_OUT": "Stopped because it took longer than allowed.",
            "ERROR": "Stopped by an error.",
            "PAUSED": "Paused; its jobs wait until it resumes.",
        },
    ),
    JobOrigin: (
        "Where a job was submitted from.",
        {
            "CLIENT": "Through the Pasqal Cloud API or its SDK.",
            "AZURE": "Through Azure Quantum.",
            "OVH": "Through OVHcloud.",
            "UNKNOWN": "Not recorded.",
        },
    ),
    OrderDirection: (
        "ASC: smallest first; DESC: largest first. Nulls come last either way.",
        {
            "ASC": "Smallest first: earliest time, lowest number, A before Z.",
            "DESC": "Largest first: latest time, highest number, Z before A.",
        },
    ),
    JobOrderField: (
        "Job fields to order by.",
        {
            "CREATED_AT": f"{_BY}createdAt.",
            "UPDATED_AT": f"{_BY}updatedAt.",
            "START_TIMESTAMP": f"{_BY}startTimestamp; jobs not started come last.",
            "END_TIMESTAMP": f"{_BY}endTimestamp; jobs not finished come last.",
            "RUNS": f"{_BY}runs.",
            "STATUS": f"{_BY}the status's name, alphabetically.",
            "PROGRESS": f"{_BY}progress.",
            "CREATION_ORDER": f"{_BY}creationOrder, the position within the batch.",
            "ID": f"{_BY}id, the UUID as text.",
        },
    ),
    BatchOrderField: (
        "Batch fields to order by.",
        {
            "CREATED_AT": f"{_BY}createdAt.",
            "UPDATED_AT": f"{_BY}updatedAt.",
            "START_DATETIME": f"{_BY}startDatetime; batches not started come last.",
            "END_DATETIME": f"{_BY}endDatetime; batches not finished come last.",
            "PRIORITY": f"{_BY}the numeric priority.",
            "STATUS": f"{_BY}the status's name, alphabetically.",
            "ID": f"{_BY}id, the UUID as text.",
        },
    ),
    ProjectOrderField: (
        "Project fields to order by.",
        {
            "CREATED_AT": f"{_BY}createdAt.",
            "NAME": f"{_BY}name (case-sensitive).",
            "ID": f"{_BY}id, the UUID as text.",
        },
    ),
    QueuePriority: (
        "The queue a batch waits in; HIGH runs first.",
        {
            "LOW": "Runs after the batches waiting in MEDIUM and HIGH.",
            "MEDIUM": "Runs after HIGH, before LOW.",
            "HIGH": "Runs first.",
        },
    ),
    ProjectStatus: (
        "Whether a project is in use.",
        {
            "ACTIVE": "In use; the SDK lists it among the user's projects.",
            "ARCHIVED": "No longer in use; the SDK leaves it out of the user's projects.",
        },
    ),
    ChangeOperation: (
        "What a change did to its row: INSERT, UPDATE or DELETE.",
        {
            "INSERT": "The row was created.",
            "UPDATE": "The row was changed.",
            "DELETE": "The row was removed; the change carries no row.",
        },
    ),
}


def _register(enum: type[Enum], description: str, values: Mapping[str, str]) -> None:
    """Make `enum` a GraphQL enum with a description on the type and on every value."""
    strawberry.enum(enum, description=description)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    if {value.name for value in definition.values} != set(values):
        raise RuntimeError(f"{enum.__name__}: describe exactly its values")
    for value in definition.values:
        value.description = values[value.name]


for _enum, (_description, _values) in _DESCRIPTIONS.items():
    _register(_enum, _description, _values)

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
