"""The Database handle: statistics after bulk writes."""

from __future__ import annotations

from sqlalchemy import text

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset


async def test_refresh_statistics_gives_the_planner_fresh_statistics(db: Database) -> None:
    await load_dataset(db, build_dataset())
    await db.refresh_statistics()
    if db.dialect == "sqlite":
        probe = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'job'"
    else:
        probe = (
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'job' "
            "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
        )
    async with db.read() as connection:
        assert (await connection.execute(text(probe))).scalar_one() >= 1
