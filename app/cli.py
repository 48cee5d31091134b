"""`python -m app <command>`: the command-line entry point. Each command calls into its own module."""

import argparse
import sys

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="the database: start | stop | status | reset | migrate | psql")
    db.add_argument("action", choices=["start", "stop", "status", "reset", "migrate", "psql"])
    db.add_argument("psql_args", nargs=argparse.REMAINDER, help="arguments passed to psql")
    db.set_defaults(func=_db)
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
