"""A store's business-hours rows as short text: identical consecutive weekdays grouped ("Mon–Fri 09:00–21:00")."""

from collections.abc import Iterable
from datetime import time

from app.web.data import HoursRow
from app.web.timeline import WEEKDAYS

END_OF_DAY = time(23, 59, 59)  # the data's way of writing midnight


def _clock(moment: time) -> str:
    return f"{moment:%H:%M}" if moment.second == 0 else f"{moment:%H:%M:%S}"


def _interval(row: HoursRow) -> str:
    if row.end == END_OF_DAY:
        return f"{_clock(row.start)}–24:00"
    if row.end <= row.start:
        return f"{_clock(row.start)}–{_clock(row.end)} next day"
    return f"{_clock(row.start)}–{_clock(row.end)}"


def describe_hours(rows: Iterable[HoursRow]) -> list[str]:
    per_day = [sorted({_interval(r) for r in rows if r.day_of_week == day}) for day in range(7)]
    if not any(per_day):
        return ["none given, so open 24/7"]
    texts = [", ".join(intervals) or "closed" for intervals in per_day]
    if len(set(texts)) == 1:
        return [f"every day {texts[0]}"]
    groups: list[tuple[int, int, str]] = []
    for day, text in enumerate(texts):
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    return [f"{WEEKDAYS[first]}{'' if first == last else '–' + WEEKDAYS[last]} {text}" for first, last, text in groups]
