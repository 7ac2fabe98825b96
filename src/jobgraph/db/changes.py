"""The change log (migration 0012): positions, reading after a position, the readable
frontier, the pruning horizon, and pruning.

A position is (xid, seq): the writing transaction's id (0 on SQLite) and the log's sequence
number. Rows are read in position order, and only once no transaction that could still write
a row before them is running (on PostgreSQL: xid below the xmin of the reader's snapshot; see
the migration), so a reader that resumes after the last position it read never skips one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    MetaData,
    Table,
    and_,
    delete,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from jobgraph.db.engine import Database
from jobgraph.db.types import UTCDateTime, id_type, text_type

CHANNEL = "jobgraph_changes"  # the PostgreSQL NOTIFY channel the triggers signal on

_metadata = MetaData()  # outside models.metadata: kept by triggers and migration 0012 alone
change_log = Table(
    "change_log",
    _metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("xid", BigInteger, nullable=False),
    Column("entity", text_type(), nullable=False),
    Column("entity_id", id_type(), nullable=False),
    Column("operation", text_type(), nullable=False),
    Column("project_id", id_type(), nullable=False),
    Column("batch_id", id_type()),
    Column("changed_at", UTCDateTime(), nullable=False),
)
change_log_horizon = Table(
    "change_log_horizon",
    _metadata,
    Column("xid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
)
LOG = change_log.c


@dataclass(frozen=True, order=True)
class Position:
    """A place in the change log; positions order as the log is read."""

    xid: int
    seq: int


START = Position(0, 0)


@dataclass(frozen=True)
class LoggedChange:
    """One row of the log: which row of which table changed how, and where it was."""

    position: Position
    entity: str
    entity_id: str
    operation: str
    project_id: str
    batch_id: str | None
    changed_at: datetime


def _xmin() -> ColumnElement[Any]:
    return literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def _readable(dialect: str) -> ColumnElement[bool]:
    """Rows no running transaction can still precede (all rows, on SQLite)."""
    return LOG.xid < _xmin() if dialect == "postgresql" else true()


def _beyond(dialect: str, position: Position) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return tuple_(LOG.xid, LOG.seq) > tuple_(position.xid, position.seq)
    return LOG.seq > position.seq


def _position_order() -> list[ColumnElement[Any]]:
    return [LOG.xid, LOG.seq]


@dataclass(frozen=True)
class LogRead:
    """The changes of one entity among the log rows read, the position reached (the last row
    read, of whichever entity: where the next read starts), and whether the read reached the
    readable end of the log (fewer rows than asked for)."""

    changes: list[LoggedChange]
    reached: Position
    at_end: bool


async def read_after(conn: AsyncConnection, entity: str, position: Position, limit: int) -> LogRead:
    """Up to `limit` readable log rows past `position`, in order; those of `entity` kept."""
    dialect = conn.dialect.name
    statement = (
        select(change_log)
        .where(_beyond(dialect, position), _readable(dialect))
        .order_by(*_position_order())
        .limit(limit)
    )
    rows = (await conn.execute(statement)).all()
    found = [
        LoggedChange(
            Position(row.xid, row.seq),
            row.entity,
            row.entity_id,
            row.operation,
            row.project_id,
            row.batch_id,
            row.changed_at,
        )
        for row in rows
        if row.entity == entity
    ]
    reached = Position(rows[-1].xid, rows[-1].seq) if rows else position
    return LogRead(found, reached, at_end=len(rows) < limit)


async def frontier(conn: AsyncConnection) -> Position:
    """The position of the last readable row (the horizon when the log holds none)."""
    statement = (
        select(LOG.xid, LOG.seq)
        .where(_readable(conn.dialect.name))
        .order_by(LOG.xid.desc(), LOG.seq.desc())
        .limit(1)
    )
    row = (await conn.execute(statement)).first()
    return Position(row.xid, row.seq) if row is not None else await horizon(conn)


async def has_unreadable(conn: AsyncConnection) -> bool:
    """Whether the log holds committed rows not yet readable (PostgreSQL: an older
    transaction is still running); they become readable without a NOTIFY of their own."""
    if conn.dialect.name != "postgresql":
        return False
    statement = select(LOG.seq).where(LOG.xid >= _xmin()).limit(1)
    return (await conn.execute(statement)).first() is not None


async def horizon(conn: AsyncConnection) -> Position:
    """The position up to which the log was pruned: changes at or before it are gone."""
    row = (await conn.execute(select(change_log_horizon))).one()
    return Position(row.xid, row.seq)


async def prune(db: Database, *, older_than: datetime | None, keep_rows: int | None) -> int:
    """Remove the readable changes logged before `older_than` and all but the newest
    `keep_rows`; the log stays a suffix (what precedes a removed row is removed too), and
    the horizon moves to the last removed position. Returns how many rows were removed."""
    async with db.write() as conn:
        dialect = conn.dialect.name
        readable = _readable(dialect)
        cuts: list[Position] = []
        if older_than is not None:
            statement = (
                select(LOG.xid, LOG.seq)
                .where(readable, LOG.changed_at < older_than)
                .order_by(LOG.xid.desc(), LOG.seq.desc())
                .limit(1)
            )
            row = (await conn.execute(statement)).first()
            if row is not None:
                cuts.append(Position(row.xid, row.seq))
        if keep_rows is not None:
            statement = (
                select(LOG.xid, LOG.seq)
                .where(readable)
                .order_by(LOG.xid.desc(), LOG.seq.desc())
                .offset(keep_rows)
                .limit(1)
            )
            row = (await conn.execute(statement)).first()
            if row is not None:
                cuts.append(Position(row.xid, row.seq))
        if not cuts:
            return 0
        cut = max(cuts)
        upto = or_(LOG.xid < cut.xid, and_(LOG.xid == cut.xid, LOG.seq <= cut.seq))
        removed = await conn.execute(delete(change_log).where(upto))
        current = await horizon(conn)
        if cut > current:
            await conn.execute(update(change_log_horizon).values(xid=cut.xid, seq=cut.seq))
        return int(removed.rowcount)


async def count_rows(db: Database) -> int:
    """How many changes the log holds."""
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(change_log))).scalar_one())
