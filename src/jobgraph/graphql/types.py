"""The graph's object types: the Node interface, Job, Batch and Project with their relations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from jobgraph.db import models
from jobgraph.graphql.connections import Connection, nested_connection, root_connection
from jobgraph.graphql.context import Context
from jobgraph.graphql.enums import BatchStatus, JobOrigin, JobStatus, ProjectStatus, QueuePriority
from jobgraph.graphql.inputs import (
    BatchFilter,
    BatchOrder,
    JobFilter,
    JobOrder,
    ProjectFilter,
    ProjectOrder,
    to_listing,
)
from jobgraph.query import reads
from jobgraph.query.paging import Entity, Row
from jobgraph.query.spec import (
    BatchFilterSpec,
    JobFilterSpec,
    Listing,
    ProjectFilterSpec,
)

PAGE_ARGUMENTS = "`first`/`after` page forward, `last`/`before` backward; 1 to 100 (default 100)."

# The arguments every list takes.
First = Annotated[
    int | None,
    strawberry.argument(description="At most this many items, from the start or after `after`."),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Items after this cursor (an edge's `cursor`, same orderBy)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(description="At most this many items, from the end or before `before`."),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Items before this cursor (an edge's `cursor`, same orderBy)."),
]
_ORDER = "Sort keys, the first one first; ties are broken by id. Without it: newest first."
_FILTER = "Only the {} matching this filter; all of them without it."
JobFilterArgument = Annotated[
    JobFilter | None, strawberry.argument(description=_FILTER.format("jobs"))
]
JobOrderArgument = Annotated[list[JobOrder] | None, strawberry.argument(description=_ORDER)]
BatchFilterArgument = Annotated[
    BatchFilter | None, strawberry.argument(description=_FILTER.format("batches"))
]
BatchOrderArgument = Annotated[list[BatchOrder] | None, strawberry.argument(description=_ORDER)]
ProjectFilterArgument = Annotated[
    ProjectFilter | None, strawberry.argument(description=_FILTER.format("projects"))
]
ProjectOrderArgument = Annotated[list[ProjectOrder] | None, strawberry.argument(description=_ORDER)]

GraphType = TypeVar("GraphType")


@strawberry.interface(description="An object that can be fetched again by id with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(description="The UUID, as the REST API returns it.")


def _copier(cls: type[GraphType], entity: Entity[Any]) -> Callable[[Any], GraphType]:
    """Build the GraphQL object from a row: its fields are the table's columns, same names."""
    values = reads.column_values(entity)
    return lambda row: cls(**values(row))


async def _list(
    info: Info[Context, None],
    entity: Entity[Row],
    under: reads.Relation[Row] | None,
    parent: Any,
    listing: Listing,
    wrap: Callable[[Row], GraphType],
) -> Connection[GraphType]:
    """A root list, or the list under `parent` (a Batch or Project) when `under` names it."""
    db = info.context.db
    if under is None:
        return await root_connection(db, entity, listing, wrap)
    return await nested_connection(db, under, parent.id, listing, wrap, info.context.loaders)


