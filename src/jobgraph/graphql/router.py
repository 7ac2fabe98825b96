"""Mounts /graphql (POST for queries, GET for GraphiQL) on the FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from jobgraph.settings import Settings


def install_graphql(app: FastAPI, settings: Settings) -> None:
    """Mount the GraphQL endpoint on the app."""
