"""The bounds every input line is checked against, with the other line checks and before anything reaches the
database (settings INGEST_*, see app/config.py): a line's length, a store id's length, and the years of poll
timestamps and special hours' dates. A line over a bound is rejected with its reason; the good lines load."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from app.config import Settings, get_settings

_EPOCH = date(1970, 1, 1)


def _next_year() -> int:
    return datetime.now(UTC).year + 1


@dataclass(frozen=True)
class LineLimits:
    max_line_bytes: int = 4096
    max_store_id_bytes: int = 255
    first_year: int = 2000
    last_year: int = field(default_factory=_next_year)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "LineLimits":
        settings = settings or get_settings()
        return cls(settings.ingest_max_line_bytes, settings.ingest_max_store_id_bytes, settings.ingest_first_year,
                   settings.ingest_last_year or _next_year())

    @property
    def first_day(self) -> int:
        """The first accepted UTC day, in days since 1970-01-01."""
        return (date(self.first_year, 1, 1) - _EPOCH).days

    @property
    def end_day(self) -> int:
        """The first UTC day after the accepted range, in days since 1970-01-01."""
        return (date(self.last_year, 12, 31) - _EPOCH).days + 1

    def day_in_range(self, day: int) -> bool:
        return self.first_day <= day < self.end_day

    @property
    def years(self) -> str:
        return f"{self.first_year}-01-01 to {self.last_year}-12-31"

    def line_too_long(self) -> str:
        return f"line longer than {self.max_line_bytes} bytes"

    def store_id_too_long(self) -> str:
        return f"store_id longer than {self.max_store_id_bytes} bytes"
