"""SQLModel tables Project, Batch, Job and JobResult, with the indexes the API's filters use;
ProjectMember, ApiToken and ApiTokenProject, which say who may read which project."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ColumnElement, ForeignKey, Index, MetaData, Table, or_
from sqlalchemy.orm import configure_mappers
from sqlmodel import Field, SQLModel

from jobgraph.db.types import UTCDateTime, has_errors, id_type, json_column_type, text_type


def _id(*, primary_key: bool = False, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(id_type(), primary_key=primary_key, nullable=nullable),
    )


def _text(*, nullable: bool = True) -> Any:
    return Field(
        default=None if nullable else ..., sa_column=Column(text_type(), nullable=nullable)
    )


def _fk(target: str, *, nullable: bool = False) -> Any:
    return Field(
        sa_column=Column(
            id_type(),
            ForeignKey(target, deferrable=True, initially="DEFERRED"),
            nullable=nullable,
        )
    )


def _time(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


def _json(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(json_column_type(), nullable=nullable))


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (Index("ix_project_created_at_id", "created_at", "id"),)

    id: str = _id(primary_key=True)
    name: str = _text(nullable=False)
    created_at: datetime = _time()
    project_status: str = Field(
        default="ACTIVE", sa_column=Column(text_type(), nullable=False, server_default="ACTIVE")
    )


class Batch(SQLModel, table=True):
    __tablename__ = "batch"
    __table_args__ = (
        Index("ix_batch_created_at_id", "created_at", "id"),
        Index("ix_batch_project_created_at_id", "project_id", "created_at", "id"),
        Index("ix_batch_user_created_at_id", "user_id", "created_at", "id"),
        Index("ix_batch_parent_id", "parent_id"),
    )

    id: str = _id(primary_key=True)
    parent_id: str | None = _id(nullable=True)
    project_id: str = _fk("project.id")
    user_id: str | None = _text()
    status: str = _text(nullable=False)
    device_type: str | None = Field(default=None)
    priority: int = 0
    queue_priority: str = Field(
        default="MEDIUM", sa_column=Column(text_type(), nullable=False, server_default="MEDIUM")
    )
    open: bool = False
    complete: bool = False
    tags: list[str] | None = _json()
    configuration: dict[str, Any] | None = _json()
    created_at: datetime = _time()
    updated_at: datetime = _time()
    start_datetime: datetime | None = _time(nullable=True)
    end_datetime: datetime | None = _time(nullable=True)


class Job(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_created_at_id", "created_at", "id"),
        Index("ix_job_batch_created_at_id", "batch_id", "created_at", "id"),
        # A batch's jobs in the order they were submitted.
        Index("ix_job_batch_creation_order_id", "batch_id", "creation_order", "id"),
        Index("ix_job_project_created_at_id", "project_id", "created_at", "id"),
        # A project's jobs in some statuses: counted from this index alone, listed in order.
        Index("ix_job_project_status_created_at_id", "project_id", "status", "created_at", "id"),
        Index("ix_job_user_created_at_id", "user_id", "created_at", "id"),
        Index("ix_job_status_created_at_id", "status", "created_at", "id"),
        Index("ix_job_parent_id", "parent_id"),
        Index("ix_job_origin_created_at_id", "origin", "created_at", "id"),
        # Orders a client may page through at the root; nullable ones are read in two parts
        # (values, then nulls by id), so one (column, id) index serves both directions. The
        # times that follow creation carry created_at too: an upper bound on one of them
        # also bounds created_at (query/where.py), and a count then reads the index alone.
        Index("ix_job_updated_at_id_created_at", "updated_at", "id", "created_at"),
        Index("ix_job_start_timestamp_id_created_at", "start_timestamp", "id", "created_at"),
        Index("ix_job_end_timestamp_id_created_at", "end_timestamp", "id", "created_at"),
        Index("ix_job_runs_id", "runs", "id"),
        # Counts for status with min_runs/max_runs (the SDK's filters) read this index alone.
        Index("ix_job_status_runs", "status", "runs"),
    )

    id: str = _id(primary_key=True)
    parent_id: str | None = _id(nullable=True)
    batch_id: str = _fk("batch.id")
    project_id: str = _fk("project.id")
    user_id: str | None = _text()
    status: str = _text(nullable=False)
    origin: str = "UNKNOWN"
    runs: int = 0
    created_at: datetime = _time()
    updated_at: datetime = _time()
    start_timestamp: datetime | None = _time(nullable=True)
    end_timestamp: datetime | None = _time(nullable=True)
    variables: dict[str, Any] | None = _json()
    errors: list[str] | None = _json()
    progress: int = 0
    creation_order: int = 0
    slurm_job_id: str | None = Field(default=None)
    cluster_name: str | None = Field(default=None)


class JobResult(SQLModel, table=True):
    """A job's result payload, kept apart so that job lists never read it."""

    __tablename__ = "job_result"

    job_id: str = Field(
        sa_column=Column(
            id_type(),
            ForeignKey("job.id", deferrable=True, initially="DEFERRED", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    result: Any = _json(nullable=False)


class ProjectMember(SQLModel, table=True):
    """A user's membership of a project: the user may read its batches and jobs. Plain data,
    so a project that is imported later needs no change (no foreign key to project)."""

    __tablename__ = "project_member"

    user_id: str = Field(sa_column=Column(text_type(), primary_key=True))
    project_id: str = Field(sa_column=Column(id_type(), primary_key=True))
    created_at: datetime = _time()


class ApiToken(SQLModel, table=True):
    """An API token: only a hash of its secret is kept, and its recognisable prefix."""

    __tablename__ = "api_token"
    __table_args__ = (
        Index("ix_api_token_secret_hash", "secret_hash", unique=True),
        Index("ix_api_token_user_id", "user_id"),
    )

    id: str = _id(primary_key=True)
    user_id: str = _text(nullable=False)
    prefix: str = _text(nullable=False)
    secret_hash: str = _text(nullable=False)
    admin: bool = False
    created_at: datetime = _time()
    expires_at: datetime | None = _time(nullable=True)
    last_used_at: datetime | None = _time(nullable=True)
    revoked_at: datetime | None = _time(nullable=True)


class ApiTokenProject(SQLModel, table=True):
    """A project a (non-admin) token is limited to; it reads it while its user is a member."""

    __tablename__ = "api_token_project"

    token_id: str = Field(
        sa_column=Column(
            id_type(),
            ForeignKey("api_token.id", deferrable=True, initially="DEFERRED", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    project_id: str = Field(sa_column=Column(id_type(), primary_key=True))


metadata = SQLModel.metadata

# Reads build rows with model_construct (no validation, no session); that needs the
# mappers configured up front, which an ORM query would otherwise do lazily.
configure_mappers()

# The Core tables, for bulk statements that skip the ORM.
project_table: Table = Project.__table__  # type: ignore[attr-defined]
batch_table: Table = Batch.__table__  # type: ignore[attr-defined]
job_table: Table = Job.__table__  # type: ignore[attr-defined]
job_result_table: Table = JobResult.__table__  # type: ignore[attr-defined]
project_member_table: Table = ProjectMember.__table__  # type: ignore[attr-defined]
api_token_table: Table = ApiToken.__table__  # type: ignore[attr-defined]
api_token_project_table: Table = ApiTokenProject.__table__  # type: ignore[attr-defined]

# PostgreSQL only (migration 0005): the number of jobs, kept by statement triggers, so an
# unfiltered total needs no count. Outside `metadata`: SQLite neither has nor needs it.
job_total_table = Table("job_total", MetaData(), Column("total", BigInteger, nullable=False))

# Migration 0010: jobs per (project, batch, status), kept by triggers, so a count by project,
# batch and status adds a few rows instead of reading an index entry per job.
job_count_table = Table(
    "job_count",
    MetaData(),
    Column("project_id", id_type(), primary_key=True),
    Column("batch_id", id_type(), primary_key=True),
    Column("status", text_type(), primary_key=True),
    Column("total", BigInteger, nullable=False),
)

# Tables that hand-written migrations keep with triggers, outside `metadata` (job_total on
# PostgreSQL only).
TRIGGER_KEPT_TABLES = frozenset(
    {job_total_table.name, job_count_table.name, "change_log", "change_log_horizon"}
)

# The `errors` filter: jobs with errors, and jobs without, each newest first in an index of
# its own, so a page or a count reads one index and no job (counting the errors of every job
# means reading every job's list).
for _present, _name in ((True, "ix_job_with_errors"), (False, "ix_job_without_errors")):
    _condition = has_errors(job_table.c.errors, _present)
    Index(
        _name,
        job_table.c.created_at,
        job_table.c.id,
        sqlite_where=_condition,
        postgresql_where=_condition,
    )

# A job is normally created before it is updated, started or ended. The exceptions (imported
# data may hold any times) are indexed apart, so that an upper bound on one of these times can
# bound created_at as well: query/where.py takes the latest exception within the bound.
AFTER_CREATION = ("updated_at", "start_timestamp", "end_timestamp")


def created_after(table: Any, time: str) -> ColumnElement[bool]:
    """The job was created after its `time` (one of AFTER_CREATION): an exception."""
    condition: ColumnElement[bool] = table.c.created_at > table.c[time]
    return condition


_exceptions = or_(*(created_after(job_table, time) for time in AFTER_CREATION))
Index(
    "ix_job_created_after",
    job_table.c.created_at,
    sqlite_where=_exceptions,
    postgresql_where=_exceptions,
)
