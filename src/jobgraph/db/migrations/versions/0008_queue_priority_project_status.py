"""batch.queue_priority (LOW, MEDIUM, HIGH) and project.project_status (ACTIVE, ARCHIVED): the
fields the SDK's batch filters and its active-project list read. Existing rows get MEDIUM and
ACTIVE.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.add_column(
            sa.Column("queue_priority", _text(), nullable=False, server_default="MEDIUM")
        )
    with op.batch_alter_table("project") as project:
        project.add_column(
            sa.Column("project_status", _text(), nullable=False, server_default="ACTIVE")
        )


def downgrade() -> None:
    with op.batch_alter_table("project") as project:
        project.drop_column("project_status")
    with op.batch_alter_table("batch") as batch:
        batch.drop_column("queue_priority")
