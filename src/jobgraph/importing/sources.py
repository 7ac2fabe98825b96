"""Reading import files: format detection, NDJSON lines and streamed JSend job lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, BinaryIO

import ijson
from pydantic import ValidationError

from jobgraph.importing.records import JOB, JobFields, describe_error, unstorable


class ImportFailed(Exception):
    """An import was refused; nothing of it was kept. `line` is 1-based when known."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


class FileFormat(StrEnum):
    NDJSON = "ndjson"
    JSEND = "jsend"


def detect_format(stream: BinaryIO) -> FileFormat:
    """NDJSON unless the first non-blank line opens a JSend document; rewinds the stream.

    A JSend document either starts with a line that is not a whole JSON value (it is
    pretty-printed) and does not mention "kind", or is one line holding an object with
    "data" or "status" and no "kind".
    """
    first = b""
    for line in stream:
        if line.strip():
            first = line
            break
    stream.seek(0)
    try:
        value = json.loads(first)
    except ValueError:
        return FileFormat.NDJSON if b'"kind"' in first or not first else FileFormat.JSEND
    if isinstance(value, dict) and "kind" not in value and value.keys() & {"data", "status"}:
        return FileFormat.JSEND
    return FileFormat.NDJSON


class LineReader:
    """Hands the parser one line per read, so each parse event knows its line number."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.line = 0
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes the stream type with read(0)
            return b""
        chunk = self.stream.readline()
        if chunk:
            self.line += 1
            self.bytes_read += len(chunk)
        return chunk


def read_jsend_jobs(reader: LineReader) -> Iterator[tuple[int, JobFields]]:
    """(line where the job starts, validated job) for each job of the document's `data`.

    The envelope must be an object whose `status` is "success" and whose `data` is a list.
    """
    envelope: dict[str, Any] = {"status": None, "data": False}
    starts: list[int] = []

    def events() -> Iterator[tuple[str, str, Any]]:
        for prefix, event, value in ijson.parse(reader, use_float=True):
            if prefix == "status" and event == "string":
                envelope["status"] = value
            elif prefix == "data" and event == "start_array":
                envelope["data"] = True
            elif prefix == "data.item" and event in ("start_map", "start_array"):
                starts.append(reader.line)
            elif prefix == "" and event == "start_array":
                raise ImportFailed(reader.line, "expected a JSend object, got a JSON list")
            yield prefix, event, value

    index = 0
    try:
        for item in ijson.items(events(), "data.item"):
            line = starts[index] if index < len(starts) else reader.line
            if envelope["status"] not in (None, "success"):
                raise ImportFailed(line, _not_success(envelope["status"]))
            try:
                job = JOB.validate_python(item)
            except ValidationError as error:
                reason = f"data[{index}]: {describe_error(error, kind='job')}"
                raise ImportFailed(line, reason) from None
            found = unstorable(job, "job")
            if found is not None:
                raise ImportFailed(line, f"data[{index}]: {found}")
            yield line, job
            index += 1
    except ijson.JSONError as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "truncated"
        raise ImportFailed(reader.line, f"invalid JSON ({detail})") from None
    if envelope["status"] != "success":
        raise ImportFailed(None, _not_success(envelope["status"]))
    if not envelope["data"]:
        raise ImportFailed(None, 'the JSend document has no "data" list of jobs')


def _not_success(status: Any) -> str:
    return f'the JSend document\'s status is {status!r}, not "success"; nothing to import'