@strawberry.type(description="One execution request of a quantum program, within a batch.")
class Job(Node):
    parent_id: strawberry.ID | None = strawberry.field(
        description="Id of the job this one retries, or null."
    )
    batch_id: strawberry.ID = strawberry.field(description="Id of the batch the job belongs to.")
    project_id: strawberry.ID = strawberry.field(
        description="Id of the project the job belongs to (its batch's project)."
    )
    user_id: str | None = strawberry.field(
        description="Id of the user who submitted the job, or null."
    )
    status: JobStatus = strawberry.field(description="Status of the job.")
    origin: JobOrigin = strawberry.field(description="Where the job was submitted from.")
    runs: int = strawberry.field(
        description="Number of times the pulse sequence is repeated (the shots)."
    )
    created_at: datetime = strawberry.field(description="Timestamp of the creation of the job.")
    updated_at: datetime = strawberry.field(description="Timestamp of the last update of the job.")
    start_timestamp: datetime | None = strawberry.field(
        description="Timestamp when the QPU or emulator started processing the job; null "
        "until then."
    )
    end_timestamp: datetime | None = strawberry.field(
        description="Timestamp when the QPU or emulator finished processing the job; null "
        "until then."
    )
    variables: JSON | None = strawberry.field(
        description="Values of the sequence's variables for this job; null when the batch's "
        "sequence is not parametrized."
    )
    errors: list[str] | None = strawberry.field(
        description="Error messages raised while the job was processed; null or empty when none."
    )
    progress: int = strawberry.field(description="How far the job is processed, 0 to 100 (%).")
    creation_order: int = strawberry.field(
        description="Position of the job within its batch, in the order the jobs were created."
    )
    slurm_job_id: str | None = strawberry.field(
        description="Id of the Slurm job that processed this job on a cluster, or null."
    )
    cluster_name: str | None = strawberry.field(
        description="Name of the cluster that processed the job, or null."
    )

    @strawberry.field(description="The batch this job belongs to.")
    async def batch(self, info: Info[Context, None]) -> Batch | None:
        row = await info.context.loaders.batch_by_id.load(self.batch_id)
        return None if row is None else batch_from_row(row)

    @strawberry.field(description="The project this job belongs to.")
    async def project(self, info: Info[Context, None]) -> Project | None:
        row = await info.context.loaders.project_by_id.load(self.project_id)
        return None if row is None else project_from_row(row)

    @strawberry.field(description="The job this one retries, if any.")
    async def parent(self, info: Info[Context, None]) -> Job | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.job_by_id.load(self.parent_id)
        return None if row is None else job_from_row(row)

    @strawberry.field(description="The job's result payload, or null when it has none.")
    async def result(self, info: Info[Context, None]) -> JSON | None:
        _found, payload = await info.context.loaders.job_result_by_job_id.load(self.id)
        return payload  # type: ignore[no-any-return]


job_from_row: Callable[[models.Job], Job] = _copier(Job, reads.JOBS)


def job_list(under: reads.Relation[models.Job] | None) -> Callable[..., Awaitable[Connection[Job]]]:
    """The resolver of a jobs list: at the root, or under a batch or project."""

    async def jobs(
        root: Any,
        info: Info[Context, None],
        filter: JobFilterArgument = None,
        order_by: JobOrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Job]:
        listing = to_listing(JobFilterSpec(), filter, order_by, first, after, last, before)
        listing = listing.scoped(info.context.scope)
        return await _list(info, reads.JOBS, under, root, listing, job_from_row)

    return jobs


@strawberry.type(description="How many of a batch's jobs are in one status.")
class JobStatusCount:
    status: JobStatus = strawberry.field(description="A job status.")
    count: int = strawberry.field(description="How many of the batch's jobs are in it (0 or more).")


