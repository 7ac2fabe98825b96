"""On PostgreSQL, keep the number of jobs in job_total, maintained by statement triggers.

An unfiltered count(*) must read an index of every job on PostgreSQL (SQLite counts a
b-tree from its page headers); the job list's `total` needs that count on every call.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """CREATE TABLE job_total (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        total bigint NOT NULL
    )""",
    "INSERT INTO job_total (total) SELECT count(*) FROM job",
    """CREATE FUNCTION job_total_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE job_total SET total = total + (SELECT count(*) FROM added);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION job_total_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE job_total SET total = total - (SELECT count(*) FROM removed);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION job_total_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE job_total SET total = 0;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER job_total_insert AFTER INSERT ON job REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION job_total_added()""",
    """CREATE TRIGGER job_total_delete AFTER DELETE ON job REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION job_total_removed()""",
    """CREATE TRIGGER job_total_truncate AFTER TRUNCATE ON job
    FOR EACH STATEMENT EXECUTE FUNCTION job_total_emptied()""",
]

DOWNGRADE = [
    "DROP TRIGGER job_total_truncate ON job",
    "DROP TRIGGER job_total_delete ON job",
    "DROP TRIGGER job_total_insert ON job",
    "DROP FUNCTION job_total_emptied()",
    "DROP FUNCTION job_total_removed()",
    "DROP FUNCTION job_total_added()",
    "DROP TABLE job_total",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
