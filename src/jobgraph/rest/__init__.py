"""The Pasqal Cloud compatible REST routes."""

from __future__ import annotations

from fastapi import FastAPI

from jobgraph.rest.batches import batches_router
from jobgraph.rest.jobs import jobs_router
from jobgraph.rest.projects import projects_router
from jobgraph.rest.unsupported import unsupported_router
from jobgraph.settings import Settings


def install_rest(app: FastAPI, settings: Settings) -> None:
    """Mount the REST routes; their errors are JSend envelopes made by the routes themselves."""
    app.include_router(jobs_router(settings))
    app.include_router(batches_router())
    app.include_router(projects_router())
    app.include_router(unsupported_router())
