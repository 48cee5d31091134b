"""Test fixtures: a real PostgreSQL + TimescaleDB server of the tests' own (own data directory and port),
a migrated template database built once per session, and a fresh copy of it per test."""

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from app.config import PROJECT_ROOT, Settings
from app.db.cluster import Cluster
from app.db.migrate import migrate

TEST_DATA_DIR = PROJECT_ROOT / ".data" / "test-pg"
TEST_PORT = 54339
TEMPLATE_DB = "storepulse_template"


def test_settings(database: str) -> Settings:
    return Settings(
        database_url=None,
        data_dir=TEST_DATA_DIR,
        pg_port=TEST_PORT,
        pg_database=database,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    settings = test_settings("postgres")
    # No TimescaleDB background workers: they hold connections that block CREATE DATABASE ... TEMPLATE.
    cluster = Cluster(settings.data_dir, settings.pg_port, settings.pg_bin_dir, settings.socket_dir,
                      background_workers=0)
    started = cluster.start()
    yield cluster
    if started:
        cluster.stop()


async def _build_template(admin: Settings) -> None:
    conn = await asyncpg.connect(admin.dsn())
    try:
        await conn.execute(f'drop database if exists "{TEMPLATE_DB}"')
        await conn.execute(f'create database "{TEMPLATE_DB}"')
    finally:
        await conn.close()
    conn = await asyncpg.connect(test_settings(TEMPLATE_DB).dsn())
    try:
        await migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(pg_cluster: Cluster) -> str:
    asyncio.run(_build_template(test_settings("postgres")))
    return TEMPLATE_DB


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(test_settings("postgres").dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def db_settings(template_db: str) -> Settings:
    """Settings pointing at a fresh, migrated, empty database that is dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'create database "{name}" template "{template_db}"'))
    yield test_settings(name)
    asyncio.run(_admin(f'drop database if exists "{name}" with (force)'))


@pytest.fixture
async def conn(db_settings: Settings) -> asyncpg.Connection:
    connection = await asyncpg.connect(db_settings.dsn())
    yield connection
    await connection.close()


@pytest.fixture
def sync_conn(db_settings):
    """(event loop, connection) for synchronous tests such as hypothesis's, which cannot be coroutines."""
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(asyncpg.connect(db_settings.dsn()))
    yield loop, connection
    loop.run_until_complete(connection.close())
    loop.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under test-output/ for artefacts worth keeping (screenshots, CSVs)."""
    path = PROJECT_ROOT / "test-output" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path
