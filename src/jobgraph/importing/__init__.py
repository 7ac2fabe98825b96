"""NDJSON/JSend import: parse, validate, upsert in one transaction."""

from jobgraph.importing.run import ImportSummary, Phase, Progress, import_path
from jobgraph.importing.sources import ImportFailed

__all__ = ["ImportFailed", "ImportSummary", "Phase", "Progress", "import_path"]
