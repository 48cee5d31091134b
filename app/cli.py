"""`python -m app <command>`: the command-line entry point. Each command calls into its own module."""

import argparse
import sys
from pathlib import Path

from app.config import get_settings
from app.errors import StorepulseError


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
    return actions[args.action](settings)


def _ingest(args: argparse.Namespace) -> int:
    import asyncio

    from app.db.admin import up
    from app.ingest import ingest

    settings = get_settings()
    up(settings, quiet=True)
    result = asyncio.run(ingest(
        settings, args.source, status=args.status, hours=args.hours, timezones=args.timezones,
        workers=args.workers, rejects=args.rejects,
    ))
    print(result.table())
    return 0 if result.ok else 1


def _sample(args: argparse.Namespace) -> int:
    from app.sample import generate_sample

    print(generate_sample(args.out, stores=args.stores, days=args.days, seed=args.seed))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="the database: start | stop | status | reset | migrate | psql")
    db.add_argument("action", choices=["start", "stop", "status", "reset", "migrate", "psql"])
    db.add_argument("psql_args", nargs=argparse.REMAINDER, help="arguments passed to psql")
    db.set_defaults(func=_db)

    ingest = commands.add_parser("ingest", help="load store_status, business hours and timezones CSV files")
    ingest.add_argument("source", nargs="?", type=Path, help="a folder or a zip file holding the CSV files")
    ingest.add_argument("--status", type=Path, help="the polls file (store_id, status, timestamp_utc)")
    ingest.add_argument("--hours", type=Path, help="the business hours file (menu_hours.csv)")
    ingest.add_argument("--timezones", type=Path, help="the timezones file (timezones.csv)")
    ingest.add_argument("--workers", type=int, help="concurrent COPY connections (default: cores, at least 2)")
    ingest.add_argument("--rejects", type=Path, help="where rejected rows go (default ./ingest_rejects.csv)")
    ingest.set_defaults(func=_ingest)

    sample = commands.add_parser("sample", help="write a realistic, deterministic sample data set")
    sample.add_argument("--stores", type=int, default=14_000)
    sample.add_argument("--days", type=int, default=8)
    sample.add_argument("--seed", type=int, default=1)
    sample.add_argument("--out", type=Path, required=True)
    sample.set_defaults(func=_sample)
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
