"""Fixtures for the official pasqal-cloud SDK against a live jobgraph on loopback: the edge-case
data set loaded, a uvicorn server in a thread, and an SDK pointed at it as the README shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pasqal_cloud.authentication import TokenProvider
from pasqal_cloud.endpoints import Endpoints
from pasqal_cloud.sdk import SDK

from jobgraph.app import create_app
from jobgraph.db.engine import Database
from jobgraph.settings import Settings
from tests.conftest import open_settings
from tests.dataset import Dataset, build_dataset, load_dataset
from tests.live import serving

DATA = build_dataset()
# `SDK` is the name existing callers use; it warns that it is an alias of PasqalCloudClient.
SDK_ALIAS = "ignore:'SDK' is an alias to 'PasqalCloudClient':DeprecationWarning"


class FixedTokenProvider(TokenProvider):
    """Always the same token; jobgraph accepts and ignores it."""

    def get_token(self) -> str:
        return "jobgraph-test-token"


@pytest.fixture
async def sdk_data(db: Database) -> Dataset:
    await load_dataset(db, DATA)
    return DATA


@pytest.fixture
def live_url(settings: Settings, sdk_data: Dataset) -> Iterator[str]:
    """A uvicorn server on a free loopback port, in a thread, for the length of one test."""
    with serving(create_app(settings), ws="none") as url:
        yield url


@pytest.fixture(scope="module")
async def shared_live_url(module_database_url: str, module_db: Database) -> AsyncIterator[str]:
    """One server over the data set for a whole module whose tests only read; such a module
    points `live_url` here."""
    await load_dataset(module_db, DATA)
    with serving(create_app(open_settings(module_database_url)), ws="none") as url:
        yield url


def sdk_at(url: str) -> SDK:
    """The SDK with both its endpoints, core and account, at the server."""
    endpoints = Endpoints(core=url, account=url)
    return SDK(token_provider=FixedTokenProvider(), endpoints=endpoints)


@pytest.fixture
def sdk(live_url: str) -> SDK:
    return sdk_at(live_url)
