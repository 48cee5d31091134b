"""The sample-data generator: file shape, determinism and the edge cases the report must handle."""
from __future__ import annotations

import csv
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest

from app.sample import DEFAULT_END, FIRST_RELEASE_END, SampleSummary, generate_sample

SMALL = {"stores": 200, "days": 8, "seed": 7}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})? UTC")
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = csv.reader(f)
    return header, rows


def parse_utc(text: str) -> datetime:
    fmt = "%Y-%m-%d %H:%M:%S.%f UTC" if "." in text else "%Y-%m-%d %H:%M:%S UTC"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def minutes(clock: str) -> int:
    hours, mins, _ = clock.split(":")
    return int(hours) * 60 + int(mins)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return generate_sample(tmp_path_factory.mktemp("sample"), **SMALL)


@pytest.fixture(scope="module")
def polls(sample: SampleSummary) -> list[list[str]]:
    return read_rows(sample.paths["store_status"])[1]


@pytest.fixture(scope="module")
def hours(sample: SampleSummary) -> list[list[str]]:
    return read_rows(sample.paths["menu_hours"])[1]


@pytest.fixture(scope="module")
def zones(sample: SampleSummary) -> list[list[str]]:
    return read_rows(sample.paths["timezones"])[1]


@pytest.fixture(scope="module")
def poll_times_by_store(polls: list[list[str]]) -> dict[str, list[datetime]]:
    by_store = defaultdict(list)
    for store_id, _, stamp in polls:
        by_store[store_id].append(parse_utc(stamp))
    return {store_id: sorted(times) for store_id, times in by_store.items()}


@pytest.fixture(scope="module")
def special(sample: SampleSummary) -> list[list[str]]:
    return read_rows(sample.paths["special_hours"])[1]


def test_headers_are_the_public_ones(sample: SampleSummary) -> None:
    assert read_rows(sample.paths["store_status"])[0] == ["store_id", "status", "timestamp_utc"]
    assert read_rows(sample.paths["menu_hours"])[0] == ["store_id", "dayOfWeek", "start_time_local", "end_time_local"]
    assert read_rows(sample.paths["timezones"])[0] == ["store_id", "timezone_str"]
    assert read_rows(sample.paths["special_hours"])[0] == ["store_id", "date_local", "start_time_local",
                                                           "end_time_local"]
    assert {path.name for path in sample.paths.values()} == {"store_status.csv", "menu_hours.csv", "timezones.csv",
                                                              "special_hours.csv"}


def test_summary_counts_match_the_files(sample: SampleSummary, polls, hours, zones, special,
                                        poll_times_by_store) -> None:
    assert (sample.polls, sample.hour_rows, sample.timezone_rows) == (len(polls), len(hours), len(zones))
    assert sample.special_rows == len(special) and f"{len(special):,} special hours" in str(sample)
    assert sample.stores == len(poll_times_by_store) == SMALL["stores"]
    assert sample.seconds > 0
    assert f"{len(polls):,} polls" in str(sample) and "200 stores" in str(sample)


def test_same_arguments_give_identical_bytes(sample: SampleSummary, tmp_path: Path) -> None:
    again = generate_sample(tmp_path / "again", **SMALL)
    for name, path in sample.paths.items():
        assert again.paths[name].read_bytes() == path.read_bytes(), name


def test_another_seed_gives_other_data(sample: SampleSummary, tmp_path: Path) -> None:
    other = generate_sample(tmp_path / "other", **{**SMALL, "seed": 8})
    for name, path in sample.paths.items():
        assert other.paths[name].read_bytes() != path.read_bytes(), name


def test_timestamps_parse_and_lie_in_the_window(polls: list[list[str]]) -> None:
    assert all(TIMESTAMP.fullmatch(stamp) for _, _, stamp in polls)
    times = [parse_utc(stamp) for _, _, stamp in polls]
    assert min(times) >= DEFAULT_END - timedelta(days=SMALL["days"])
    assert max(times) <= DEFAULT_END
    assert max(times) > DEFAULT_END - timedelta(hours=1)
    assert any("." not in stamp for _, _, stamp in polls), "some timestamps without a fraction"


def test_the_default_week_contains_the_us_spring_forward() -> None:
    assert DEFAULT_END - timedelta(days=8) < datetime(2024, 3, 10, 7, tzinfo=UTC) < DEFAULT_END


