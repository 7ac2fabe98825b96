"""Index how many errors each job holds, for the `errors` filter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jobgraph.db.types import error_count

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_job_error_count", "job", [error_count(sa.column("errors"))])


def downgrade() -> None:
    op.drop_index("ix_job_error_count", table_name="job")
