"""The polls file's line checks without a database: the vectorised block check must decide exactly as the
line-by-line check does, on any mix of good, fixable and bad lines, in any column order."""

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import ByteRange, read_line_blocks, split_ranges
from app.ingest.poll_block import days_from_civil
from app.ingest.poll_check import PollCheck, PollLayout, is_timestamp, utc_day
from app.ingest.poll_move import TimeRange, split_days

STORE_IDS = ["s1", "8ae8e265-7702-4bb9-9844-c43bd9704f17", "123456789", "", " s2", "s3 ", "\ts4", '"q,1"', '"  "',
             "x y", "ü-store", '"say ""hi"""', "s\x01", "s\x00", "\udcff", "abcdefghijkl", "abcdefghijklm",
             " abcdefghijkl ", "üüüüüü", "üüüüüüx", "\x0bs5", "x" * 80]
STATUSES = ["active", "inactive", "Active", " inactive", "INACTIVE ", "INACTIVE", "aCtIvE", "act", "", '"active"',
            "inactive\t", "activeX", "inactiv", "ACTIVE", "@ctive", "!NACTIVE"]
TIMESTAMPS = [
    "2024-03-14 10:00:00 UTC", "2024-03-14 10:00:00.123456 UTC", "2024-03-14T10:00:00Z", "2024-03-14 10:00:00",
    "2024-03-14 10:00:00+00:00", "2024-03-14 10:00:00 +0530", "2024-03-14T10:00:00.5-03", "2024-03-14 10:00:00+15:59",
    "2024-03-14 10:00:00+16:00", "2024-03-14 10:00:00+05:60", "2024-02-29 00:00:00", "2023-02-29 00:00:00",
    "2024-04-31 00:00:00", "2024-13-01 00:00:00", "2024-00-10 00:00:00", "2024-03-00 00:00:00",
    "2024-03-14 24:00:00", "2024-03-14 23:60:00", "2024-03-14 23:59:60", "0999-01-01 00:00:00", "now", "",
    " 2024-03-14 10:00:00 UTC", "2024-03-14 10:00:00 UTC ", "2024-03-14 10:00:00.1234567 UTC",
    "2024-03-14 10:00:00. UTC", "2024-03-14 10:00:00 utc", "2024-03-14 10:00:00UTC", "2024-03-14 10:00:00 Z",
    "2024-03-14  10:00:00", "2024/03/14 10:00:00", "2024-03-14 10:00", "2024-03-14", "2000-02-29 12:00:00",
    "1900-02-29 12:00:00", "2024-03-14 23:30:00-02:00", "2024-03-15 00:30:00+05:00", "2024-03-15T00:00:00+00:01",
    "2024-03-14 23:59:59-00:01", "2024-12-31 23:00:00-01:30", "2024-01-01 00:10:00+0015",
    "9999-12-31 23:59:59 UTC", "1999-12-31 23:59:59", "2000-01-01 00:00:00", "2000-01-01 00:30:00+01:00",
    "2030-12-31 23:59:59.999999", "2030-12-31 23:30:00-01:00", "2031-01-01 00:00:00", "1000-01-01 00:00:00",
]
# Small limits, so that the lines here cross them: store ids of 12 bytes, lines of 90, the years 2000 to 2030.
LIMITS = LineLimits(max_line_bytes=90, max_store_id_bytes=12, first_year=2000, last_year=2030)
ORDERS = [(0, 1, 2), (2, 0, 1), (1, 2, 0)]


def line_text(order: tuple[int, int, int], store: str, status: str, stamp: str) -> str:
    fields = [""] * 3
    for value, position in zip((store, status, stamp), order):
        fields[position] = value
    return ",".join(fields)


lines = st.one_of(
    st.tuples(st.sampled_from(STORE_IDS), st.sampled_from(STATUSES), st.sampled_from(TIMESTAMPS)),
    st.sampled_from(["", " ", "a,b", "a,b,c,d", '"unbalanced,active,x', "\\.", ",,", " " * 100,
                     "s," + " " * 80 + "active,2024-03-14 10:00:00"]),
)


@settings(max_examples=300, deadline=None)
@given(order=st.sampled_from(ORDERS), content=st.lists(lines, min_size=1, max_size=40))
def test_vectorised_check_decides_like_the_line_by_line_check(order, content):
    text = "".join((line_text(order, *c) if isinstance(c, tuple) else c) + "\n" for c in content)
    block = text.encode("utf-8", errors="surrogateescape")  # "\udcff" becomes the invalid byte 0xff
    layout = PollLayout(3, order)
    fast, each = PollCheck(layout, LIMITS), PollCheck(layout, LIMITS)
    assert fast.check(block) == each.check_each_line(block)
    assert (fast.result.lines, list(fast.result.rejects)) == (each.result.lines, list(each.result.rejects))
    assert fast.dropped == each.dropped and fast.days == each.days


