"""One import: records buffered into chunked upserts, references checked, all in one transaction."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from jobgraph.db import bulk, models
from jobgraph.db.engine import Database
from jobgraph.db.writer import BulkWriter, bulk_transaction
from jobgraph.domain import batch_complete, batch_status_from_jobs
from jobgraph.importing.blocks import ParsedBlock, parse_block
from jobgraph.importing.records import BATCH_DEFAULTS, JOB_DEFAULTS, PROJECT_DEFAULTS
from jobgraph.importing.sources import (
    FileFormat,
    ImportFailed,
    LineReader,
    detect_format,
    read_jsend_jobs,
)
from jobgraph.parallel import (
    PARALLEL_MIN_JOBS,
    default_processes,
    gc_paused,
    ordered_map,
)

Progress = Callable[[int, int], None]
# Told the name of each step of a long import or seed as it starts, so a screen never sits
# silent: "parsing and writing", "rebuilding indexes", "checking references", "committing".
Phase = Callable[[str], None]


def _no_phase(_name: str) -> None:
    return None


"""Called with (bytes read so far, file size in bytes) as the import goes."""

BYTES_PER_JOB = 1_000  # a generous size of one job line, to guess a file's job count


@dataclass(frozen=True)
class ImportSummary:
    """What one import wrote: records of each kind, plus placeholder rows a JSend list implied."""

    projects: int
    batches: int
    jobs: int
    results: int
    placeholder_projects: int
    placeholder_batches: int
    seconds: float

    @property
    def jobs_per_second(self) -> float:
        return self.jobs / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _BatchSketch:
    """What a JSend job list tells about a batch it only references."""

    line: int
    project_id: str
    user_id: str | None
    created_at: datetime
    updated_at: datetime
    start: datetime | None
    end: datetime | None
    statuses: set[str] = field(default_factory=set)

    def add(self, job: dict[str, Any]) -> None:
        self.statuses.add(job["status"])
        self.user_id = self.user_id or job["user_id"]
        self.created_at = min(self.created_at, job["created_at"])
        self.updated_at = max(self.updated_at, job["updated_at"])
        if job["start_timestamp"] is not None:
            start = job["start_timestamp"]
            self.start = start if self.start is None else min(self.start, start)
        if job["end_timestamp"] is not None:
            end = job["end_timestamp"]
            self.end = end if self.end is None else max(self.end, end)

    def row(self, batch_id: str) -> dict[str, Any]:
        status = batch_status_from_jobs(self.statuses)
        complete = batch_complete(status)
        return BATCH_DEFAULTS | {
            "id": batch_id,
            "project_id": self.project_id,
            "user_id": self.user_id,
            "status": status,
            "complete": complete,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "start_datetime": self.start,
            "end_datetime": self.end if complete else None,
        }


class _Import:
    """The state of one import inside its transaction."""

    def __init__(
        self, connection: AsyncConnection, chunk_size: int, on_flush: Callable[[], None]
    ) -> None:
        self.connection = connection
        self.chunk_size = chunk_size
        self.on_flush = on_flush
        self.writer = BulkWriter(connection)
        self.tables = {table.name: table for table in bulk.TABLES}
        self.buffers: dict[str, list[dict[str, Any]]] = {table.name: [] for table in bulk.TABLES}
        self.counts: dict[str, int] = dict.fromkeys(self.buffers, 0)
        # References to check once every row is written: (batch, project) -> first line, etc.
        self.job_refs: dict[tuple[str, str], int] = {}
        self.batch_refs: dict[str, int] = {}
        self.batch_lines: dict[str, int] = {}
        self.moved_batches: dict[str, tuple[str, int]] = {}
        self.sketches: dict[str, _BatchSketch] = {}
        self.placeholders = (0, 0)
        # The line of each id written so far, per kind: an id may appear once per file.
        self.id_lines: dict[str, dict[str, int]] = {"project": {}, "batch": {}, "job": {}}

    def repeated_id(
        self, kind: str, ids: Iterable[str], lines: Iterable[int]
    ) -> tuple[int, str] | None:
        """Note where each id of `kind` is; the earliest (line, reason) of an id seen before."""
        seen = self.id_lines[kind]
        repeated: tuple[int, str] | None = None
        for row_id, line in zip(ids, lines, strict=True):
            first = seen.setdefault(row_id, line)
            if first != line and repeated is None:
                repeated = (
                    line,
                    f"{kind}.id: {kind} {row_id} is already on line {first}; "
                    "each id may appear once in a file",
                )
        return repeated

    def check_block(self, block: ParsedBlock) -> None:
        """Raise ImportFailed for the block's earliest bad line: a repeated id or its error."""
        problems = [] if block.error is None else [block.error]
        for kind, lines in block.lines.items():
            rows = block.rows.get(kind, [])
            if rows:
                at = self.writer.encoders[kind].position("id")
                found = self.repeated_id(kind, (row[at] for row in rows), lines)
                if found is not None:
                    problems.append(found)
        if problems:
            raise ImportFailed(*min(problems))

    async def flush(self, name: str) -> None:
        rows = self.buffers[name]
        if not rows:
            return
        await self.writer.upsert(self.tables[name], rows)
        self.counts[name] += len(rows)
        self.buffers[name] = []
        self.on_flush()

    async def flush_all(self) -> None:
        for name in self.buffers:
            await self.flush(name)

    async def add_block(self, block: ParsedBlock) -> None:
        """Write the rows of a parsed NDJSON block and note what the reference checks need."""
        job_refs, batch_refs = self.job_refs, self.batch_refs
        for key, line in block.job_refs.items():
            job_refs.setdefault(key, line)
        for project_id, line in block.batch_refs.items():
            batch_refs.setdefault(project_id, line)
        batches = block.rows["batch"]
        if batches:
            encoder = self.writer.encoders["batch"]
            at_id, at_project = encoder.position("id"), encoder.position("project_id")
            moves = [(row[at_id], row[at_project]) for row in batches]
            for (batch_id, _), line in zip(moves, block.lines["batch"], strict=True):
                self.batch_lines[batch_id] = line
            await self._note_moved_batches(moves)
        for name, rows in block.rows.items():
            await self.writer.upsert_encoded(self.tables[name], rows)
            self.counts[name] += len(rows)

    async def _note_moved_batches(self, batches: list[tuple[str, str]]) -> None:
        """Remember the (batch id, project id) pairs that move a stored batch to another project."""
        stored = await bulk.column_by_id(
            self.connection,
            models.batch_table,
            (batch_id for batch_id, _ in batches),
            models.batch_table.c.project_id,
        )
        for batch_id, project_id in batches:
            before = stored.get(batch_id)
            if before is not None and before != project_id:
                self.moved_batches[batch_id] = (project_id, self.batch_lines[batch_id])

    async def add_job(self, line: int, record: dict[str, Any]) -> None:
        repeated = self.repeated_id("job", (record["id"],), (line,))
        if repeated is not None:
            raise ImportFailed(*repeated)
        result = record.pop("result", None)
        row = JOB_DEFAULTS | record
        jobs = self.buffers["job"]
        jobs.append(row)
        if result is not None:
            self.buffers["job_result"].append({"job_id": row["id"], "result": result})
        self.job_refs.setdefault((row["batch_id"], row["project_id"]), line)
        if len(jobs) >= self.chunk_size:
            await self.flush("job")
            await self.flush("job_result")

    async def add_jsend_job(self, line: int, record: dict[str, Any]) -> None:
        sketch = self.sketches.get(record["batch_id"])
        row = JOB_DEFAULTS | record
        if sketch is None:
            self.sketches[record["batch_id"]] = sketch = _BatchSketch(
                line,
                row["project_id"],
                row["user_id"],
                row["created_at"],
                row["updated_at"],
                row["start_timestamp"],
                row["end_timestamp"],
            )
        sketch.add(row)
        await self.add_job(line, record)

    async def add_placeholders(self) -> None:
        """Minimal rows for the batches and projects a JSend list references but lacks."""
        connection = self.connection
        absent = set(self.sketches) - await bulk.existing_ids(
            connection, models.batch_table, self.sketches
        )
        batches = [self.sketches[batch_id].row(batch_id) for batch_id in sorted(absent)]
        projects: dict[str, datetime] = {}
        for batch in batches:
            earliest = projects.get(batch["project_id"], batch["created_at"])
            projects[batch["project_id"]] = min(earliest, batch["created_at"])
        absent_projects = set(projects) - await bulk.existing_ids(
            connection, models.project_table, projects
        )
        project_rows = [
            PROJECT_DEFAULTS
            | {"id": project_id, "name": project_id, "created_at": projects[project_id]}
            for project_id in sorted(absent_projects)
        ]
        await bulk.insert_missing_rows(connection, models.project_table, project_rows)
        await bulk.insert_missing_rows(connection, models.batch_table, batches)
        self.placeholders = (len(project_rows), len(batches))

    async def check_references(self) -> None:
        """Raise ImportFailed for the earliest line whose references do not hold."""
        problems: list[tuple[int, str]] = []
        projects = await bulk.existing_ids(self.connection, models.project_table, self.batch_refs)
        problems += [
            (
                line,
                f"batch.project_id: project {project_id} is neither in the database "
                "nor in this file",
            )
            for project_id, line in self.batch_refs.items()
            if project_id not in projects
        ]
        batch_projects = await bulk.column_by_id(
            self.connection,
            models.batch_table,
            (batch for batch, _ in self.job_refs),
            models.batch_table.c.project_id,
        )
        for (batch_id, project_id), line in self.job_refs.items():
            stored = batch_projects.get(batch_id)
            if stored is None:
                problems.append(
                    (
                        line,
                        f"job.batch_id: batch {batch_id} is neither in the "
                        "database nor in this file",
                    )
                )
            elif stored != project_id:
                problems.append(
                    (
                        line,
                        f"job.project_id: {project_id} disagrees with batch "
                        f"{batch_id}, which belongs to project {stored}",
                    )
                )
        for batch_id, (project_id, line) in self.moved_batches.items():
            other = await bulk.job_with_other_project(self.connection, batch_id, project_id)
            if other is not None:
                problems.append(
                    (
                        line,
                        f"batch.project_id: batch {batch_id} moves to project "
                        f"{project_id}, but its job {other[0]} belongs to project "
                        f"{other[1]}",
                    )
                )
        if problems:
            line, reason = min(problems)
            raise ImportFailed(line, reason)

    def summary(self, seconds: float) -> ImportSummary:
        counts = self.counts
        return ImportSummary(
            projects=counts["project"],
            batches=counts["batch"],
            jobs=counts["job"],
            results=counts["job_result"],
            placeholder_projects=self.placeholders[0],
            placeholder_batches=self.placeholders[1],
            seconds=seconds,
        )


