"""NDJSON/JSend import: parse, validate, upsert in one transaction; the seeder's bulk path."""

from jobgraph.db.bulk import count_jobs, insert_missing_rows, upsert_rows
from jobgraph.importing.run import ImportSummary, Phase, Progress, import_path
from jobgraph.importing.sources import ImportFailed

__all__ = [
    "ImportFailed",
    "ImportSummary",
    "Phase",
    "Progress",
    "count_jobs",
    "import_path",
    "insert_missing_rows",
    "upsert_rows",
]
