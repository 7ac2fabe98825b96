"""change_log: every insert, update and delete of a job or batch, written by triggers on both
databases (so imports, the seeder and any other program writing the tables are captured), and
change_log_horizon, the position up to which the log was pruned. An update that changes a row
but leaves its updated_at as it was gets updated_at set to the time of the change.

Ordering on PostgreSQL. A sequence hands out numbers in call order, but transactions commit
in any order: a reader that took every row with seq > its cursor could pass over a row whose
transaction commits later with a smaller seq. Each row therefore also keeps the id of the
transaction that wrote it (`xid`, from pg_current_xact_id()), and readers take a row only when
its transaction id is below the xmin of their snapshot, that is once every transaction that
may still write a row before it has ended; they read in (xid, seq) order. A writer never waits
for another (an advisory lock in the trigger would serialise every writer of the job and batch
tables until commit, and could deadlock with row locks); a change becomes readable once the
transactions older than its own have ended. On SQLite writers are serialised by the database,
so seq order is commit order and xid is always 0.

The PostgreSQL triggers are statement triggers reading transition tables (one INSERT into the
log per statement, however many rows) and send one NOTIFY per statement on the channel
jobgraph_changes, with an empty payload: listeners read the log.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of each table as of this revision: a row changed when one of them did.
COLUMNS = {
    "job": (  # noqa: SIM905
        "id parent_id batch_id project_id user_id status origin runs created_at updated_at "
        "start_timestamp end_timestamp variables errors progress creation_order slurm_job_id "
        "cluster_name"
    ).split(),
    "batch": (  # noqa: SIM905
        "id parent_id project_id user_id status device_type priority queue_priority open "
        "complete tags configuration created_at updated_at start_datetime end_datetime"
    ).split(),
}
BATCH_ID = {"job": "batch_id", "batch": "NULL"}

POSTGRESQL_TABLES = [
    """CREATE TABLE change_log (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
        entity text COLLATE "C" NOT NULL CHECK (entity IN ('job', 'batch')),
        entity_id varchar(36) COLLATE "C" NOT NULL,
        operation text COLLATE "C" NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
        project_id varchar(36) COLLATE "C" NOT NULL,
        batch_id varchar(36) COLLATE "C",
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )""",
    "CREATE INDEX ix_change_log_xid_seq ON change_log (xid, seq)",
    "CREATE INDEX ix_change_log_changed_at ON change_log (changed_at)",
    """CREATE TABLE change_log_horizon (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        xid bigint NOT NULL,
        seq bigint NOT NULL
    )""",
    "INSERT INTO change_log_horizon (xid, seq) VALUES (0, 0)",
    """CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND NEW IS DISTINCT FROM OLD THEN
            NEW.updated_at := clock_timestamp();
        END IF;
        RETURN NEW;
    END $$""",
]


def _postgresql_log(table: str) -> list[str]:
    batch_id = BATCH_ID[table]
    new_batch = "n.batch_id" if table == "job" else "NULL"
    old_batch = "o.batch_id" if table == "job" else "NULL"
    return [
        f"""CREATE FUNCTION change_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO change_log (entity, entity_id, operation, project_id, batch_id)
                SELECT '{table}', id, 'INSERT', project_id, {batch_id} FROM new_rows;
            ELSIF TG_OP = 'UPDATE' THEN
                INSERT INTO change_log (entity, entity_id, operation, project_id, batch_id)
                SELECT '{table}', n.id, 'UPDATE', n.project_id, {new_batch}
                FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE n IS DISTINCT FROM o;
            ELSE
                INSERT INTO change_log (entity, entity_id, operation, project_id, batch_id)
                SELECT '{table}', o.id, 'DELETE', o.project_id, {old_batch} FROM old_rows o;
            END IF;
            IF FOUND THEN
                PERFORM pg_notify('jobgraph_changes', '');
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {table}_touch_updated_at BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION touch_updated_at()""",
        f"""CREATE TRIGGER {table}_change_log_insert AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION change_log_{table}()""",
        f"""CREATE TRIGGER {table}_change_log_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION change_log_{table}()""",
        f"""CREATE TRIGGER {table}_change_log_delete AFTER DELETE ON {table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION change_log_{table}()""",
    ]


SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"  # UTCDateTime's text, in µs

SQLITE_TABLES = [
    """CREATE TABLE change_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        xid INTEGER NOT NULL DEFAULT 0,
        entity VARCHAR NOT NULL CHECK (entity IN ('job', 'batch')),
        entity_id VARCHAR(36) NOT NULL,
        operation VARCHAR NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
        project_id VARCHAR(36) NOT NULL,
        batch_id VARCHAR(36),
        changed_at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_change_log_xid_seq ON change_log (xid, seq)",
    "CREATE INDEX ix_change_log_changed_at ON change_log (changed_at)",
    """CREATE TABLE change_log_horizon (
        one BOOLEAN PRIMARY KEY DEFAULT 1 CHECK (one),
        xid INTEGER NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "INSERT INTO change_log_horizon (xid, seq) VALUES (0, 0)",
]


def _sqlite_log(table: str) -> list[str]:
    """Row triggers. The update trigger sets updated_at itself when a change left it as it
    was; SQLite does not fire a trigger again from its own statement (recursive_triggers is
    off), so that update logs nothing more."""
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in COLUMNS[table])
    insert = (
        "INSERT INTO change_log (entity, entity_id, operation, project_id, batch_id, changed_at)"
    )
    now = SQLITE_NOW
    new_batch = "NEW.batch_id" if table == "job" else "NULL"
    old_batch = "OLD.batch_id" if table == "job" else "NULL"
    return [
        f"""CREATE TRIGGER {table}_change_log_insert AFTER INSERT ON {table} BEGIN
            {insert} VALUES ('{table}', NEW.id, 'INSERT', NEW.project_id, {new_batch}, {now});
        END""",
        f"""CREATE TRIGGER {table}_change_log_update AFTER UPDATE ON {table} WHEN {changed} BEGIN
            UPDATE {table} SET updated_at = {SQLITE_NOW}
            WHERE id = NEW.id AND NEW.updated_at IS OLD.updated_at;
            {insert} VALUES ('{table}', NEW.id, 'UPDATE', NEW.project_id, {new_batch}, {now});
        END""",
        f"""CREATE TRIGGER {table}_change_log_delete AFTER DELETE ON {table} BEGIN
            {insert} VALUES ('{table}', OLD.id, 'DELETE', OLD.project_id, {old_batch}, {now});
        END""",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        statements = POSTGRESQL_TABLES + _postgresql_log("batch") + _postgresql_log("job")
    else:
        statements = SQLITE_TABLES + _sqlite_log("batch") + _sqlite_log("job")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in ("job", "batch"):
        for trigger in ("change_log_insert", "change_log_update", "change_log_delete"):
            op.execute(
                f"DROP TRIGGER {table}_{trigger} ON {table}"
                if postgresql
                else f"DROP TRIGGER {table}_{trigger}"
            )
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_touch_updated_at ON {table}")
            op.execute(f"DROP FUNCTION change_log_{table}()")
    if postgresql:
        op.execute("DROP FUNCTION touch_updated_at()")
    op.execute("DROP TABLE change_log_horizon")
    op.execute("DROP TABLE change_log")
