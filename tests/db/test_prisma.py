"""The Prisma tooling: scripts/prisma works offline, the committed app/db/models.py is what the generator makes of
prisma/schema.prisma, the generator's JSON-RPC and rendering work, and the models read rows of the live database.

Tests that run the Prisma CLI fail (never skip) without Node or node_modules: CI installs them with `make setup`.
"""

import datetime
import decimal
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "prisma"
GENERATOR_DIR = PROJECT_ROOT / "prisma" / "generator"
MODELS = PROJECT_ROOT / "app" / "db" / "models.py"


def run_prisma(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: run `make setup`")
    if not (PROJECT_ROOT / "node_modules" / ".bin" / "prisma").exists():
        pytest.fail("node_modules/.bin/prisma is missing: run `make setup` (it runs npm ci)")
    result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=180,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        pytest.fail(f"scripts/prisma {' '.join(args)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def generate(out_dir: Path, schema: Path | None = None) -> tuple[str, dict]:
    """Run `scripts/prisma generate` (on `schema`, default prisma/schema.prisma) with the generator writing the
    models and the DMMF datamodel into out_dir instead of app/db/; return both."""
    out_dir.mkdir(parents=True, exist_ok=True)
    models, dmmf = out_dir / "models.py", out_dir / "dmmf.json"
    run_prisma("generate", *(["--schema", str(schema)] if schema else []),
               env={"STOREPULSE_MODELS_OUTPUT": str(models), "STOREPULSE_DMMF_OUTPUT": str(dmmf)})
    return models.read_text(), json.loads(dmmf.read_text())


def _load_generator_module(name: str):
    spec = importlib.util.spec_from_file_location(f"prisma_generator_{name}", GENERATOR_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_generator_module("render")
rpc = _load_generator_module("rpc")


# --- the CLI --------------------------------------------------------------------------------------------------

def test_schema_is_valid():
    assert "is valid" in run_prisma("validate").stdout


def test_schema_is_formatted():
    run_prisma("format", "--check")


def test_committed_models_are_up_to_date(tmp_path):
    generated, _ = generate(tmp_path)
    committed = MODELS.read_text() if MODELS.exists() else ""
    assert committed == generated, (
        "app/db/models.py differs from what prisma/schema.prisma gives: run scripts/prisma generate")


# --- JSON-RPC -------------------------------------------------------------------------------------------------

def _serve(*requests: dict, handlers: dict) -> list[dict]:
    replies = io.StringIO()
    rpc.serve(io.StringIO("".join(json.dumps(r) + "\n" for r in requests)), replies, handlers)
    return [json.loads(line) for line in replies.getvalue().splitlines()]


def test_rpc_replies_with_results_and_errors():
    def fail(params):
        raise ValueError("bad schema")

    replies = _serve(
        {"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"a": 1}},
        {"jsonrpc": "2.0", "method": "echo", "params": {}},  # a notification gets no reply
        {"jsonrpc": "2.0", "id": 2, "method": "fail", "params": None},
        {"jsonrpc": "2.0", "id": 3, "method": "nope", "params": None},
        handlers={"echo": lambda params: params, "fail": fail},
    )
    assert replies[0] == {"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert replies[1]["error"]["message"] == "ValueError: bad schema"
    assert "Traceback" in replies[1]["error"]["data"]["stack"]
    assert replies[2]["error"]["code"] == rpc.METHOD_NOT_FOUND


# --- rendering ------------------------------------------------------------------------------------------------

def _field(name: str, type_: str, *, db_name: str | None = None, kind: str = "scalar", required: bool = True,
           native: list | None = None, doc: str | None = None, is_list: bool = False) -> dict:
    field = {"name": name, "kind": kind, "type": type_, "isList": is_list, "isRequired": required,
             "nativeType": native}
    if db_name:
        field["dbName"] = db_name
    if doc:
        field["documentation"] = doc
    return field


TINY_DMMF = {
    "enums": [{
        "name": "Color",
        "dbName": "color",
        "documentation": 'A "colour"',
        "values": [{"name": "red", "dbName": None}, {"name": "darkBlue", "dbName": "dark_blue"}],
    }],
    "models": [{
        "name": "Paint",
        "dbName": None,
        "documentation": "One tin.\nSold by the litre.",
        "fields": [
            _field("id", "String", native=["Uuid", []]),
            _field("color", "Color", kind="enum"),
            _field("litrePrice", "Decimal", db_name="litre_price", native=["Decimal", ["6", "2"]]),
            _field("from", "String", required=False, doc="Where it was bought."),
            _field("extra", "Json", required=False),
            _field("sizes", "BigInt", is_list=True),  # Prisma's lists are "required": the column may be null
            _field("shop", "Shop", kind="object"),
        ],
    }],
}

TINY_MODELS = render.HEADER + render.MODULE_DOC + textwrap.dedent('''
    import decimal
    import enum
    import uuid
    from typing import Any, ClassVar

    from pydantic import BaseModel, ConfigDict, Field


    class Color(enum.StrEnum):
        """A \\"colour\\""""

        DB_NAME = enum.nonmember("color")

        red = "red"
        darkBlue = "dark_blue"


    class Paint(BaseModel):
        """One tin.
        Sold by the litre.
        """

        model_config = ConfigDict(from_attributes=True)
        DB_NAME: ClassVar[str] = "Paint"

        id: uuid.UUID
        color: Color
        litre_price: decimal.Decimal
        # Where it was bought.
        from_: str | None = Field(default=None, alias="from")
        extra: Any | None = None
        sizes: list[int] | None = None
''')


def test_render_tiny_dmmf():
    assert render.render_models(TINY_DMMF) == TINY_MODELS


def test_rendered_models_validate():
    namespace: dict = {}
    exec(compile(render.render_models(TINY_DMMF), "models.py", "exec"), namespace)
    paint = namespace["Paint"].model_validate({
        "id": "0b6f8f3e-5d2c-4c46-9d4f-3c1e2f9a7b10", "color": "dark_blue", "litre_price": decimal.Decimal("12.50"),
        "from": "Leeds", "extra": {"tint": 3}, "sizes": None,
    })
    assert paint.color is namespace["Color"].darkBlue
    assert paint.sizes is None
    assert paint.from_ == "Leeds"
    assert paint.extra == {"tint": 3}
    assert namespace["Color"].DB_NAME == "color"
    assert [c.value for c in namespace["Color"]] == ["red", "dark_blue"]


def test_render_refuses_a_type_it_cannot_map():
    model = {"name": "Host", "dbName": None, "fields": [_field("ip", "String", native=["Inet", []])]}
    with pytest.raises(render.RenderError, match=r"Host\.ip: no Python type for String @db\.Inet"):
        render.render_models({"enums": [], "models": [model]})


# --- the generator process ------------------------------------------------------------------------------------

def _run_generator(*requests: dict, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(GENERATOR_DIR / "main.py")], capture_output=True, text=True,
                          input="".join(json.dumps(r) + "\n" for r in requests), timeout=60, cwd=PROJECT_ROOT,
                          env={**os.environ, **(env or {})})


def test_generator_answers_get_manifest_on_stderr():
    result = _run_generator({"jsonrpc": "2.0", "id": 1, "method": "getManifest", "params": {}})
    assert result.returncode == 0
    assert result.stdout == ""
    reply = json.loads(result.stderr)
    assert reply["id"] == 1
    assert reply["result"]["manifest"]["prettyName"] == "Python row models"


def test_generator_writes_the_output_of_the_generate_request(tmp_path):
    output, dump = tmp_path / "out" / "models.py", tmp_path / "dmmf.json"
    params = {"dmmf": {"datamodel": TINY_DMMF}, "generator": {"output": {"value": str(output)}}}
    result = _run_generator({"jsonrpc": "2.0", "id": 7, "method": "generate", "params": params},
                            env={"STOREPULSE_DMMF_OUTPUT": str(dump)})
    assert json.loads(result.stderr) == {"jsonrpc": "2.0", "id": 7, "result": None}
    assert output.read_text() == render.render_models(TINY_DMMF)
    assert json.loads(dump.read_text()) == TINY_DMMF


def test_generator_output_can_be_redirected(tmp_path):
    params = {"dmmf": {"datamodel": TINY_DMMF}, "generator": {"output": {"value": str(tmp_path / "schema_output.py")}}}
    _run_generator({"jsonrpc": "2.0", "id": 1, "method": "generate", "params": params},
                   env={"STOREPULSE_MODELS_OUTPUT": str(tmp_path / "elsewhere.py")})
    assert not (tmp_path / "schema_output.py").exists()
    assert (tmp_path / "elsewhere.py").read_text() == render.render_models(TINY_DMMF)


# --- the models against the live database ---------------------------------------------------------------------

async def test_models_validate_rows_of_the_live_database(conn):
    from app.db import models

    as_of = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    record = await conn.fetchrow(
        "insert into report (as_of, parameters) values ($1, $2) returning *", as_of, {"window": "week"})
    assert set(models.Report.model_fields) == set(record.keys())
    report = models.Report.model_validate(dict(record))
    assert isinstance(report.id, uuid.UUID)
    assert report.status is models.ReportState.queued
    assert report.as_of == as_of
    assert report.parameters == {"window": "week"}
    assert (report.stores_done, report.started_at) == (0, None)

    record = await conn.fetchrow(
        "insert into store_hours (store_id, day_of_week, start_time_local, end_time_local)"
        " values ('s1', 6, '09:00', '17:30') returning *")
    assert set(models.StoreHours.model_fields) == set(record.keys())
    hours = models.StoreHours.model_validate(dict(record))
    assert (hours.store_id, hours.day_of_week) == ("s1", 6)
    assert (hours.start_time_local, hours.end_time_local) == (datetime.time(9), datetime.time(17, 30))

    await conn.execute("insert into store_timezone values ('s1', 'America/Chicago')")
    await conn.execute("insert into report_row values ($1, 's1', 60, 24, 168, 0, 0, 0.5)", report.id)
    await conn.execute("insert into report_shard (report_id, shard) values ($1, 0)", report.id)
    for model in (models.StoreTimezone, models.ReportRow, models.ReportShard):
        record = await conn.fetchrow(f"select * from {model.DB_NAME}")
        assert set(model.model_fields) == set(record.keys()), model.__name__
        model.model_validate(dict(record))
    row = models.ReportRow.model_validate(dict(await conn.fetchrow("select * from report_row")))
    assert row.downtime_last_week == decimal.Decimal("0.50")
