"""Test fixtures: the run's own PostgreSQL + TimescaleDB server (tests/support/database.py), a migrated template
database built once per run, and a fresh copy of it per test."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

from app.config import PROJECT_ROOT, Settings
from app.db.connect import connect, create_pool
from tests.support.database import SERVER, TestServer


@pytest.fixture(scope="session")
def pg_server() -> TestServer:
    SERVER.start()
    yield SERVER
    SERVER.stop()


@pytest.fixture
def db_settings(pg_server: TestServer) -> Settings:
    """Settings pointing at a fresh, migrated, empty database that is dropped after the test."""
    with pg_server.database() as settings:
        yield settings


@pytest.fixture
async def conn(db_settings: Settings) -> asyncpg.Connection:
    """A connection as the app makes them (json decoded)."""
    connection = await connect(db_settings)
    yield connection
    await connection.close()


@pytest.fixture
async def pool(db_settings: Settings) -> asyncpg.Pool:
    """A pool as the app makes them, big enough for a report's shards and the summary's upkeep."""
    connections = await create_pool(db_settings, max_size=6)
    yield connections
    await connections.close()


@pytest.fixture
def sync_conn(db_settings):
    """(event loop, connection) for synchronous tests such as hypothesis's, which cannot be coroutines."""
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(connect(db_settings))
    yield loop, connection
    loop.run_until_complete(connection.close())
    loop.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under test-output/ for artefacts worth keeping (screenshots, CSVs)."""
    path = PROJECT_ROOT / "test-output" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path
