"""prisma/schema.prisma against the live catalog of a freshly migrated database (sql/migrations/): the same tables,
columns, types, nullability, primary keys, unique constraints and enums.

The schema side is the DMMF, the Prisma CLI's own parse of the schema, which the generator dumps as JSON. Models
marked `@@ignore` (store_status: a hypertable without a key) are left out of the DMMF, so the CLI also reads a
copy of the schema in which each `@@ignore` is replaced by a stand-in id field; that gives their columns, and the
stand-in is dropped again. Their tables must have no primary key or unique constraint, the reason they are
ignored.
"""

import re
from dataclasses import dataclass, field

import asyncpg
import pytest

from app.config import PROJECT_ROOT
from tests.db.test_prisma import generate

SCHEMA = PROJECT_ROOT / "prisma" / "schema.prisma"
STAND_IN = "driftTestStandIn"
IGNORED_TABLES = ("schema_migration", "schema_function")  # the migration runner's own tables

# Prisma's native type name -> PostgreSQL's udt_name.
PG_TYPES = {
    "Text": "text", "VarChar": "varchar", "Char": "bpchar", "Uuid": "uuid", "Boolean": "bool",
    "SmallInt": "int2", "Integer": "int4", "BigInt": "int8", "Real": "float4", "DoublePrecision": "float8",
    "Decimal": "numeric", "Timestamp": "timestamp", "Timestamptz": "timestamptz", "Date": "date", "Time": "time",
    "Timetz": "timetz", "Json": "json", "JsonB": "jsonb", "ByteA": "bytea",
}
# The native type Prisma uses on PostgreSQL for a field without @db.
DEFAULT_NATIVE = {
    "String": ["Text", []], "Boolean": ["Boolean", []], "Int": ["Integer", []], "BigInt": ["BigInt", []],
    "Float": ["DoublePrecision", []], "Decimal": ["Decimal", ["65", "30"]], "DateTime": ["Timestamp", ["3"]],
    "Json": ["JsonB", []], "Bytes": ["ByteA", []],
}
TIME_TYPES = {"timestamp", "timestamptz", "time", "timetz"}  # PostgreSQL's default precision for these is 6


@dataclass
class Table:
    columns: dict[str, tuple[str, bool]]  # column -> (type, nullable)
    primary_key: tuple[str, ...] | None
    uniques: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class Catalog:
    tables: dict[str, Table]
    enums: dict[str, list[str]]
    ignored: set[str] = field(default_factory=set)  # tables of @@ignore models


def db_name(item: dict) -> str:
    return item.get("dbName") or item["name"]


def prisma_type(f: dict, enums: dict[str, str]) -> str:
    if f["kind"] == "enum":
        udt, args = enums[f["type"]], []
    else:
        native, args = f["nativeType"] or DEFAULT_NATIVE[f["type"]]
        udt = PG_TYPES.get(native, f"@db.{native}")
        if udt in TIME_TYPES and not args:
            args = ["6"]
    if f["isList"]:
        return udt + "[]"
    return f"{udt}({','.join(args)})" if args else udt


def schema_catalog(declared: dict, probed: dict) -> Catalog:
    enums = {e["name"]: db_name(e) for e in probed["enums"]}
    declared_models = {m["name"] for m in declared["models"]}
    catalog = Catalog({}, {db_name(e): [db_name(v) for v in e["values"]] for e in declared["enums"]})
    for model in probed["models"]:
        fields = [f for f in model["fields"] if f["kind"] != "object" and f["name"] != STAND_IN]
        column = {f["name"]: db_name(f) for f in fields}
        table = Table({column[f["name"]]: (prisma_type(f, enums), not f["isRequired"]) for f in fields}, None)
        if model["name"] in declared_models:
            key = (model["primaryKey"] or {}).get("fields") or [f["name"] for f in fields if f.get("isId")]
            table.primary_key = tuple(column[name] for name in key)
            table.uniques = {(column[f["name"]],) for f in fields if f["isUnique"]}
            table.uniques |= {tuple(column[name] for name in names) for names in model["uniqueFields"]}
        else:
            catalog.ignored.add(db_name(model))
        catalog.tables[db_name(model)] = table
    return catalog


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> Catalog:
    tmp = tmp_path_factory.mktemp("drift")
    _, declared = generate(tmp / "declared")
    probe = tmp / "schema.prisma"
    probe.write_text(re.sub(r"^[ \t]*@@ignore\b.*$", f"  {STAND_IN} Int @id", SCHEMA.read_text(), flags=re.M))
    _, probed = generate(tmp / "probed", schema=probe)
    return schema_catalog(declared, probed)


def pg_type(c: asyncpg.Record) -> str:
    udt = c["udt_name"]
    if c["data_type"] == "ARRAY":
        return udt.removeprefix("_") + "[]"
    if udt == "numeric" and c["numeric_precision"] is not None:
        return f"numeric({c['numeric_precision']},{c['numeric_scale']})"
    if c["character_maximum_length"] is not None:
        return f"{udt}({c['character_maximum_length']})"
    if udt in TIME_TYPES:
        return f"{udt}({c['datetime_precision']})"
    return udt


