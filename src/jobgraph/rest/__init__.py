"""The Pasqal Cloud compatible REST routes."""

from __future__ import annotations

from fastapi import FastAPI

from jobgraph.settings import Settings


def install_rest(app: FastAPI, settings: Settings) -> None:
    """Mount the REST routes and their error handlers on the app."""
