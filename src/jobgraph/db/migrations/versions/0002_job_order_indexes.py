"""Index the job columns clients order by: updated_at, start/end timestamps, runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("updated_at", "start_timestamp", "end_timestamp", "runs")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_job_{column}_id", "job", [column, "id"])


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_job_{column}_id", table_name="job")
