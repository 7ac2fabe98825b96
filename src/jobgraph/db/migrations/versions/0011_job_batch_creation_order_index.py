"""Index (batch_id, creation_order, id): a batch's jobs in the order they were submitted (the
SDK's order within a batch, `Batch.jobs(orderBy: CREATION_ORDER)`) read in order, not sorted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_job_batch_creation_order_id", "job", ["batch_id", "creation_order", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_batch_creation_order_id", table_name="job")