def test_custom_end_naive_is_utc_and_fractional_end_is_respected(tmp_path: Path) -> None:
    end = datetime(2023, 1, 25, 12, 30, 15, 123456)
    summary = generate_sample(tmp_path, stores=50, days=2, seed=3, end=end)
    times = [parse_utc(stamp) for _, _, stamp in read_rows(summary.paths["store_status"])[1]]
    aware_end = end.replace(tzinfo=UTC)
    assert aware_end - timedelta(days=2) <= min(times) and max(times) <= aware_end


def test_statuses_are_mostly_active_with_a_few_odd_spellings(polls: list[list[str]]) -> None:
    raw = Counter(status for _, status, _ in polls)
    normalized = Counter(status.strip().lower() for _, status, _ in polls)
    assert set(normalized) == {"active", "inactive"}
    assert 0.80 <= normalized["active"] / len(polls) <= 0.97
    odd = sum(count for status, count in raw.items() if status not in ("active", "inactive"))
    assert 0 < odd < 0.001 * len(polls) + 10


def test_rows_are_unsorted_and_stores_interleaved(polls: list[list[str]]) -> None:
    stamps = [stamp for _, _, stamp in polls]
    assert stamps != sorted(stamps)
    store_changes = sum(a[0] != b[0] for a, b in zip(polls, polls[1:]))
    assert store_changes > 0.9 * len(polls)


def test_duplicate_rows_and_same_instant_conflicts(polls: list[list[str]]) -> None:
    duplicates = sum(count - 1 for count in Counter(map(tuple, polls)).values())
    assert 0 < duplicates < 0.005 * len(polls)
    statuses_at = defaultdict(set)
    for store_id, status, stamp in polls:
        statuses_at[store_id, stamp].add(status.strip().lower())
    assert any(len(statuses) > 1 for statuses in statuses_at.values())


def test_store_ids_are_uuids_and_some_integers(poll_times_by_store) -> None:
    integers = [store_id for store_id in poll_times_by_store if store_id.isdigit()]
    uuid_shape = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
    uuids = [store_id for store_id in poll_times_by_store if uuid_shape.fullmatch(store_id)]
    assert integers and len(uuids) > 0.8 * len(poll_times_by_store)
    assert len(integers) + len(uuids) == len(poll_times_by_store)


def test_hourly_and_sparse_pollers_late_starters_and_silent_stores(poll_times_by_store) -> None:
    start = DEFAULT_END - timedelta(days=SMALL["days"])
    median_gaps = {
        store_id: statistics.median((b - a).total_seconds() for a, b in zip(times, times[1:]))
        for store_id, times in poll_times_by_store.items()
        if len(times) > 2
    }
    assert sum(3000 < gap < 4200 for gap in median_gaps.values()) > 0.5 * len(median_gaps)
    assert any(gap >= 2 * 3600 for gap in median_gaps.values())
    assert any(times[0] - start > timedelta(days=1) for times in poll_times_by_store.values())
    def resumes_after_days_of_silence(times: list[datetime]) -> bool:
        long_gap = any(b - a >= timedelta(days=2) for a, b in zip(times, times[1:]))
        return long_gap and DEFAULT_END - times[-1] < timedelta(hours=7)

    assert any(resumes_after_days_of_silence(times) for times in poll_times_by_store.values())
    assert any(len(times) == 1 for times in poll_times_by_store.values())


def test_hour_rows_are_well_formed(hours: list[list[str]]) -> None:
    for store_id, day, start, end in hours:
        assert store_id and day in {"0", "1", "2", "3", "4", "5", "6"}
        assert CLOCK.fullmatch(start) and CLOCK.fullmatch(end)


def test_hour_edge_cases_are_present(hours: list[list[str]], poll_times_by_store) -> None:
    rows = [(store_id, int(day), start, end) for store_id, day, start, end in hours]
    assert any(end < start for _, _, start, end in rows), "overnight"
    assert ("00:00:00", "23:59:59") in {(start, end) for _, _, start, end in rows}
    assert any(start == end for _, _, start, end in rows)
    assert any(count > 1 for count in Counter(rows).values()), "exact duplicate rows"

    by_store_day = defaultdict(set)
    for store_id, day, start, end in rows:
        by_store_day[store_id, day].add((minutes(start), minutes(end)))
    same_day_pairs = [  # distinct rows of one store and day, neither running past midnight
        (a, b)
        for intervals in by_store_day.values()
        for a in intervals
        for b in intervals
        if a < b and a[0] < a[1] and b[0] < b[1]
    ]
    assert any(a[0] < b[1] and b[0] < a[1] for a, b in same_day_pairs), "overlapping rows"
    assert any(a[1] < b[0] for a, b in same_day_pairs), "split shifts"

    days_by_store = defaultdict(set)
    for store_id, day, _, _ in rows:
        days_by_store[store_id].add(day)
    assert any(len(days) < 7 for days in days_by_store.values()), "closed days"
    always_open = set(poll_times_by_store) - set(days_by_store)
    assert len(always_open) > 0.5 * len(poll_times_by_store), "most stores have no hours (24/7)"
    assert set(days_by_store) - set(poll_times_by_store), "stores with hours but no polls"


