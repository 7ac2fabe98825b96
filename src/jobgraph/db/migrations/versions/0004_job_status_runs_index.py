"""Index (status, runs), so counts under status and min_runs/max_runs read the index alone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_job_status_runs", "job", ["status", "runs"])


def downgrade() -> None:
    op.drop_index("ix_job_status_runs", table_name="job")
