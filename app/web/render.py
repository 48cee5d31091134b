"""The Jinja2 templates of the pages and the filters they format figures and times with."""

import hashlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"


def utc(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def number(value: Decimal | float | int | None, places: int = 2) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


def percent(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "—"
    seconds = (end - start).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s"


def age(start: datetime | None, end: datetime | None) -> str:
    """How long from `start` to `end`, to the minute: "45 min", "2 h 05 min", "3 d 4 h"."""
    if start is None or end is None:
        return "—"
    minutes = max(0, int((end - start).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def wall(moment: datetime | None) -> str:
    """A wall-clock time (naive: a store's local time), with its weekday."""
    return "—" if moment is None else f"{moment:%a %Y-%m-%d %H:%M:%S}"


def store_url(store_id: str, report_id: uuid.UUID | str | None = None) -> str:
    """A store's page in a report; without one, in the newest complete report the browser's key sees."""
    page = f"/stores/{quote(store_id, safe='')}/view"
    return page if report_id is None else f"{page}?report={report_id}"


def _versions() -> dict[str, str]:
    """A content hash per static file, appended to its URL so browsers never run a stale script."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC_DIR.iterdir() if p.is_file()}


_VERSIONS = _versions()


def static_url(name: str) -> str:
    return f"/static/{name}?v={_VERSIONS[name]}"


templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters.update(utc=utc, number=number, percent=percent, wall=wall)
templates.env.globals.update(static_url=static_url, store_url=store_url, duration=duration, age=age)