def _blocks(stream: BinaryIO, lines: int) -> Iterator[tuple[int, bytes, int]]:
    """(number of its first line, block of `lines` lines, file offset after it), in order."""
    first = 1
    while chunk := list(islice(stream, lines)):
        yield first, b"".join(chunk), stream.tell()
        first += len(chunk)


def _parse_task(task: tuple[str, int, bytes]) -> ParsedBlock:
    return parse_block(*task)


async def _read_ndjson(
    state: _Import, stream: BinaryIO, processes: int, report: Callable[[int], None]
) -> None:
    """Parse blocks of lines (in helper processes when `processes` > 0) and write them in order.

    The first bad line stops the import; blocks after it are never written.
    """
    drivername = state.writer.drivername
    ends: deque[int] = deque()

    def tasks() -> Iterator[tuple[str, int, bytes]]:
        for first, block, end in _blocks(stream, state.chunk_size):
            ends.append(end)
            yield drivername, first, block

    async with aclosing(ordered_map(_parse_task, tasks(), processes=processes)) as blocks:
        async for block in blocks:
            state.check_block(block)
            await state.add_block(block)
            report(ends.popleft())


async def _read_jsend(state: _Import, reader: LineReader) -> None:
    for line, job in read_jsend_jobs(reader):
        await state.add_jsend_job(line, dict(job))