def test_timezones_cover_the_awkward_zones(zones: list[list[str]], poll_times_by_store) -> None:
    names = Counter(name for _, name in zones)
    assert len({store_id for store_id, _ in zones}) == len(zones), "one row per store"
    assert 0.2 * len(poll_times_by_store) < len(zones) < 0.45 * len(poll_times_by_store)
    invalid = [name for name in names if name not in available_timezones()]
    assert 0 < len(invalid) and sum(names[name] for name in invalid) <= 5
    january = datetime(2024, 1, 15, 12)
    offsets = {name: ZoneInfo(name).utcoffset(january) for name in names if name not in invalid}
    assert timedelta(hours=5, minutes=30) in offsets.values(), "half-hour zone"
    assert timedelta(hours=5, minutes=45) in offsets.values(), "45-minute zone"
    assert "Australia/Sydney" in names, "southern hemisphere"
    assert {"America/Chicago", "America/New_York", "America/Phoenix", "Europe/London"} <= set(names)


def test_special_hours_close_most_stores_on_a_holiday_in_the_last_week(special, poll_times_by_store) -> None:
    rows = [(store_id, date.fromisoformat(day), start, end) for store_id, day, start, end in special]
    assert all((start == "") == (end == "") for _, _, start, end in rows), "both times or neither"
    assert all(CLOCK.fullmatch(t) for _, _, start, end in rows for t in (start, end) if t)
    closed_on = Counter(day for _, day, start, _ in rows if not start)
    holiday, closures = closed_on.most_common(1)[0]
    assert closures > 0.7 * len(poll_times_by_store), "a national holiday closes most stores"
    last_week = {(DEFAULT_END - timedelta(days=d)).date() for d in range(7)}
    assert holiday in last_week and holiday == date(2024, 3, 10), "the default sample's holiday: the DST Sunday"
    eve = holiday - timedelta(days=1)
    short_eves = [(start, end) for _, day, start, end in rows if day == eve and start]
    assert len(short_eves) > 10 and any(end < start for start, end in short_eves), "short days, some past midnight"
    assert any(day == holiday and start for _, day, start, _ in rows), "a few stores open odd hours on the holiday"
    closed_dates = defaultdict(set)
    for store_id, day, start, _ in rows:
        if not start:
            closed_dates[store_id].add(day)
    renovated = [s for s, days in closed_dates.items() if len(days) == 7]
    assert len(renovated) == 1, "one store closed for a week of renovation"
    days = sorted(closed_dates[renovated[0]])
    assert days[-1] - days[0] == timedelta(days=6) and days[-1] <= DEFAULT_END.date()
    assert set(s for s, _, _, _ in rows) <= set(poll_times_by_store)
    assert any(count > 1 for count in Counter(map(tuple, special)).values()), "exact duplicate rows"


def test_first_release_shape(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path, stores=80, days=3, seed=2, first_release=True)
    names = {path.name for path in summary.paths.values()}
    assert names == {"store status.csv", "Menu hours.csv", "bq-results-20230125-202210-1674678181880.csv"}
    assert {p.name for p in tmp_path.iterdir()} == names
    header, polls = read_rows(summary.paths["store_status"])
    assert header == ["store_id", "status", "timestamp_utc"] and len(polls) == summary.polls
    assert read_rows(summary.paths["menu_hours"])[0] == ["store_id", "day", "start_time_local", "end_time_local"]
    assert all(store_id.isdigit() for store_id, _, _ in polls)
    times = [parse_utc(stamp) for _, _, stamp in polls]
    assert max(times) <= FIRST_RELEASE_END and min(times) >= FIRST_RELEASE_END - timedelta(days=3)
    assert "special hours" not in str(summary)


def test_rejects_nonsense_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_sample(tmp_path, stores=0)
    with pytest.raises(ValueError):
        generate_sample(tmp_path, days=0)


@pytest.mark.slow
def test_default_size_matches_the_public_data_set(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path)
    assert summary.stores == 14_000
    assert 1_900_000 <= summary.polls <= 2_100_000
    assert 30_000 <= summary.hour_rows <= 40_000
    assert 4_000 <= summary.timezone_rows <= 5_000
