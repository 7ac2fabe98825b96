"""Create project, batch, job and job_result with their indexes.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from jobgraph.db.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _id(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, _text(36), nullable=nullable, primary_key=primary_key)


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _json(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(
        name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=nullable
    )


def _fk(column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], ondelete=ondelete, deferrable=True, initially="DEFERRED"
    )


def upgrade() -> None:
    op.create_table(
        "project",
        _id("id", primary_key=True),
        sa.Column("name", _text(), nullable=False),
        _time("created_at"),
    )
    op.create_index("ix_project_created_at_id", "project", ["created_at", "id"])

    op.create_table(
        "batch",
        _id("id", primary_key=True),
        _id("parent_id", nullable=True),
        _id("project_id"),
        sa.Column("user_id", _text(), nullable=True),
        sa.Column("status", _text(), nullable=False),
        sa.Column("device_type", sa.String(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        _json("tags"),
        _json("configuration"),
        _time("created_at"),
        _time("updated_at"),
        _time("start_datetime", nullable=True),
        _time("end_datetime", nullable=True),
        _fk("project_id", "project.id"),
    )
    op.create_index("ix_batch_created_at_id", "batch", ["created_at", "id"])
    op.create_index("ix_batch_parent_id", "batch", ["parent_id"])
    op.create_index("ix_batch_project_created_at_id", "batch", ["project_id", "created_at", "id"])
    op.create_index("ix_batch_user_created_at_id", "batch", ["user_id", "created_at", "id"])

    op.create_table(
        "job",
        _id("id", primary_key=True),
        _id("parent_id", nullable=True),
        _id("batch_id"),
        _id("project_id"),
        sa.Column("user_id", _text(), nullable=True),
        sa.Column("status", _text(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("start_timestamp", nullable=True),
        _time("end_timestamp", nullable=True),
        _json("variables"),
        _json("errors"),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("creation_order", sa.Integer(), nullable=False),
        sa.Column("slurm_job_id", sa.String(), nullable=True),
        sa.Column("cluster_name", sa.String(), nullable=True),
        _fk("batch_id", "batch.id"),
        _fk("project_id", "project.id"),
    )
    op.create_index("ix_job_batch_created_at_id", "job", ["batch_id", "created_at", "id"])
    op.create_index("ix_job_created_at_id", "job", ["created_at", "id"])
    op.create_index("ix_job_parent_id", "job", ["parent_id"])
    op.create_index("ix_job_project_created_at_id", "job", ["project_id", "created_at", "id"])
    op.create_index("ix_job_status_created_at_id", "job", ["status", "created_at", "id"])
    op.create_index("ix_job_user_created_at_id", "job", ["user_id", "created_at", "id"])

    op.create_table(
        "job_result",
        _id("job_id", primary_key=True),
        _json("result", nullable=False),
        _fk("job_id", "job.id", ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("job_result")
    op.drop_table("job")
    op.drop_table("batch")
    op.drop_table("project")
