"""Plain-Python model of which input lines the loader accepts, and what they become: the rules of the README's
loading section restated line by line, for the fuzz tests to compare the loader with. It imports nothing from app/.

Every file: the header is line 1 (a UTF-8 BOM before it is ignored); CRs are dropped wherever they are; a line is
rejected when it is longer than the line limit, not UTF-8, or holds a NUL; a blank line is skipped; fields are CSV
fields of the one line (an odd number of double quotes is rejected), blanks (spaces and tabs) around a field are
dropped, and a line needs exactly the header's number of fields. A store id is non-empty and within its limit."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tests.support.model import HourRow, Poll, SpecialRow

BLANKS = " \t"
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(?: ?(?:UTC|Z|([+-])([0-9]{2})(?::?([0-9]{2}))?))?")
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int = 4096
    max_store_id_bytes: int = 255
    first_year: int = 2000
    last_year: int = datetime.now(UTC).year + 1


@dataclass
class Verdicts:
    """What the loader must do with a file: its accepted rows by line, and the lines it must reject."""

    accepted: dict[int, object]
    rejected: set[int]


def data_lines(content: bytes) -> list[tuple[int, bytes]]:
    """(line number, line) of every line after the header."""
    lines = content.replace(b"\r", b"").split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return list(enumerate(lines, start=1))[1:]


def fields_of(line: bytes, limits: Limits) -> list[str] | None | bool:
    """The fields of a line; None for a blank line; False for a line rejected before its fields are looked at."""
    if len(line) > limits.max_line_bytes:
        return False
    if not line.strip():
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or text.count('"') % 2:
        return False
    return [f.strip(BLANKS) for f in next(csv.reader([text]))]


def store_ok(store_id: str, limits: Limits) -> bool:
    return bool(store_id) and len(store_id.encode()) <= limits.max_store_id_bytes


def poll_instant(text: str) -> datetime | None:
    m = _TIMESTAMP.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, sign, offset_h, offset_m = m.groups()
    if int(year) < 1000:
        return None
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                         int((fraction or "0").ljust(6, "0")))
    except ValueError:
        return None
    offset = timedelta(0)
    if sign:
        if int(offset_h) > 15 or int(offset_m or 0) > 59:
            return None
        offset = timedelta(hours=int(offset_h), minutes=int(offset_m or 0)) * (1 if sign == "+" else -1)
    try:
        return (local - offset).replace(tzinfo=UTC)
    except OverflowError:  # before year 1 or after 9999: outside any accepted range
        return datetime.max.replace(tzinfo=UTC)


def _judge(content: bytes, columns: list[str], limits: Limits, row) -> Verdicts:
    verdicts = Verdicts({}, set())
    for number, line in data_lines(content):
        fields = fields_of(line, limits)
        if fields is None:
            continue
        accepted = None
        if fields is not False and len(fields) == len(columns):
            values = dict(zip(columns, fields))
            if store_ok(values["store_id"], limits):
                accepted = row(values)
        if accepted is None:
            verdicts.rejected.add(number)
        else:
            verdicts.accepted[number] = accepted
    return verdicts


def judge_polls(content: bytes, columns: list[str], limits: Limits) -> Verdicts:
    def row(v: dict[str, str]) -> Poll | None:
        instant = poll_instant(v["timestamp_utc"])
        status = v["status"].lower()
        if status not in ("active", "inactive") or instant is None:
            return None
        if not limits.first_year <= instant.year <= limits.last_year:
            return None
        return Poll(v["store_id"], status, instant)

    return _judge(content, columns, limits, row)


def _time(text: str) -> time | None:
    return time.fromisoformat(_padded(text)) if _TIME.fullmatch(text) else None


def _padded(text: str) -> str:
    return text if len(text.split(":")[0]) == 2 else "0" + text


def judge_hours(content: bytes, columns: list[str], limits: Limits) -> Verdicts:
    def row(v: dict[str, str]) -> HourRow | None:
        start, end = _time(v["start_time_local"]), _time(v["end_time_local"])
        if not re.fullmatch("[0-6]", v["day_of_week"]) or start is None or end is None:
            return None
        return HourRow(v["store_id"], int(v["day_of_week"]), start, end)

    return _judge(content, columns, limits, row)


def judge_timezones(content: bytes, columns: list[str], limits: Limits) -> Verdicts:
    def row(v: dict[str, str]) -> tuple[str, str] | None:
        return (v["store_id"], v["timezone_str"]) if v["timezone_str"] else None

    return _judge(content, columns, limits, row)


def judge_special_hours(content: bytes, columns: list[str], limits: Limits) -> Verdicts:
    def row(v: dict[str, str]) -> SpecialRow | None:
        m = _DATE.fullmatch(v["date_local"])
        if not m:
            return None
        try:
            day = date(*map(int, m.groups()))
        except ValueError:
            return None
        if not limits.first_year <= day.year <= limits.last_year:
            return None
        start_text, end_text = v["start_time_local"], v["end_time_local"]
        if not start_text and not end_text:
            return SpecialRow(v["store_id"], day, None, None)
        start, end = _time(start_text), _time(end_text)
        if start is None or end is None:
            return None
        return SpecialRow(v["store_id"], day, start, end)

    return _judge(content, columns, limits, row)
