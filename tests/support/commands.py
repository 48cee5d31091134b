"""The command line as a user runs it: `python -m app <command>` in a child process, pointed at a test database (or
a throwaway cluster) through the environment, as a user would with DATA_DIR/PG_PORT or DATABASE_URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from app.config import PROJECT_ROOT, Settings

COMMAND_TIMEOUT = 300.0  # upper bound of a command the tests run to its end


def app_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """Environment that points `python -m app` at the settings' database with the test's settings (DATABASE_URL
    when they have one, else the embedded cluster's DATA_DIR, PG_PORT and PG_DATABASE)."""
    env = dict(os.environ)
    values = {
        "DATABASE_URL": settings.database_url or "", "DATA_DIR": settings.data_dir, "PG_PORT": settings.pg_port,
        "PG_DATABASE": settings.pg_database, "LEASE_SECONDS": settings.lease_seconds,
        "MAX_ATTEMPTS": settings.max_attempts, "REPORT_SHARDS": settings.report_shards,
        "WORKER_CONCURRENCY": settings.worker_concurrency, "PYTHONUNBUFFERED": "1", **overrides,
    }
    env.update({name: str(value) for name, value in values.items()})
    return env


def run_app(settings: Settings, *args: str, timeout: float = COMMAND_TIMEOUT, **env: object,
            ) -> subprocess.CompletedProcess:
    """`python -m app *args` to its end; its output is returned as text."""
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=PROJECT_ROOT, env=app_env(settings, **env),
                          capture_output=True, text=True, timeout=timeout)


def run_bounded(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run `args` (which start processes of their own: `make demo` starts the demo, which starts the service) in a
    process group of its own, to its end; on the timeout, or if the test is interrupted, the whole group is
    killed, so that nothing it started outlives the test."""
    process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


class AppProcess:
    """`python -m app *args` as a child process that keeps running (worker, serve, ingest to be killed); its output
    goes to a log file, for the test's checks and its failure message."""

    def __init__(self, settings: Settings, log_path: Path, *args: str, **env: object):
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", *args], cwd=PROJECT_ROOT, env=app_env(settings, **env),
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.alive():
            self.kill()
        self.log.close()
