"""The embedded PostgreSQL 15 + TimescaleDB cluster: a data directory of our own, its own port and socket.

PostgreSQL refuses to run as root, so when we are root every server command runs as the `postgres` user.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.errors import DatabaseSetupError, MissingExtensionError

CONF_NAME = "storepulse.conf"


@dataclass
class Cluster:
    data_dir: Path
    port: int
    bin_dir: Path
    socket_dir: Path
    background_workers: int = 8
    standby: bool = False  # a streaming replica made by app/db/replica.py: never initialised here

    @classmethod
    def from_settings(cls, settings: Settings) -> "Cluster":
        return cls(settings.data_dir, settings.pg_port, settings.pg_bin_dir, settings.socket_dir)

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def _run(self, *args: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=capture, text=True)
        if check and result.returncode != 0:
            raise DatabaseSetupError(
                f"{' '.join(args[:2])} failed ({result.returncode}): {(result.stderr or result.stdout).strip()}"
            )
        return result

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialized():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def init(self) -> None:
        if not (self.bin_dir / "initdb").exists():
            raise DatabaseSetupError(f"no PostgreSQL server in {self.bin_dir}: run `make setup`")
        if not _timescaledb_installed(self.bin_dir):
            raise MissingExtensionError(
                "the timescaledb extension is not installed for this PostgreSQL: run `make setup` (it builds it from "
                "Debian's source package) or set DATABASE_URL to a server that has it"
            )
        for path in (self.data_dir, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            self._give_to_postgres(path)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C", "--no-instructions")
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as f:
            f.write(f"\ninclude '{CONF_NAME}'\n")
        self.write_settings()

    def write_settings(self) -> None:
        path = self.data_dir / CONF_NAME
        path.write_text(server_settings(self.port, self.socket_dir, self.background_workers, standby=self.standby))
        self._give_to_postgres(path)

    def start(self) -> bool:
        """Start the server (initialising the cluster first if needed). Returns False when it was already up."""
        if not self.initialized():
            if self.standby:
                raise DatabaseSetupError(f"no standby in {self.data_dir}: it is made by a base backup")
            self.init()
        if self.running():
            return False
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._give_to_postgres(self.socket_dir)
        self.write_settings()
        self.log_file.touch()
        self._give_to_postgres(self.log_file)
        result = self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                           check=False)
        if result.returncode != 0:
            tail = "".join(self.log_file.read_text().splitlines(keepends=True)[-15:])
            raise DatabaseSetupError(f"PostgreSQL did not start; end of {self.log_file}:\n{tail}")
        return True

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server (`immediate`: as if it crashed). Returns False when it was not running."""
        if not self.running():
            return False
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60")
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def give_to_postgres(self, path: Path) -> None:
        """Make a directory or file ours for the server: owned by the postgres user when we run as root."""
        self._give_to_postgres(path)

    def run_tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one of PostgreSQL's programs (pg_basebackup, pg_receivewal, ...) as the server's user."""
        return self._run(*args, check=check)

    def _give_to_postgres(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        shutil.chown(path, "postgres", "postgres")
        if path.is_dir():
            self._let_postgres_reach(path)

    def _let_postgres_reach(self, path: Path) -> None:
        """The postgres user must be able to traverse every folder above the data and socket directories."""
        for parent in path.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                print(f"note: letting other users traverse {parent} so the postgres user reaches {path}",
                      file=sys.stderr)
                parent.chmod(mode | 0o001)


def _timescaledb_installed(bin_dir: Path) -> bool:
    pg_config = bin_dir / "pg_config"
    try:
        share = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        share = "/usr/share/postgresql/15"
    return (Path(share) / "extension" / "timescaledb.control").exists()


def server_settings(port: int, socket_dir: Path, background_workers: int, *, standby: bool = False) -> str:
    """postgresql.conf settings sized from this machine's cores and memory. A standby gets the same limits as its
    primary (PostgreSQL requires max_connections, max_worker_processes, max_prepared_transactions, ... to be at
    least the primary's) plus the standby's own settings."""
    cores = os.cpu_count() or 2
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    shared_buffers_mb = int(min(max(mem_gib * 0.15, 0.25), 4) * 1024)
    cache_gb = max(int(mem_gib * 0.5), 1)
    return f"""# Written by storepulse (app/db/cluster.py) on every start; edit that file, not this one.
port = {port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
timescaledb.max_background_workers = {background_workers}
max_worker_processes = {background_workers + cores + 4}

# The whole working set (a week of polls for ~10^4-10^5 stores, a few hundred MB to a few GB) should stay in
# memory: 15 % of RAM for shared buffers (capped at 4 GB), the rest left to the OS cache, which the planner is
# told about so it prefers index scans on the per-store poll index.
shared_buffers = {shared_buffers_mb}MB
effective_cache_size = {cache_gb}GB
random_page_cost = 1.1
# A report shard sorts and hashes a few hundred thousand rows; with only a handful of concurrent queries
# (one per shard) 256 MB each keeps those sorts in memory instead of spilling to disk.
work_mem = 256MB
maintenance_work_mem = 1GB
# One parallel worker per core: reports already run one shard per core, so more would only contend.
max_parallel_workers = {cores}
max_parallel_workers_per_gather = {max(cores // 2, 1)}
# JIT compilation costs hundreds of ms and wins nothing on queries that finish in about a second.
jit = off
# Streaming replicas (`python -m app db replica start`, REPLICA_URLS) need the WAL a standby replays and
# senders for it. The loader's staging tables are UNLOGGED, so its COPY writes no WAL either way; what
# `minimal` saved on the bulk load was measured (docs/scaling.md). A replication slot keeps WAL for a stopped
# replica, at most max_slot_wal_keep_size (then that replica must be made again). Big checkpoints avoid
# checkpoint storms during loads.
wal_level = replica
max_wal_senders = 8
max_replication_slots = 8
max_slot_wal_keep_size = 8GB
max_wal_size = 8GB
checkpoint_timeout = 30min
# The loader moves a file into store_status on several connections as prepared transactions (two-phase
# commit), so that a file still lands all or nothing.
max_prepared_transactions = {2 * cores + 4}
log_min_messages = warning
""" + (_STANDBY_SETTINGS if standby else "")


_STANDBY_SETTINGS = """
# A hot standby (app/db/replica.py): it answers read-only queries while it replays the primary's WAL, and tells
# the primary which rows its queries still need, so the primary's VACUUM does not remove them under a report
# shard (which would cancel the shard with a recovery conflict).
hot_standby = on
hot_standby_feedback = on
"""
