"""`python -m app <command>`: the command-line entry point. Each command calls into its own module; only `db
start|migrate|reset`, `serve` and `demo` migrate the database, every other command checks that its schema is
current (and starts the embedded cluster when it is down)."""

import argparse
import asyncio
import logging
import sys
from datetime import date, datetime
from pathlib import Path

from app.config import get_settings
from app.errors import StorepulseError

INGEST_ROWS_REJECTED = 3  # the exit status of an ingest that loaded every file but rejected rows (1: a file failed)


def _db(args: argparse.Namespace) -> int:
    from app.db import admin

    settings = get_settings()
    actions = {
        "start": admin.start,
        "stop": admin.stop,
        "status": admin.status,
        "reset": admin.reset,
        "migrate": admin.run_migrate,
    }
    if args.action == "psql":
        return admin.psql(settings, args.psql_args)
    if args.action == "replica":
        return admin.replica(settings, args.psql_args)
    return actions[args.action](settings)


def _ingest(args: argparse.Namespace) -> int:
    import asyncpg

    from app.db.setup import open_database
    from app.ingest import ingest

    settings = get_settings()
    open_database(settings)
    try:
        result = asyncio.run(ingest(
            settings, args.source, status=args.status, hours=args.hours, timezones=args.timezones,
            special_hours=args.special_hours, workers=args.workers, rejects=args.rejects,
        ))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:  # the database went away, a full disk
        raise StorepulseError(f"the load stopped: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc
    print(result.table())
    if not result.ok:
        return 1
    return INGEST_ROWS_REJECTED if result.rejected else 0


def _summarize(args: argparse.Namespace) -> int:
    from app.db.setup import open_database
    from app.summary.upkeep import summarize_now

    settings = get_settings()
    open_database(settings)
    print(f"status change summary up to date: {asyncio.run(summarize_now(settings))}")
    return 0


def _retention(args: argparse.Namespace) -> int:
    from app.db.setup import open_database
    from app.summary.retention import apply_retention

    settings = get_settings()
    open_database(settings)
    print(asyncio.run(apply_retention(settings, args.keep_days)))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from app.sample import generate_sample

    print(generate_sample(args.out, stores=args.stores, days=args.days, seed=args.seed,
                          first_release=args.first_release))
    return 0


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.db.setup import up
    from app.service import create_app

    settings = get_settings()
    if args.no_worker:
        settings = settings.model_copy(update={"embedded_worker": False})
    up(settings)
    _log_to_stderr()
    uvicorn.run(create_app(settings), host=args.host or settings.api_host, port=args.port or settings.api_port,
                access_log=not args.no_access_log)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from app.background import run_worker_process
    from app.db.setup import open_database

    settings = get_settings()
    open_database(settings)
    _log_to_stderr()
    asyncio.run(run_worker_process(settings, grace_seconds=args.grace))
    return 0


def _report(args: argparse.Namespace) -> int:
    import time

    from app.db.setup import open_database
    from app.jobs.inline import run_report_inline
    from app.report.parameters import DayRange

    async def to_stdout(chunk: bytes) -> None:
        sys.stdout.buffer.write(chunk)

    if (args.days is None) != (args.days_out is None):
        raise StorepulseError("--days FROM TO and --days-out FILE.csv go together")
    days = DayRange(**{"from": args.days[0], "to": args.days[1]}) if args.days else None
    settings = get_settings()
    open_database(settings)
    started = time.perf_counter()
    report = asyncio.run(run_report_inline(settings, args.out or to_stdout, args.as_of, args.store, days,
                                           args.days_out))
    target = f" written to {args.out}" if args.out else ""
    print(f"report {report.id}: {report.row_count:,} stores as of {report.as_of.isoformat()} in "
          f"{time.perf_counter() - started:.1f} s{target}", file=sys.stderr)
    return 0


def _on_pool(work):
    """Run `work(pool)` on a small pool of the checked database (the tenant and key commands)."""
    from app.db.connect import create_pool
    from app.db.setup import open_database

    settings = get_settings()
    open_database(settings)

    async def run():
        pool = await create_pool(settings, min_size=1, max_size=2)
        try:
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(run())


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    return "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in [header, *rows])


def _tenant(args: argparse.Namespace) -> int:
    from app.access import admin

    if args.action == "add":
        ids = admin.read_store_ids(args.store or [], args.stores_file or [])
        done = _on_pool(lambda pool: admin.add_tenant(pool, args.name, ids))
        verb = "created" if done.created else "extended"
        print(f"tenant {done.name} {verb}: {done.added:,} store(s) added, {done.stores:,} in all")
    elif args.action == "list":
        tenants = _on_pool(admin.list_tenants)
        if not tenants:
            print("no tenants yet: `python -m app tenant add NAME --store ID ...` makes one")
            return 0
        print(_table(["tenant", "stores", "with polls", "keys", "created"],
                     [[t.name, f"{t.stores:,}", f"{t.stores_with_polls:,}", str(t.keys),
                       f"{t.created_at:%Y-%m-%d %H:%M}"] for t in tenants]))
    else:
        removed = _on_pool(lambda pool: admin.remove_tenant(pool, args.name))
        print(f"tenant {removed.name} removed with its {removed.stores:,} store(s) and {removed.keys} key(s); its "
              f"{removed.reports:,} report(s) stay, for admin keys only")
    return 0


def _key(args: argparse.Namespace) -> int:
    from app.access import admin
    from app.access.tokens import KEY_PREFIX, shown_prefix
    from app.db.models import ApiRole

    if args.action == "create":
        if args.admin == bool(args.tenant or args.role):
            raise SystemExit("key create: give either --admin, or --tenant T --role read|write")
        if not args.admin and not (args.tenant and args.role):
            raise SystemExit("key create: a tenant's key needs both --tenant and --role")
        role = ApiRole.admin if args.admin else ApiRole(args.role)
        created = _on_pool(lambda pool: admin.create_key(pool, args.name, role, args.tenant))
        scope = "admin (every store)" if role is ApiRole.admin else f"{role.value} for tenant {args.tenant}"
        print(f"key {args.name} created: {scope}. It is shown this once; only its hash is stored. Send it as "
              "`Authorization: Bearer <key>`:")
        print(created.token)
    elif args.action == "list":
        keys = _on_pool(admin.list_keys)
        if not keys:
            print("no keys yet: `python -m app key create NAME --admin` makes one")
            return 0
        print(_table(["key", "role", "tenant", "starts with", "created", "web sessions"],
                     [[k.name, k.role.value, k.tenant or "-", shown_prefix(KEY_PREFIX, k.lookup_id),
                       f"{k.created_at:%Y-%m-%d %H:%M}", str(k.sessions)] for k in keys]))
    else:
        revoked = _on_pool(lambda pool: admin.revoke_key(pool, args.name))
        print(f"key {revoked.name} revoked ({shown_prefix(KEY_PREFIX, revoked.lookup_id)}), with its "
              f"{revoked.sessions} web session(s): requests with it are refused from now on (by running services "
              "within KEY_CACHE_SECONDS)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(get_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="the database: start | stop | status | reset | migrate | psql | replica")
    db.add_argument("action", choices=["start", "stop", "status", "reset", "migrate", "psql", "replica"])
    db.add_argument("psql_args", nargs=argparse.REMAINDER,
                    help="psql: arguments passed to psql; replica: start | stop (a local streaming replica)")
    db.set_defaults(func=_db)

    ingest = commands.add_parser(
        "ingest", help="load the polls, business hours, time zones and special hours CSV files",
        description=f"Exit status: 0 every row loaded, 1 a file could not be loaded, {INGEST_ROWS_REJECTED} every "
                    "file loaded but rows were rejected (see --rejects).")
    ingest.add_argument("source", nargs="?", type=Path,
                        help="a folder, a zip file or one file; .csv or .csv.gz files are recognised by their header")
    ingest.add_argument("--status", type=Path, help="the polls file (store_id, status, timestamp_utc)")
    ingest.add_argument("--hours", type=Path, help="the business hours file (menu_hours.csv)")
    ingest.add_argument("--timezones", type=Path, help="the timezones file (timezones.csv)")
    ingest.add_argument("--special-hours", type=Path,
                        help="the special hours file (store_id, date_local, start_time_local, end_time_local)")
    ingest.add_argument("--workers", type=int, help="concurrent COPY connections (default: cores, at least 2)")
    ingest.add_argument("--rejects", type=Path, help="where rejected rows go (default ./ingest_rejects.csv)")
    ingest.set_defaults(func=_ingest)

    summarize = commands.add_parser(
        "summarize", help="bring the status change summary up to date after polls were written from outside "
                          "(ingest and the API do it themselves; a report does it when it finds the summary stale)")
    summarize.set_defaults(func=_summarize)

    retention = commands.add_parser("retention", help="drop the polls of days older than --keep-days, keeping what "
                                                      "reports over the kept days need")
    retention.add_argument("--keep-days", type=int, required=True, metavar="N",
                           help="keep the last N days before the newest poll (at least 8: a report's week)")
    retention.set_defaults(func=_retention)

    sample = commands.add_parser("sample", help="write a realistic, deterministic sample data set")
    sample.add_argument("--stores", type=int, default=14_000)
    sample.add_argument("--days", type=int, default=8)
    sample.add_argument("--seed", type=int, default=1)
    sample.add_argument("--out", type=Path, required=True)
    sample.add_argument("--first-release", action="store_true",
                        help="the data set's first release: its file names (store status.csv, Menu hours.csv, "
                             "bq-results-….csv), integer store ids, the header `day`, polls up to 2023-01-25")
    sample.set_defaults(func=_sample)

    serve = commands.add_parser("serve", help="the HTTP API (docs at /docs) with an embedded report worker")
    serve.add_argument("--host", help="default: API_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: API_PORT (8000)")
    serve.add_argument("--no-worker", action="store_true", help="run no worker in the API process")
    serve.add_argument("--no-access-log", action="store_true", help="do not log every request")
    serve.set_defaults(func=_serve)

    worker = commands.add_parser("worker", help="a report worker process (run any number, on any host)")
    worker.add_argument("--grace", type=float,
                        help="on SIGTERM, seconds to let the running report finish before handing it back (5)")
    worker.set_defaults(func=_worker)

    report = commands.add_parser("report", help="run a report to completion here and write its CSV")
    report.add_argument("--as-of", type=datetime.fromisoformat, metavar="TS",
                        help="ISO 8601 instant (UTC when it has no offset); default: the newest poll")
    report.add_argument("--store", action="append", metavar="ID", help="report only this store (repeatable)")
    report.add_argument("--out", type=Path, metavar="FILE.csv", help="default: standard output")
    report.add_argument("--days", nargs=2, type=date.fromisoformat, metavar=("FROM", "TO"),
                        help="also figures per local date FROM..TO (YYYY-MM-DD, at most 92 dates), into --days-out")
    report.add_argument("--days-out", type=Path, metavar="FILE.csv", help="where the days' CSV goes")
    report.set_defaults(func=_report)

    tenant = commands.add_parser("tenant", help="tenants (named sets of stores): add | list | remove")
    tenant_actions = tenant.add_subparsers(dest="action", required=True)
    tenant_add = tenant_actions.add_parser("add", help="create a tenant, or add stores to it")
    tenant_add.add_argument("name", help="letters, digits, '.', '_' or '-'")
    tenant_add.add_argument("--store", action="append", metavar="ID", help="a store id (repeatable)")
    tenant_add.add_argument("--stores-file", action="append", type=Path, metavar="FILE",
                            help="a file of store ids, one a line (repeatable)")
    tenant_actions.add_parser("list", help="every tenant with its stores and keys")
    tenant_remove = tenant_actions.add_parser("remove", help="remove a tenant with its keys (its reports stay, "
                                                             "for admin keys)")
    tenant_remove.add_argument("name")
    tenant.set_defaults(func=_tenant)

    key = commands.add_parser("key", help="API keys: create | list | revoke")
    key_actions = key.add_subparsers(dest="action", required=True)
    key_create = key_actions.add_parser("create", help="make a key and print it, once, on the last line")
    key_create.add_argument("name", help="letters, digits, '.', '_' or '-'")
    key_create.add_argument("--admin", action="store_true", help="every store and report, and /metrics")
    key_create.add_argument("--tenant", metavar="T", help="the tenant whose stores and reports the key works with")
    key_create.add_argument("--role", choices=["read", "write"],
                            help="read: trigger, poll, list, download and cancel reports; write: also delete "
                                 "reports and post polls and store data")
    key_actions.add_parser("list", help="every key (never the key itself)")
    key_revoke = key_actions.add_parser("revoke", help="delete a key: requests with it get 401")
    key_revoke.add_argument("name")
    key.set_defaults(func=_key)

    demo = commands.add_parser("demo", help="the main job end to end: sample data, load, service, report, CSV")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StorepulseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

