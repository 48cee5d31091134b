"""Every command of the README's table as a user runs it (`python -m app ...` in a child process, `make demo`),
pointed at the test server through the environment, or at a cluster of the test's own: the embedded cluster's
life cycle, `DATABASE_URL` mode, the data commands, the service and a worker process, the demo, the refusal of a
server without TimescaleDB, the recovery of a load left prepared when `db start` runs, and the one-transaction
move on a server that allows no prepared transactions."""

import csv
import io
import re
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

from app.config import PROJECT_ROOT, Settings
from app.db.two_phase import GID_PREFIX
from tests.support.api import model_csv, model_input, wait_for_report
from tests.support.commands import AppProcess, app_env, run_app, run_bounded
from tests.support.database import cluster_home, fetch, free_port, throwaway_cluster
from tests.support.model import days, days_csv, outages
from tests.support.wait import wait_until

DEMO_TIMEOUT = 900.0  # the demo loads the default sample (~2 M polls): about a minute here, far less than this


def ok(done: subprocess.CompletedProcess, *expected: str) -> str:
    """The command succeeded and printed each of `expected`; returns its standard output."""
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    for text in expected:
        assert text in done.stdout, f"{text!r} not in:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def url_settings(settings: Settings) -> Settings:
    """The same database reached through DATABASE_URL, as a user of their own server sets it."""
    return settings.model_copy(update={"database_url": settings.dsn()})


async def prepare_load_parts(settings: Settings, load_id: str, store_ids: list[str], decided: bool) -> None:
    """What a load killed in the middle leaves: one prepared part per store id (each adds its time zone), and the
    decision to commit them when `decided`."""
    for part, store_id in enumerate(store_ids):
        conn = await asyncpg.connect(settings.dsn())
        try:
            await conn.execute("begin")
            await conn.execute("insert into store_timezone values ($1, 'UTC')", store_id)
            await conn.execute(f"prepare transaction '{GID_PREFIX}{load_id}-{part}'")
        finally:
            await conn.close()
    if decided:
        conn = await asyncpg.connect(settings.dsn())
        try:
            await conn.execute("insert into staging.load_decision (load_id) values ($1)", load_id)
        finally:
            await conn.close()


# --- the database commands ---------------------------------------------------------------------------------------


async def test_db_commands_run_the_embedded_cluster_and_db_start_finishes_a_load_left_prepared():
    with cluster_home("embedded") as settings:
        port = f"port {settings.pg_port}"
        stopped = run_app(settings, "db", "status")
        assert stopped.returncode == 1 and "embedded database: stopped" in stopped.stdout, stopped

        ok(run_app(settings, "db", "start"), f"database started: {port}", "applied: 001_schema",
           f"database up: {settings.dsn()}")
        ok(run_app(settings, "db", "status"), f"embedded database: running on {port}", "server: PostgreSQL 15",
           "timescaledb 2.", "schema current")
        ok(run_app(settings, "db", "migrate"), "migrations: up to date")
        migrations = len(list((PROJECT_ROOT / "sql" / "migrations").glob("*.sql")))
        shown = ok(run_app(settings, "db", "psql", "-At", "-c", "select count(*) from schema_migration"))
        assert shown.strip() == str(migrations)

        # A load killed after it prepared its parts, twice: once before its decision, once after. The machine
        # goes down; `db start` brings the server up and settles both before anyone reads.
        await prepare_load_parts(settings, uuid.uuid4().hex, ["undecided-0", "undecided-1"], decided=False)
        await prepare_load_parts(settings, uuid.uuid4().hex, ["decided-0", "decided-1"], decided=True)
        ok(run_app(settings, "db", "stop"), "database stopped")
        assert run_app(settings, "db", "status").returncode == 1
        ok(run_app(settings, "db", "start"), f"database started: {port}")
        assert await fetch(settings, "select store_id from store_timezone order by 1") == [
            ("decided-0",), ("decided-1",)]
        assert await fetch(settings, "select gid from pg_prepared_xacts") == []
        assert await fetch(settings, "select * from staging.load_decision") == []
        ok(run_app(settings, "db", "start"), "database up")  # already up: nothing else happens

        ok(run_app(settings, "db", "reset"), f"database started: {port}", "database reset: empty and migrated")
        assert await fetch(settings, "select count(*) from store_timezone") == [(0,)]
        ok(run_app(settings, "db", "status"), "schema current")

        ok(run_app(settings, "db", "stop"), "database stopped")
        ok(run_app(settings, "db", "stop"), "database was not running")
        assert run_app(settings, "db", "status").returncode == 1


