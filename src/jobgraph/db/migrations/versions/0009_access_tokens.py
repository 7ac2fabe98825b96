"""Who may read which project: project_member, api_token (hashes only) and api_token_project.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jobgraph.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "project_member",
        sa.Column("user_id", _text(), primary_key=True),
        sa.Column("project_id", _text(36), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("id", _text(36), primary_key=True),
        sa.Column("user_id", _text(), nullable=False),
        sa.Column("prefix", _text(), nullable=False),
        sa.Column("secret_hash", _text(), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_api_token_secret_hash", "api_token", ["secret_hash"], unique=True)
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_table(
        "api_token_project",
        sa.Column("token_id", _text(36), primary_key=True),
        sa.Column("project_id", _text(36), primary_key=True),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
    )


def downgrade() -> None:
    op.drop_table("api_token_project")
    op.drop_table("api_token")
    op.drop_table("project_member")