async def import_path(
    db: Database,
    path: Path,
    *,
    progress: Progress | None = None,
    phase: Phase = _no_phase,
    chunk_size: int = 0,
    rebuild_indexes: bool | None = None,
    processes: int | None = None,
    parallel_min_lines: int = PARALLEL_MIN_JOBS,
) -> ImportSummary:
    """Import an NDJSON file or a JSend job list into `db`, all or nothing.

    Rows are upserted by id, so importing a file twice changes nothing. Raises ImportFailed
    (with the 1-based line when there is one) for a bad record, a dangling or inconsistent
    reference, or an unreadable file; in every such case the database is left unchanged.
    On SQLite, `rebuild_indexes` drops the job indexes for the import and rebuilds them at
    its end (None: only when the file looks at least half as large as the job table).

    NDJSON lines are parsed `chunk_size` at a time in `processes` helper processes (None:
    parallel.default_processes()) while this process writes, once the file looks like at
    least `parallel_min_lines` lines; smaller files, and JSend documents, are parsed here.
    The stored rows and any error are the same either way. `phase` is told each step's name.
    """
    started = time.perf_counter()
    try:
        stream = path.open("rb")
    except OSError as error:
        raise ImportFailed(None, f"cannot read {path}: {error.strerror}") from None
    with stream:
        total = os.fstat(stream.fileno()).st_size
        file_format = detect_format(stream)
        reader = LineReader(stream)

        def report_jsend() -> None:
            if progress is not None:
                progress(reader.bytes_read, total)

        def report_ndjson(done: int) -> None:
            if progress is not None:
                progress(done, total)

        if processes is None:
            processes = default_processes()
        if total // BYTES_PER_JOB < parallel_min_lines:
            processes = 0

        try:
            with gc_paused():
                async with bulk_transaction(db) as connection:
                    state = _Import(connection, chunk_size or bulk.CHUNK_SIZE, report_jsend)
                    if rebuild_indexes is not False:
                        guess = total // BYTES_PER_JOB if rebuild_indexes is None else None
                        await state.writer.drop_job_indexes(guess)
                    phase("parsing and writing")
                    if file_format is FileFormat.JSEND:
                        await _read_jsend(state, reader)
                    else:
                        await _read_ndjson(state, stream, processes, report_ndjson)
                    await state.flush_all()
                    if state.writer.rebuilds_indexes:
                        phase("rebuilding indexes")
                    await state.writer.finish()
                    phase("checking references")
                    await state.add_placeholders()
                    await state.check_references()
                    phase("committing")
        except (IntegrityError, DataError) as error:
            raise ImportFailed(None, f"the database refused the import: {error.orig}") from None
        except BrokenProcessPool as error:
            raise ImportFailed(None, f"a parsing process stopped unexpectedly: {error}") from None
        if progress is not None:
            progress(total, total)
    return state.summary(time.perf_counter() - started)
