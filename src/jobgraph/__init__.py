"""jobgraph: quantum-computing jobs (Project -> Batch -> Job) as a queryable graph."""

__version__ = "0.1.0"
