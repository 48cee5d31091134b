"""The project's Prisma generator (`generator python_types` in prisma/schema.prisma): `scripts/prisma generate`
starts it and it writes the pydantic row models to the generator's output, app/db/models.py. Stdlib only.

For tests, two environment variables redirect its files: STOREPULSE_MODELS_OUTPUT writes the models there
instead of the schema's output, and STOREPULSE_DMMF_OUTPUT also writes the DMMF datamodel (the CLI's parse
of the schema) there as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import render  # this file's folder is sys.path[0]
import rpc


def get_manifest(config: Any) -> dict[str, Any]:
    return {"manifest": {"prettyName": "Python row models", "defaultOutput": "../app/db/models.py"}}


def generate(options: dict[str, Any]) -> None:
    datamodel = options["dmmf"]["datamodel"]
    dmmf_output = os.environ.get("STOREPULSE_DMMF_OUTPUT")
    if dmmf_output:
        Path(dmmf_output).write_text(json.dumps(datamodel, indent=2, sort_keys=True) + "\n")
    output = Path(os.environ.get("STOREPULSE_MODELS_OUTPUT") or options["generator"]["output"]["value"])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render.render_models(datamodel))


def main() -> None:
    rpc.serve(sys.stdin, sys.stderr, {"getManifest": get_manifest, "generate": generate})


if __name__ == "__main__":
    main()