def test_clean_block_passes_untouched_and_other_lines_keep_their_numbers():
    good = [f"s{i},{'active' if i % 2 else 'inactive'},2024-03-14 10:{i:02d}:00{'.25' * (i % 3 == 0)} UTC"
            for i in range(50)]
    block = ("\n".join(good) + "\n").encode()
    check = PollCheck(PollLayout(3, (0, 1, 2)))
    assert check.check(block) is block and check.result.lines == 50
    mixed = good[:]
    mixed[3], mixed[10], mixed[11] = "s3, ACTIVE ,2024-03-14 10:03:00 UTC", "", "s11,on,2024-03-14 10:11:00 UTC"
    out = check.check(("\n".join(mixed) + "\n").encode()).decode().splitlines()
    assert out[3] == "s3,active,2024-03-14 10:03:00 UTC" and len(out) == 48
    assert list(check.result.rejects) == [(62, "status must be active or inactive, got 'on'", mixed[11])]
    assert list(check.dropped) == [61, 62]
    assert [check.source_line(n) for n in (1, 60, 61, 98)] == [1, 60, 63, 100]


@pytest.mark.parametrize("text, ok", [
    ("2024-02-29 23:59:59.999999 UTC", True), ("2023-02-29 00:00:00", False), ("2024-03-14T10:00:00Z", True),
    ("2024-03-14 10:00:00 +05:30", True), ("2024-03-14 10:00:00+16", False), ("2024-03-14 10:00:00 ", False),
])
def test_is_timestamp(text, ok):
    assert is_timestamp(text) is ok


@pytest.mark.parametrize("text", [t.strip() for t in TIMESTAMPS if is_timestamp(t.strip())])
def test_utc_day_is_the_day_of_the_instant(text):
    iso = text.replace(" UTC", "+00:00").replace("UTC", "+00:00")
    instant = datetime.fromisoformat(re.sub(r" ([+-])", r"\1", iso))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    assert utc_day(text) == (instant - datetime(1970, 1, 1, tzinfo=UTC)).days
    assert days_from_civil(1970, 1, 1) == 0 and days_from_civil(2000, 3, 1) == 11017


def test_blocks_are_whole_lines_without_cr_and_end_with_a_newline(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"h\r\n" + b"".join(b"line %d\r\n" % i for i in range(300_000)) + b"last")
    ranges = split_ranges(path, 3, 3)
    assert len(ranges) == 3 and ranges[0].start == 3 and ranges[-1].end == path.stat().st_size
    blocks = [b for r in ranges for b in read_line_blocks(path, r)]
    assert all(b.endswith(b"\n") and b"\r" not in b for b in blocks)
    assert b"".join(blocks) == path.read_bytes()[3:].replace(b"\r", b"") + b"\n"
    assert list(read_line_blocks(path, ByteRange(3, 3))) == []


def test_lines_over_the_limit_are_cut_while_read_and_rejected_for_their_length(tmp_path):
    """A line longer than the limit that spans blocks is never held whole: it reaches the check cut to one byte over
    the limit, CRs dropped first; the lines around it keep their numbers."""
    path = tmp_path / "f.csv"
    long_line = b"s" + b"\r" * 10 + b"x" * 3_000_000 + b",active,2024-03-14 10:00:00"
    path.write_bytes(b"a,active,2024-03-14 10:00:00\r\n" + long_line + b"\r\nb,inactive,2024-03-14 11:00:00")
    limits = LineLimits(max_line_bytes=100)
    blocks = list(read_line_blocks(path, ByteRange(0, path.stat().st_size), limits.max_line_bytes))
    lines = b"".join(blocks).split(b"\n")[:-1]
    assert lines == [b"a,active,2024-03-14 10:00:00", b"s" + b"x" * 100, b"b,inactive,2024-03-14 11:00:00"]
    check = PollCheck(PollLayout(3, (0, 1, 2)), limits)
    assert b"".join(check.check(b) for b in blocks).count(b"\n") == 2
    assert [r[:2] for r in check.result.rejects] == [(2, "line longer than 100 bytes")]
    assert split_ranges(path, 0, 3)[-1].end == path.stat().st_size


def test_rejects_past_a_megabyte_go_to_a_temporary_file():
    check = PollCheck(PollLayout(3, (0, 1, 2)))
    bad = b"".join(b"s%d,unknown,2024-03-14 10:00:00 UTC %s\n" % (i, b"x" * 50) for i in range(30_000))
    assert check.check(bad) == b"" and check.result.rejects.count == 30_000
    assert check.result.rejects._file._rolled  # spilled to disk
    rejects = list(check.result.rejects)
    assert len(rejects) == 30_000 and rejects[-1][:2] == (30_000, "status must be active or inactive, got 'unknown'")
    check.result.rejects.close()


def test_split_days_balances_contiguous_ranges():
    days = [datetime(2024, 3, d) for d in range(6, 15)]
    counts = [10, 240, 240, 240, 240, 240, 250, 250, 240]
    ranges = split_days(list(zip(days, counts)), 2)
    assert ranges == [TimeRange(days[0], days[5]), TimeRange(days[5], datetime(2024, 3, 15))]
    assert split_days([(days[0], 5)], 4) == [TimeRange(days[0], days[1])]
    three = split_days(list(zip(days, counts)), 3)
    assert len(three) == 3 and three[0].start == days[0] and three[-1].end == datetime(2024, 3, 15)
    assert all(a.end == b.start for a, b in zip(three, three[1:]))
