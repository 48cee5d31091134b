"""generate_sample: writes store_status.csv, menu_hours.csv, timezones.csv and special_hours.csv for `stores` polling
stores; or, with `first_release`, the three files of the data set's first release (its file names, integer store ids,
`day` as the weekday's header, no special hours)."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.sample.hours import HOURS_SHARE, hour_lines
from app.sample.output import write_lines
from app.sample.polls import choose_quirks, poll_blocks
from app.sample.special_hours import special_lines
from app.sample.store_ids import make_store_ids
from app.sample.timestamps import DAY_US, TimestampFormatter
from app.sample.timezones import TIMEZONE_SHARE, timezone_lines

# A week that contains the US spring-forward on Sunday 2024-03-10.
DEFAULT_END = datetime(2024, 3, 14, 23, 0, tzinfo=UTC)
# The first release's polls end on 2023-01-25.
FIRST_RELEASE_END = datetime(2023, 1, 25, 18, 13, tzinfo=UTC)

STATUS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
TIMEZONES_HEADER = "store_id,timezone_str"
SPECIAL_HOURS_HEADER = "store_id,date_local,start_time_local,end_time_local"
FIRST_RELEASE_HOURS_HEADER = "store_id,day,start_time_local,end_time_local"
FILE_NAMES = {"store_status": "store_status.csv", "menu_hours": "menu_hours.csv", "timezones": "timezones.csv",
              "special_hours": "special_hours.csv"}
FIRST_RELEASE_FILE_NAMES = {"store_status": "store status.csv", "menu_hours": "Menu hours.csv",
                            "timezones": "bq-results-20230125-202210-1674678181880.csv"}


@dataclass(frozen=True)
class SampleSummary:
    """What generate_sample wrote. `stores` counts stores with polls; a few more appear only in menu_hours."""

    stores: int
    polls: int
    hour_rows: int
    timezone_rows: int
    paths: dict[str, Path]
    seconds: float
    special_rows: int = 0

    def __str__(self) -> str:
        folder = self.paths["store_status"].parent
        special = f", {self.special_rows:,} special hours" if "special_hours" in self.paths else ""
        return (
            f"{self.stores:,} stores, {self.polls:,} polls, {self.hour_rows:,} hour rows, "
            f"{self.timezone_rows:,} timezones{special} written to {folder} in {self.seconds:.1f} s"
        )


def generate_sample(
    out_dir: Path,
    stores: int = 14_000,
    days: int = 8,
    seed: int = 1,
    end: datetime | None = None,
    first_release: bool = False,
) -> SampleSummary:
    """Write the CSV files into `out_dir` (created if missing); same arguments give identical bytes.

    Polls cover [end - days, end]; a naive `end` is taken as UTC.
    """
    if stores < 1:
        raise ValueError("stores must be at least 1")
    if days <= 0:
        raise ValueError("days must be positive")
    began = time.perf_counter()
    end = _as_utc(end or (FIRST_RELEASE_END if first_release else DEFAULT_END))
    span_us = int(days * DAY_US)
    start = end - timedelta(microseconds=span_us)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {kind: out_dir / name for kind, name in (FIRST_RELEASE_FILE_NAMES if first_release else FILE_NAMES).items()}

    # One stream per concern, so changing one file's recipe leaves the others' bytes alone.
    hours_only = max(3, stores // 2000)  # stores with hours but no polls: must not be reported
    ids = make_store_ids(_stream(seed, "ids"), stores + hours_only, integers_only=first_release)
    polled_ids = ids[:stores]

    selection = _stream(seed, "selection")
    # Polled stores first: hour_lines gives its first stores one of each style, and those should be reported.
    with_hours = [ids[i] for i in selection.sample(range(stores), round(stores * HOURS_SHARE))] + ids[stores:]
    with_zone = [ids[i] for i in selection.sample(range(len(ids)), min(len(ids), round(stores * TIMEZONE_SHARE)))]

    poll_rng = _stream(seed, "polls")
    polls = write_lines(
        paths["store_status"],
        STATUS_HEADER,
        poll_blocks(
            poll_rng,
            _stream(seed, "shuffle"),
            polled_ids,
            choose_quirks(poll_rng, stores),
            span_us,
            TimestampFormatter(start, span_us),
        ),
    )
    hours_header = FIRST_RELEASE_HOURS_HEADER if first_release else HOURS_HEADER
    hour_rows = write_lines(paths["menu_hours"], hours_header, [hour_lines(_stream(seed, "hours"), with_hours)])
    timezone_rows = write_lines(
        paths["timezones"], TIMEZONES_HEADER, [timezone_lines(_stream(seed, "timezones"), with_zone)]
    )
    special_rows = 0
    if "special_hours" in paths:
        special_rows = write_lines(paths["special_hours"], SPECIAL_HOURS_HEADER,
                                   [special_lines(_stream(seed, "special_hours"), polled_ids, end, days)])
    return SampleSummary(
        stores=stores,
        polls=polls,
        hour_rows=hour_rows,
        timezone_rows=timezone_rows,
        paths=paths,
        seconds=time.perf_counter() - began,
        special_rows=special_rows,
    )


def _as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def _stream(seed: int, name: str) -> random.Random:
    # Seeding with a str hashes it with SHA-512: stable across runs and PYTHONHASHSEED.
    return random.Random(f"storepulse-sample:{seed}:{name}")