async def live_catalog(conn: asyncpg.Connection) -> Catalog:
    columns = await conn.fetch("""
        select c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable = 'YES' as nullable,
               c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.datetime_precision
        from information_schema.columns c
        join information_schema.tables t using (table_schema, table_name)
        where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.table_name <> all($1::text[])
        order by c.table_name, c.ordinal_position""", IGNORED_TABLES)
    tables: dict[str, Table] = {}
    for c in columns:
        tables.setdefault(c["table_name"], Table({}, None)).columns[c["column_name"]] = (pg_type(c), c["nullable"])
    keys = await conn.fetch("""
        select cl.relname as table_name, i.indisprimary as is_primary,
               array_agg(a.attname::text order by k.ord) as columns
        from pg_index i
        join pg_class cl on cl.oid = i.indrelid
        join pg_namespace n on n.oid = cl.relnamespace
        cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where n.nspname = 'public' and i.indisunique and k.ord <= i.indnkeyatts
          and i.indexprs is null  -- a unique index on expressions is beyond Prisma (its model's comment says so)
        group by cl.relname, i.indexrelid, i.indisprimary""")
    for k in keys:
        if k["table_name"] in tables:
            if k["is_primary"]:
                tables[k["table_name"]].primary_key = tuple(k["columns"])
            else:
                tables[k["table_name"]].uniques.add(tuple(k["columns"]))
    enums = await conn.fetch("""
        select t.typname, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
        from pg_type t
        join pg_enum e on e.enumtypid = t.oid
        join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'public'
        group by t.typname""")
    return Catalog(tables, {e["typname"]: list(e["labels"]) for e in enums})


def _key(columns: tuple[str, ...] | None) -> str:
    return f"({', '.join(columns)})" if columns else "none"


def _report(problems: list[str]) -> str:
    return "prisma/schema.prisma and the migrated database differ:\n  " + "\n  ".join(problems)


async def test_same_tables(conn, schema):
    live = await live_catalog(conn)
    only_prisma = sorted(schema.tables.keys() - live.tables.keys())
    only_db = sorted(live.tables.keys() - schema.tables.keys())
    problems = [f"{t}: prisma has the table, the database does not" for t in only_prisma]
    problems += [f"{t}: the database has the table, prisma does not" for t in only_db]
    assert not problems, _report(problems)


async def test_same_columns_types_and_nullability(conn, schema):
    live = await live_catalog(conn)
    problems = []
    for name in sorted(schema.tables.keys() & live.tables.keys()):
        ours, theirs = schema.tables[name].columns, live.tables[name].columns
        for column in ours.keys() | theirs.keys():
            where = f"{name}.{column}"
            if column not in theirs:
                problems.append(f"{where}: prisma has the column, the database does not")
            elif column not in ours:
                problems.append(f"{where}: the database has the column, prisma does not")
            else:
                (our_type, our_null), (db_type, db_null) = ours[column], theirs[column]
                if our_type != db_type:
                    problems.append(f"{where}: prisma says {our_type}, database says {db_type}")
                # Prisma's scalar lists cannot be optional, so a nullable array column reads as required there.
                if our_null != db_null and not our_type.endswith("[]"):
                    say = {True: "nullable", False: "not null"}
                    problems.append(f"{where}: prisma says {say[our_null]}, database says {say[db_null]}")
    assert not problems, _report(sorted(problems))


async def test_primary_keys_and_unique_constraints(conn, schema):
    live = await live_catalog(conn)
    problems = []
    for name in sorted(schema.tables.keys() & live.tables.keys() - schema.ignored):
        ours, theirs = schema.tables[name], live.tables[name]
        if ours.primary_key != theirs.primary_key:
            problems.append(f"{name}: primary key: prisma says {_key(ours.primary_key)}, "
                            f"database says {_key(theirs.primary_key)}")
        for unique in sorted(ours.uniques - theirs.uniques):
            problems.append(f"{name}: unique {_key(unique)}: prisma has it, the database does not")
        for unique in sorted(theirs.uniques - ours.uniques):
            problems.append(f"{name}: unique {_key(unique)}: the database has it, prisma does not")
    assert not problems, _report(problems)


async def test_ignored_models_are_tables_without_a_key(conn, schema):
    assert "store_status" in schema.ignored, "store_status is expected to be @@ignore'd: it has no key"
    live = await live_catalog(conn)
    problems = []
    for name in sorted(schema.ignored & live.tables.keys()):
        table = live.tables[name]
        if table.primary_key or table.uniques:
            keys = [_key(table.primary_key)] if table.primary_key else []
            problems.append(f"{name}: @@ignore'd in prisma for having no key, but the database has "
                            f"{', '.join(keys + [_key(u) for u in sorted(table.uniques)])}: describe the key "
                            f"in prisma/schema.prisma and drop @@ignore")
    assert not problems, _report(problems)


async def test_same_enums(conn, schema):
    live = await live_catalog(conn)
    problems = []
    for name in sorted(schema.enums.keys() | live.enums.keys()):
        ours, theirs = schema.enums.get(name), live.enums.get(name)
        if ours != theirs:
            problems.append(f"enum {name}: prisma says {ours or 'no such enum'}, "
                            f"database says {theirs or 'no such enum'}")
    assert not problems, _report(problems)