async def test_db_commands_with_database_url_leave_the_server_alone(db_settings):
    settings = url_settings(db_settings)
    status = ok(run_app(settings, "db", "status"), "server: PostgreSQL 15", "timescaledb 2.", "schema current")
    assert "embedded" not in status
    ok(run_app(settings, "db", "start"), f"database up: {settings.database_url}")
    ok(run_app(settings, "db", "migrate"), "migrations: up to date")
    assert ok(run_app(settings, "db", "psql", "-At", "-c", "select current_database()")).strip() == (
        db_settings.pg_database)
    ok(run_app(settings, "db", "stop"), "DATABASE_URL is set: the external server is not ours to stop")
    refused = run_app(settings, "db", "reset")
    assert refused.returncode == 2 and "refusing to reset an external database" in refused.stdout
    assert await fetch(db_settings, "select count(*) from schema_migration") == [
        (len(list((PROJECT_ROOT / "sql" / "migrations").glob("*.sql"))),)]


def test_a_server_without_timescaledb_is_refused_with_the_reason():
    with throwaway_cluster("no-timescaledb", "shared_preload_libraries = ''") as cluster:
        settings = cluster.model_copy(update={"database_url": cluster.dsn("postgres")})
        for command in (["db", "start"], ["db", "migrate"]):
            refused = run_app(settings, *command)
            assert refused.returncode == 1, refused
            assert refused.stderr.startswith("error: timescaledb is installed but not preloaded: add "
                                             "shared_preload_libraries = 'timescaledb' to postgresql.conf"), refused


# --- the data commands, the service and a worker ------------------------------------------------------------------


async def test_sample_ingest_summarize_report_keys_serve_worker_and_retention(db_settings, conn, tmp_path):
    settings = url_settings(db_settings)
    folder = tmp_path / "sample"
    ok(run_app(settings, "sample", "--stores", "40", "--days", "10", "--seed", "7", "--out", str(folder)),
       "40 stores, ", f"written to {folder}")
    assert {p.name for p in folder.iterdir()} == {"store_status.csv", "menu_hours.csv", "timezones.csv",
                                                  "special_hours.csv"}

    loaded = ok(run_app(settings, "ingest", str(folder), "--rejects", str(tmp_path / "rejects.csv")),
                "store_status.csv", "menu_hours.csv", "timezones.csv", "special_hours.csv")
    stored = int(re.search(r"store_status\.csv\s+[\d,]+\s+([\d,]+)", loaded)[1].replace(",", ""))
    assert stored == await conn.fetchval("select count(*) from store_status") > 0
    ok(run_app(settings, "summarize"), "status change summary up to date")
    assert await conn.fetchval("select count(*) from status_change_stale_chunks_v1('infinity')") == 0

    newest = await conn.fetchval("select max(timestamp_utc) from store_status")
    last_day = newest.date() - timedelta(days=1)
    out, days_out = tmp_path / "report.csv", tmp_path / "days.csv"
    reported = run_app(settings, "report", "--out", str(out), "--days", str(last_day - timedelta(days=2)),
                       str(last_day), "--days-out", str(days_out))
    assert reported.returncode == 0, reported.stderr
    expected = await model_csv(conn, newest)
    assert out.read_text() == expected
    assert f"{expected.count(chr(10)) - 1:,} stores as of" in reported.stderr
    polls, hours, zones, special = await model_input(conn)
    assert days_out.read_text() == days_csv(days(polls, hours, zones, newest, last_day - timedelta(days=2),
                                                 last_day, special=special))
    # The report with days came complete with its outages, computed by its shards: the model's, for its as_of.
    report = await conn.fetchrow("select id, outages_at from report where parameters ->> 'days' is not null")
    assert report["outages_at"] is not None
    stored = await conn.fetch("select store_id, start_utc, end_utc from report_outage where report_id = $1 "
                              "order by store_id, start_utc", report["id"])
    expected_outages = outages(polls, hours, zones, newest, special=special)
    assert {s: [(r["start_utc"], r["end_utc"]) for r in stored if r["store_id"] == s]
            for s in {r["store_id"] for r in stored}} == {s: v for s, v in expected_outages.items() if v}
    assert stored

    # A tenant and keys, as an operator makes them; the key is printed alone on the last line.
    store = await conn.fetchval("select min(store_id) from store_status")
    ok(run_app(settings, "tenant", "add", "smoke", "--store", store), "smoke")
    ok(run_app(settings, "tenant", "list"), "smoke")
    admin_key = ok(run_app(settings, "key", "create", "smoke-admin", "--admin")).splitlines()[-1]
    ok(run_app(settings, "key", "create", "smoke-reader", "--tenant", "smoke", "--role", "read"))
    listed = ok(run_app(settings, "key", "list"), "smoke-admin", "smoke-reader")
    assert admin_key not in listed
    ok(run_app(settings, "key", "revoke", "smoke-reader"))
    assert "smoke-reader" not in ok(run_app(settings, "key", "list"))

    # The service without its own worker, and a worker process: the report is computed by the worker.
    port = free_port()
    service = AppProcess(settings, tmp_path / "serve.log", "serve", "--port", str(port), "--no-worker")
    worker = AppProcess(settings, tmp_path / "worker.log", "worker")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                     headers={"Authorization": f"Bearer {admin_key}"}) as client:
            async def answers() -> bool:
                assert service.alive(), service.output()
                try:
                    return (await client.get("/reports", params={"limit": 1})).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(answers, message=f"`serve --port {port}` answers")
            report_id = (await client.post("/trigger_report")).json()["report_id"]
            response = await wait_for_report(client, report_id)
            assert response.status_code == 200 and response.text == expected
        assert await conn.fetchval("select status from report where id = $1", uuid.UUID(report_id)) == "complete"
        assert f"running report {report_id}" in worker.output() and f"report {report_id} complete" in worker.output()
        assert worker.terminate() == 0 and "stopped" in worker.output()
        # uvicorn shuts down cleanly on SIGTERM, then ends by the signal it was sent, as its docs say.
        assert service.terminate() == -15 and "Application shutdown complete." in service.output()
    finally:
        service.close()
        worker.close()

    # Retention: the oldest days dropped, a week and a day kept before the newest poll.
    kept = ok(run_app(settings, "retention", "--keep-days", "8"), "dropped")
    kept_from = await conn.fetchval("select kept_from from poll_retention")
    assert kept_from.date().isoformat() in kept and kept_from <= newest - timedelta(days=8)
    assert await conn.fetchval("select min(timestamp_utc) from store_status") >= kept_from


