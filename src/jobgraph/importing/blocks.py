"""NDJSON blocks: lines parsed, validated and encoded into DB-ready rows, in any process.

`parse_block` is a pure function of its arguments, so the importer may run it in a helper
process; it returns the rows in file order with what the reference checks need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import ValidationError

from jobgraph.db import bulk
from jobgraph.db.convert import RowEncoder, Rows, dialect_named
from jobgraph.importing.records import (
    BATCH_DEFAULTS,
    JOB_DEFAULTS,
    PROJECT_DEFAULTS,
    RECORD,
    SUSPECT,
    describe_error,
    unstorable,
)


@dataclass
class ParsedBlock:
    """The encoded rows of a block of lines, or the first bad line's (number, reason)."""

    rows: dict[str, Rows] = field(default_factory=dict)
    # The line of each project, batch and job row, in the order of rows[kind].
    lines: dict[str, list[int]] = field(
        default_factory=lambda: {"project": [], "batch": [], "job": []}
    )
    job_refs: dict[tuple[str, str], int] = field(default_factory=dict)  # (batch, project)
    batch_refs: dict[str, int] = field(default_factory=dict)  # project -> first line
    error: tuple[int, str] | None = None


@cache
def encoders(drivername: str) -> dict[str, RowEncoder]:
    """Encoders for the rows of parsed records: optional columns fall back to their defaults."""
    dialect = dialect_named(drivername)
    defaults = {"project": PROJECT_DEFAULTS, "batch": BATCH_DEFAULTS, "job": JOB_DEFAULTS}
    return {
        table.name: RowEncoder(table, dialect, defaults=defaults.get(table.name))
        for table in bulk.TABLES
    }


def split_lines(block: bytes) -> list[bytes]:
    """The lines of `block` as iterating a binary file splits them ("\\n" only), newlines cut."""
    lines = block.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def parse_block(drivername: str, first_line: int, block: bytes) -> ParsedBlock:
    """Validate and encode the NDJSON lines of `block`, the first being line `first_line`.

    Blank lines are skipped. At the first invalid record the block stops with `error` set,
    worded exactly as when the line is validated with its newline.
    """
    parsed = ParsedBlock()
    projects: list[dict[str, Any]] = []
    batches: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    job_refs, batch_refs, lines_of = parsed.job_refs, parsed.batch_refs, parsed.lines
    validate = RECORD.validate_json
    lines = split_lines(block)
    last = len(lines) - 1
    for index, line in enumerate(lines):
        try:
            record: dict[str, Any] = validate(line)  # type: ignore[assignment]
        except ValidationError as error:
            if not line.strip():
                continue
            problem = error
            if index < last or block.endswith(b"\n"):
                try:  # the message as for the line read with its newline
                    validate(line + b"\n")
                except ValidationError as with_newline:
                    problem = with_newline
            parsed.error = (first_line + index, describe_error(problem))
            break
        kind = record.pop("kind")
        if SUSPECT.search(line) and (found := unstorable(record, kind)) is not None:
            parsed.error = (first_line + index, found)
            break
        lines_of[kind].append(first_line + index)
        if kind == "job":
            result = record.pop("result", None)
            jobs.append(record)
            if result is not None:
                results.append({"job_id": record["id"], "result": result})
            key = (record["batch_id"], record["project_id"])
            if key not in job_refs:
                job_refs[key] = first_line + index
        elif kind == "batch":
            batches.append(record)
            if record["project_id"] not in batch_refs:
                batch_refs[record["project_id"]] = first_line + index
        else:
            projects.append(record)
    encoder = encoders(drivername)
    for name, rows in (
        ("project", projects),
        ("batch", batches),
        ("job", jobs),
        ("job_result", results),
    ):
        parsed.rows[name] = encoder[name].encode(rows)
    return parsed
