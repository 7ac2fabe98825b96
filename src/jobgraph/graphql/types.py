"""The graph's object types: the Node interface, Job, Batch and Project with their relations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from jobgraph.db import models
from jobgraph.graphql.connections import Connection, nested_connection
from jobgraph.graphql.context import Context
from jobgraph.graphql.enums import BatchStatus, JobOrigin, JobStatus
from jobgraph.graphql.inputs import (
    BatchFilter,
    BatchOrder,
    JobFilter,
    JobOrder,
    to_order_terms,
)
from jobgraph.query import reads
from jobgraph.query.spec import BatchFilterSpec, JobFilterSpec, Listing, PageRequest

PAGE_ARGUMENTS = "`first`/`after` page forward, `last`/`before` backward; 1 to 100 (default 100)."


@strawberry.interface(description="An object that can be fetched again by id with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(description="The UUID, as the REST API returns it.")


def _window(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest.from_relay(first=first, after=after, last=last, before=before)


def _job_spec(filter: JobFilter | None) -> JobFilterSpec:
    return filter.to_spec() if filter else JobFilterSpec()


@strawberry.type(description="One execution request of a quantum program, within a batch.")
class Job(Node):
    parent_id: strawberry.ID | None = strawberry.field(description="The job this one retries.")
    batch_id: strawberry.ID
    project_id: strawberry.ID
    user_id: str | None
    status: JobStatus
    origin: JobOrigin
    runs: int = strawberry.field(description="Number of shots.")
    created_at: datetime
    updated_at: datetime
    start_timestamp: datetime | None
    end_timestamp: datetime | None
    variables: JSON | None
    errors: list[str] | None
    progress: int = strawberry.field(description="Completion, 0 to 100.")
    creation_order: int = strawberry.field(description="Position within its batch.")
    slurm_job_id: str | None
    cluster_name: str | None

    @classmethod
    def from_row(cls, row: models.Job) -> Job:
        return cls(
            id=strawberry.ID(row.id),
            parent_id=None if row.parent_id is None else strawberry.ID(row.parent_id),
            batch_id=strawberry.ID(row.batch_id),
            project_id=strawberry.ID(row.project_id),
            user_id=row.user_id,
            status=JobStatus(row.status),
            origin=JobOrigin(row.origin),
            runs=row.runs,
            created_at=row.created_at,
            updated_at=row.updated_at,
            start_timestamp=row.start_timestamp,
            end_timestamp=row.end_timestamp,
            variables=cast(JSON, row.variables),
            errors=row.errors,
            progress=row.progress,
            creation_order=row.creation_order,
            slurm_job_id=row.slurm_job_id,
            cluster_name=row.cluster_name,
        )

    @strawberry.field(description="The batch this job belongs to.")
    async def batch(self, info: Info[Context, None]) -> Batch | None:
        row = await info.context.loaders.batch_by_id.load(self.batch_id)
        return None if row is None else Batch.from_row(row)

    @strawberry.field(description="The project this job belongs to.")
    async def project(self, info: Info[Context, None]) -> Project | None:
        row = await info.context.loaders.project_by_id.load(self.project_id)
        return None if row is None else Project.from_row(row)

    @strawberry.field(description="The job this one retries, if any.")
    async def parent(self, info: Info[Context, None]) -> Job | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.job_by_id.load(self.parent_id)
        return None if row is None else Job.from_row(row)

    @strawberry.field(description="The job's result payload, or null when it has none.")
    async def result(self, info: Info[Context, None]) -> JSON | None:
        _found, payload = await info.context.loaders.job_result_by_job_id.load(self.id)
        return payload  # type: ignore[no-any-return]


@strawberry.type(description="How many of a batch's jobs are in one status.")
class JobStatusCount:
    status: JobStatus
    count: int


@strawberry.type(description="A group of jobs submitted together for one device.")
class Batch(Node):
    parent_id: strawberry.ID | None = strawberry.field(description="The batch this one retries.")
    project_id: strawberry.ID
    user_id: str | None
    status: BatchStatus
    device_type: str | None
    priority: int
    open: bool = strawberry.field(description="Whether jobs can still be added.")
    complete: bool
    tags: list[str] | None
    configuration: JSON | None
    created_at: datetime
    updated_at: datetime
    start_datetime: datetime | None
    end_datetime: datetime | None

    @classmethod
    def from_row(cls, row: models.Batch) -> Batch:
        return cls(
            id=strawberry.ID(row.id),
            parent_id=None if row.parent_id is None else strawberry.ID(row.parent_id),
            project_id=strawberry.ID(row.project_id),
            user_id=row.user_id,
            status=BatchStatus(row.status),
            device_type=row.device_type,
            priority=row.priority,
            open=row.open,
            complete=row.complete,
            tags=row.tags,
            configuration=cast(JSON, row.configuration),
            created_at=row.created_at,
            updated_at=row.updated_at,
            start_datetime=row.start_datetime,
            end_datetime=row.end_datetime,
        )

    @strawberry.field(description="The project this batch belongs to.")
    async def project(self, info: Info[Context, None]) -> Project | None:
        row = await info.context.loaders.project_by_id.load(self.project_id)
        return None if row is None else Project.from_row(row)

    @strawberry.field(description="The batch this one retries, if any.")
    async def parent(self, info: Info[Context, None]) -> Batch | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.batch_by_id.load(self.parent_id)
        return None if row is None else Batch.from_row(row)

    @strawberry.field(description=f"Jobs of this batch; filters as Query.jobs. {PAGE_ARGUMENTS}")
    async def jobs(
        self,
        info: Info[Context, None],
        filter: JobFilter | None = None,
        order_by: list[JobOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Job]:
        listing = Listing(
            _job_spec(filter), to_order_terms(order_by), _window(first, after, last, before)
        )
        loaders = info.context.loaders
        return await nested_connection(
            info.context.db,
            reads.JOBS,
            "batch_id",
            self.id,
            listing,
            Job.from_row,
            loaders.job_pages_by_batch_id,
            loaders.job_counts_by_batch_id,
        )

    @strawberry.field(description="How many jobs this batch holds.")
    async def jobs_count(self, info: Info[Context, None]) -> int:
        counts = await info.context.loaders.job_status_counts_by_batch_id.load(self.id)
        return sum(counts.values())

    @strawberry.field(description="How many of this batch's jobs are in each status (all listed).")
    async def jobs_count_per_status(self, info: Info[Context, None]) -> list[JobStatusCount]:
        counts = await info.context.loaders.job_status_counts_by_batch_id.load(self.id)
        return [JobStatusCount(status=s, count=counts.get(s.value, 0)) for s in JobStatus]


@strawberry.type(description="A team's space; it holds batches, which hold jobs.")
class Project(Node):
    name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.Project) -> Project:
        return cls(id=strawberry.ID(row.id), name=row.name, created_at=row.created_at)

    @strawberry.field(
        description=f"Batches of this project; filters as Query.batches. {PAGE_ARGUMENTS}"
    )
    async def batches(
        self,
        info: Info[Context, None],
        filter: BatchFilter | None = None,
        order_by: list[BatchOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Batch]:
        spec = filter.to_spec() if filter else BatchFilterSpec()
        listing = Listing(spec, to_order_terms(order_by), _window(first, after, last, before))
        loaders = info.context.loaders
        return await nested_connection(
            info.context.db,
            reads.BATCHES,
            "project_id",
            self.id,
            listing,
            Batch.from_row,
            loaders.batch_pages_by_project_id,
            loaders.batch_counts_by_project_id,
        )

    @strawberry.field(description=f"Jobs of this project; filters as Query.jobs. {PAGE_ARGUMENTS}")
    async def jobs(
        self,
        info: Info[Context, None],
        filter: JobFilter | None = None,
        order_by: list[JobOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Job]:
        listing = Listing(
            _job_spec(filter), to_order_terms(order_by), _window(first, after, last, before)
        )
        loaders = info.context.loaders
        return await nested_connection(
            info.context.db,
            reads.JOBS,
            "project_id",
            self.id,
            listing,
            Job.from_row,
            loaders.job_pages_by_project_id,
            loaders.job_counts_by_project_id,
        )


def any_node(row: Any) -> Job | Batch | Project:
    """The GraphQL object for a row of any table."""
    if isinstance(row, models.Job):
        return Job.from_row(row)
    if isinstance(row, models.Batch):
        return Batch.from_row(row)
    return Project.from_row(row)
