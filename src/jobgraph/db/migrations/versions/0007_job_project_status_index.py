"""Index (project_id, status, created_at, id): a project's jobs in some statuses are counted
from the index alone and listed in order (the SDK's project + status filters, GraphQL alike).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_job_project_status_created_at_id", "job", ["project_id", "status", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_job_project_status_created_at_id", table_name="job")
