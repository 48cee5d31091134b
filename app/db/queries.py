"""Named SQL queries, loaded once from the `.sql` files in `sql/queries/`.

A file holds any number of queries, each introduced by a line `-- name: <query_name>` followed by comment lines
describing it and then the SQL. Callers use `queries["report_shard"]` and pass parameters; no SQL is assembled
in Python.
"""

import re
from functools import lru_cache
from pathlib import Path

from app.config import PROJECT_ROOT

QUERY_DIR = PROJECT_ROOT / "sql" / "queries"
_NAME_LINE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_queries(text: str, source: str = "<string>") -> dict[str, str]:
    parts = _NAME_LINE.split(text)
    if parts[0].strip() and not all(
        line.startswith("--") or not line.strip() for line in parts[0].splitlines()
    ):
        raise ValueError(f"{source}: SQL before the first '-- name:' line")
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        sql = body.strip()
        if not any(line.strip() and not line.lstrip().startswith("--") for line in sql.splitlines()):
            raise ValueError(f"{source}: query {name!r} is empty")
        if name in found:
            raise ValueError(f"{source}: query {name!r} defined twice")
        found[name] = sql
    return found


@lru_cache
def load_queries(directory: Path = QUERY_DIR) -> dict[str, str]:
    queries: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        for name, sql in parse_queries(path.read_text(), str(path)).items():
            if name in queries:
                raise ValueError(f"{path}: query {name!r} is already defined in another file")
            queries[name] = sql
    return queries


def without_comments(sql: str) -> str:
    """The SQL with its `--` comments removed (outside string literals). For COPY (query) TO STDOUT with arguments:
    asyncpg puts them into the query's text as quoted literals at every `$n`, comments included, where a value with
    a line break would end the comment and the rest of the value would be read as SQL."""
    out, quoted, i = [], False, 0
    while i < len(sql):
        if sql[i] == "'":
            quoted = not quoted
        elif not quoted and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        out.append(sql[i])
        i += 1
    return "".join(out)


class _Queries:
    def __getitem__(self, name: str) -> str:
        return load_queries()[name]

    def for_copy(self, name: str) -> str:
        """The query, for COPY with arguments (see without_comments)."""
        return without_comments(load_queries()[name])

    def __contains__(self, name: str) -> bool:
        return name in load_queries()


queries = _Queries()