# --- the demo ------------------------------------------------------------------------------------------------------


async def test_make_demo_runs_the_main_job_end_to_end(db_settings, conn):
    """`make demo` against a test database through DATABASE_URL: set-up (quiet: nothing is missing), the default
    sample loaded, the service started, a report over HTTP, its CSV saved."""
    settings = url_settings(db_settings)
    done = run_bounded(["make", "demo"], app_env(settings), DEMO_TIMEOUT)  # blocks: nothing else runs meanwhile
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    saved = re.search(r"==> report complete in [\d.]+ s; CSV saved: (\S+)", done.stdout)
    assert saved, done.stdout
    path = Path(saved[1])
    try:
        assert "==> database: DATABASE_URL" in done.stdout and "==> stopping the service" in done.stdout
        rows = list(csv.reader(io.StringIO(path.read_text())))
        report_id = uuid.UUID(path.stem.removeprefix("report_"))
        report = await conn.fetchrow("select status, row_count from report where id = $1", report_id)
        assert rows[0][0] == "store_id" and report["status"] == "complete"
        assert report["row_count"] == len(rows) - 1 > 10_000
        assert await conn.fetchval("select count(*) from report_row where report_id = $1", report_id) == len(rows) - 1
        assert f"{len(rows) - 1:,} stores; last week" in done.stdout
    finally:
        path.unlink(missing_ok=True)


# --- a server that allows no prepared transactions -----------------------------------------------------------------


async def test_without_prepared_transactions_a_load_moves_in_one_transaction(db_settings, tmp_path):
    """max_prepared_transactions = 0 (the default of many servers): the move runs in one transaction, and the
    polls stored are those the parallel move stores on the test server."""
    folder = tmp_path / "sample"
    ok(run_app(db_settings, "sample", "--stores", "60", "--days", "8", "--out", str(folder)))
    polls = "select store_id, status::text, timestamp_utc from store_status order by 1, 3, 2"
    with throwaway_cluster("no-2pc", "max_prepared_transactions = 0") as settings:
        ok(run_app(settings, "db", "migrate"), "applied: 001_schema")
        assert await fetch(settings, "show max_prepared_transactions") == [("0",)]
        # Several workers and eight days: with prepared transactions, this move would run in three parts.
        ok(run_app(settings, "ingest", str(folder), "--workers", "3", "--rejects", str(tmp_path / "r1.csv")))
        one_transaction = await fetch(settings, polls)
    ok(run_app(db_settings, "ingest", str(folder), "--workers", "3", "--rejects", str(tmp_path / "r2.csv")))
    assert one_transaction == await fetch(db_settings, polls)
    assert len({ts.date() for _, _, ts in one_transaction}) >= 8
