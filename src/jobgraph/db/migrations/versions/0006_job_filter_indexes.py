"""Indexes for filters that read too many jobs: origin, errors, upper bounds on job times.

- (origin, created_at, id), as for the other "one of" filters: an origin count read every job.
- Jobs with errors and jobs without, each a partial index on (created_at, id), replace the
  index on the error count: PostgreSQL cannot count from an expression index alone, so
  `errors=false` read every job's list and `errors=true` fetched every matching job.
- updated_at, start_timestamp and end_timestamp indexes gain created_at, and the few jobs
  created after one of those times get a partial index of their own: an upper bound on such a
  time then also bounds created_at, and a count under both bounds reads the index alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jobgraph.db.types import error_count, has_errors

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AFTER_CREATION = ("updated_at", "start_timestamp", "end_timestamp")


def _partial(name: str, columns: list[str], condition: sa.ColumnElement[bool]) -> None:
    op.create_index(name, "job", columns, sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    op.create_index("ix_job_origin_created_at_id", "job", ["origin", "created_at", "id"])

    _partial("ix_job_with_errors", ["created_at", "id"], has_errors(sa.column("errors"), True))
    _partial("ix_job_without_errors", ["created_at", "id"], has_errors(sa.column("errors"), False))
    op.drop_index("ix_job_error_count", table_name="job")

    for time in AFTER_CREATION:
        op.create_index(f"ix_job_{time}_id_created_at", "job", [time, "id", "created_at"])
        op.drop_index(f"ix_job_{time}_id", table_name="job")
    created_after = [sa.column("created_at") > sa.column(time) for time in AFTER_CREATION]
    _partial("ix_job_created_after", ["created_at"], sa.or_(*created_after))


def downgrade() -> None:
    op.drop_index("ix_job_created_after", table_name="job")
    for time in AFTER_CREATION:
        op.create_index(f"ix_job_{time}_id", "job", [time, "id"])
        op.drop_index(f"ix_job_{time}_id_created_at", table_name="job")

    op.create_index("ix_job_error_count", "job", [error_count(sa.column("errors"))])
    op.drop_index("ix_job_without_errors", table_name="job")
    op.drop_index("ix_job_with_errors", table_name="job")

    op.drop_index("ix_job_origin_created_at_id", table_name="job")
