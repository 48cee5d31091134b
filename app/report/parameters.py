"""What a report was asked for, beside its `as_of`: stored as the report's `parameters` (jsonb, decoded by the
connection's codec) and read here, in one place, by the engine, the API and the web pages."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

MAX_DAYS = 92  # a report's days (rule 12) span at most this many local dates
MAX_STORE_ID_LENGTH = 255  # characters of a store id a client may send


def store_id_problem(store_id: str) -> str | None:
    """What makes a store id sent by a client unusable (None: nothing): blank, too long, or not text PostgreSQL can
    store (a NUL character, a lone surrogate)."""
    if not store_id.strip():
        return "is blank"
    if len(store_id) > MAX_STORE_ID_LENGTH:
        return f"is longer than {MAX_STORE_ID_LENGTH} characters"
    if "\x00" in store_id:
        return "contains a NUL character"
    try:
        store_id.encode()
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


class DayRange(BaseModel):
    """Local dates (rule 12), both included."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    first: date = Field(alias="from")
    last: date = Field(alias="to")

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1


class ReportParameters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_ids: list[str] | None = None
    days: DayRange | None = None

    @model_serializer(mode="wrap")
    def _asked_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """What was asked for, nothing else: `{}` for a report of every store."""
        return {key: value for key, value in handler(self).items() if value is not None}

    @classmethod
    def of(cls, parameters: Any) -> "ReportParameters":
        return cls.model_validate(parameters or {})

    def stored(self) -> dict[str, Any]:
        """The jsonb value."""
        return self.model_dump(mode="json", by_alias=True)
