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


def store_url(store_id: str, report_id: uuid.UUID | str) -> str:
    return f"/stores/{quote(store_id, safe='')}/view?report={report_id}"


def _versions() -> dict[str, str]:
    """A content hash per static file, appended to its URL so browsers never run a stale script."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC_DIR.iterdir() if p.is_file()}


_VERSIONS = _versions()


def static_url(name: str) -> str:
    return f"/static/{name}?v={_VERSIONS[name]}"


templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters.update(utc=utc, number=number, percent=percent)
templates.env.globals.update(static_url=static_url, store_url=store_url, duration=duration)