@strawberry.type(description="A group of jobs submitted together for one device.")
class Batch(Node):
    parent_id: strawberry.ID | None = strawberry.field(
        description="Id of the batch this one retries (a batch resubmitted), or null."
    )
    project_id: strawberry.ID = strawberry.field(
        description="Id of the project the batch belongs to."
    )
    user_id: str | None = strawberry.field(
        description="Id of the user who created the batch, or null."
    )
    status: BatchStatus = strawberry.field(description="Status of the batch.")
    device_type: str | None = strawberry.field(
        description="Type of device the batch runs on (a QPU such as FRESNEL, or an emulator "
        "such as EMU_MPS), or null."
    )
    priority: int = strawberry.field(description="Numeric priority of the batch.")
    queue_priority: QueuePriority = strawberry.field(
        description="The queue this batch waits in (LOW, MEDIUM or HIGH)."
    )
    open: bool = strawberry.field(description="Whether jobs can still be added.")
    complete: bool = strawberry.field(
        description="Whether the batch was declared complete (no more jobs): the opposite of "
        "open, kept for older clients."
    )
    tags: list[str] | None = strawberry.field(
        description="Keywords to find the batch by (BatchFilter.tag), or null."
    )
    configuration: JSON | None = strawberry.field(
        description="Further configuration for some emulators, as submitted; null when none."
    )
    created_at: datetime = strawberry.field(description="Timestamp of the creation of the batch.")
    updated_at: datetime = strawberry.field(
        description="Timestamp of the last update of the batch."
    )
    start_datetime: datetime | None = strawberry.field(
        description="Timestamp when the batch was sent to the QPU or emulator; null until then."
    )
    end_datetime: datetime | None = strawberry.field(
        description="Timestamp when the batch was processed to the end; null until then."
    )

    jobs: Connection[Job] = strawberry.field(
        resolver=job_list(reads.BATCH_JOBS),
        description=f"Jobs of this batch; filters as Query.jobs. {PAGE_ARGUMENTS}",
    )

    @strawberry.field(description="The project this batch belongs to.")
    async def project(self, info: Info[Context, None]) -> Project | None:
        row = await info.context.loaders.project_by_id.load(self.project_id)
        return None if row is None else project_from_row(row)

    @strawberry.field(description="The batch this one retries, if any.")
    async def parent(self, info: Info[Context, None]) -> Batch | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.batch_by_id.load(self.parent_id)
        return None if row is None else batch_from_row(row)

    @strawberry.field(description="How many jobs this batch holds.")
    async def jobs_count(self, info: Info[Context, None]) -> int:
        counts = await info.context.loaders.job_status_counts_by_batch_id.load(self.id)
        return sum(counts.values())

    @strawberry.field(description="How many of this batch's jobs are in each status (all listed).")
    async def jobs_count_per_status(self, info: Info[Context, None]) -> list[JobStatusCount]:
        counts = await info.context.loaders.job_status_counts_by_batch_id.load(self.id)
        return [JobStatusCount(status=s, count=counts.get(s.value, 0)) for s in JobStatus]


batch_from_row: Callable[[models.Batch], Batch] = _copier(Batch, reads.BATCHES)


def batch_list(
    under: reads.Relation[models.Batch] | None,
) -> Callable[..., Awaitable[Connection[Batch]]]:
    """The resolver of a batches list: at the root, or under a project."""

    async def batches(
        root: Any,
        info: Info[Context, None],
        filter: BatchFilterArgument = None,
        order_by: BatchOrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Batch]:
        listing = to_listing(BatchFilterSpec(), filter, order_by, first, after, last, before)
        listing = listing.scoped(info.context.scope)
        return await _list(info, reads.BATCHES, under, root, listing, batch_from_row)

    return batches


@strawberry.type(description="A team's space; it holds batches, which hold jobs.")
class Project(Node):
    name: str = strawberry.field(description="The project's name.")
    created_at: datetime = strawberry.field(description="Timestamp of the creation of the project.")
    project_status: ProjectStatus = strawberry.field(
        description="ACTIVE, or ARCHIVED for a project no longer in use."
    )

    batches: Connection[Batch] = strawberry.field(
        resolver=batch_list(reads.PROJECT_BATCHES),
        description=f"Batches of this project; filters as Query.batches. {PAGE_ARGUMENTS}",
    )
    jobs: Connection[Job] = strawberry.field(
        resolver=job_list(reads.PROJECT_JOBS),
        description=f"Jobs of this project; filters as Query.jobs. {PAGE_ARGUMENTS}",
    )


project_from_row: Callable[[models.Project], Project] = _copier(Project, reads.PROJECTS)


def project_list() -> Callable[..., Awaitable[Connection[Project]]]:
    """The resolver of the root projects list."""

    async def projects(
        root: Any,
        info: Info[Context, None],
        filter: ProjectFilterArgument = None,
        order_by: ProjectOrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project]:
        listing = to_listing(ProjectFilterSpec(), filter, order_by, first, after, last, before)
        listing = listing.scoped(info.context.scope)
        return await _list(info, reads.PROJECTS, None, root, listing, project_from_row)

    return projects


def any_node(row: Any) -> Job | Batch | Project:
    """The GraphQL object for a row of any table."""
    if isinstance(row, models.Job):
        return job_from_row(row)
    if isinstance(row, models.Batch):
        return batch_from_row(row)
    return project_from_row(row)
