"""schemathesis, the fuzzer FastAPI users run against their OpenAPI document, over the whole API with an admin key,
as a new user would run it (`st run URL/openapi.json`): every check it has (no 5xx; every status code, content type,
header and body as documented; auth enforced; 405 with a full `Allow`; negative data refused; ...), bounded by
tests/api/schemathesis.toml (a fixed number of examples per operation, deterministic generation, one worker).

The served app is the real one: a small sample loaded, its embedded worker running the reports the fuzzer queues,
the per-key limit in force. The run's output, with its size and duration, is kept in the test's output folder."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.support.api import ApiServer, load_sample

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")
BUDGET_SECONDS = 120


def test_schemathesis_finds_nothing_over_the_whole_api(db_settings, output_dir):
    load_sample(db_settings, 30)
    with ApiServer(db_settings) as server:
        started = time.monotonic()
        run = subprocess.run(
            [str(ST), "--config-file", str(CONFIG), "--no-color", "run", f"{server.url}/openapi.json",
             "--report", "junit", "--report-dir", str(output_dir)],
            env={**os.environ, "STOREPULSE_API_KEY": server.admin_key}, capture_output=True, text=True,
            timeout=2 * BUDGET_SECONDS, cwd=output_dir,
        )
        seconds = time.monotonic() - started
    output = run.stdout + run.stderr
    (output_dir / "schemathesis.txt").write_text(output)
    assert run.returncode == 0, output[-6000:]
    cases = re.search(r"(\d+) generated", output)
    assert cases and int(cases.group(1)) > 300, output[-3000:]
    assert "22 selected / 22 total" in output  # every operation of the document
    print(f"schemathesis: {cases.group(1)} test cases in {seconds:.1f} s")
    assert seconds < BUDGET_SECONDS
