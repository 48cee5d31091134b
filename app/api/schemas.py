"""Request and response bodies of the API, built on the models generated from prisma/schema.prisma."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict

from app.db import models
from app.jobs.actions import MAX_STORE_IDS
from app.report.parameters import MAX_DAYS, MAX_STORE_ID_LENGTH, DayRange, ReportParameters

StoreIdText = Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_STORE_ID_LENGTH)]

_AS_OF_HELP = (
    "The instant the report is computed as of (ISO 8601; without an offset it is read as UTC). "
    "Default: the newest poll at the time of the request."
)


def _as_of_must_be_text(value: Any) -> Any:
    # pydantic would also take a number as seconds since 1970; a report time is only accepted as ISO 8601 text.
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("as_of must be an ISO 8601 date-time string such as 2024-03-14T12:00:00Z")
    return value


class TriggerOneRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: datetime | None = Field(None, description=_AS_OF_HELP, examples=["2024-03-14T12:00:00Z"])

    _check_as_of = field_validator("as_of", mode="before")(_as_of_must_be_text)


class TriggerRequest(TriggerOneRequest):
    store_ids: list[StoreIdText] | None = Field(
        None, min_length=1, max_length=MAX_STORE_IDS,
        description=f"Report only these stores (at most {MAX_STORE_IDS:,}; each must have polls, and with a "
                    "tenant's key be one of its stores). Default: every store with a poll at or before as_of (with "
                    "a tenant's key: every store of the tenant that has polls).",
        examples=[["1234567", "89"]],
    )
    days: DayRange | None = Field(
        None, description=f"Also figures per local date of each store's zone (rule 12), from `from` to `to` "
                          f"(YYYY-MM-DD, both included, at most {MAX_DAYS} dates): GET /reports/{{id}}/days.",
    )


class TriggerResponse(BaseModel):
    report_id: uuid.UUID
    existing: bool = Field(False, description="True when an identical report (same tenant, as_of and stores) was "
                                              "already queued or running: its id is returned, nothing more is "
                                              "queued.")


class Progress(BaseModel):
    stores_done: int
    stores_total: int | None = Field(description="Unknown (null) until a worker has started the report.")


class RunningResponse(BaseModel):
    status: Literal["Running"] = "Running"
    progress: Progress


class StoppedResponse(BaseModel):
    status: Literal["Failed", "Cancelled"]
    error: str


class ReportOut(models.Report):
    """A report's metadata: state, as_of, parameters, timings, progress, row count, error and lease."""

    parameters: ReportParameters

    @classmethod
    def of(cls, report: models.Report) -> "ReportOut":
        return cls.model_validate(report.model_dump())


class ReportPage(BaseModel):
    items: list[ReportOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page, or null on the last page.")


class ErrorResponse(BaseModel):
    detail: str = Field(description="What is wrong, in one line")


class RateLimited(BaseModel):
    detail: str = Field(description="Which limit was hit and what to do")
    limit: Literal["reports_per_key"] = Field(description="The limit hit: the setting REPORTS_PER_KEY")
    max_active: int = Field(description="The limit's value: reports one key may have queued or running at once")
    retry_after_seconds: int = Field(description="Also in the Retry-After header")


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    reasons: list[str] = Field(description="Why it is not ready (empty when ready)")
    database: bool = Field(description="The database answered")
    schema_current: bool = Field(description="Every migration and function file is applied")
    workers_alive: int = Field(description="Report workers seen within a lease (LEASE_SECONDS)")


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    detail: str = Field(description="What is wrong, in one line")
    errors: list[FieldProblem] = Field(default=[], description="Per field, when the request did not parse")


class RejectedRow(BaseModel):
    row: int = Field(description="The data row, counted from 1 (the line after the header)")
    reason: str


class PollIntakeResult(BaseModel):
    received: int = Field(description="Rows in the body (blank lines are skipped)")
    stored: int = Field(description="New polls stored")
    duplicates: int = Field(description="Good rows already stored (or repeated in the body): stored once")
    rejected: list[RejectedRow]


def _whole_number(value: Any) -> Any:
    # JSON's integers: 2 and 2.0, not true or "2" (which pydantic's lax int would take).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]

_TIME = "A local wall-clock time, H:MM, HH:MM:SS or HH:MM:SS.ffffff; an end of 23:59:59 means midnight"
# Documented in the schema but checked by the app (app/stores/edits.py), whose messages say what is wrong in the
# loader's words: the schema describes exactly what is accepted, so a client generated from it sends valid data.
_TIME_SCHEMA: JsonDict = {"pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"}


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day_of_week: WholeNumber = Field(description="0 = Monday ... 6 = Sunday",
                                   json_schema_extra={"minimum": 0, "maximum": 6})
    start_time_local: StrictStr = Field(max_length=15, description=_TIME, json_schema_extra=_TIME_SCHEMA)
    end_time_local: StrictStr = Field(max_length=15, description=_TIME + "; at or before the start: the next day",
                                      json_schema_extra=_TIME_SCHEMA)


class HoursStored(BaseModel):
    store_id: str
    rows: int


class TimezoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone_str: StrictStr = Field(min_length=1, max_length=100, description="An IANA name, e.g. America/Denver",
                                    json_schema_extra={"pattern": r"\S"})


class TimezoneStored(BaseModel):
    store_id: str
    timezone_str: str
    warnings: list[str]


class IntervalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_time_local: StrictStr = Field(max_length=15, description=_TIME, json_schema_extra=_TIME_SCHEMA)
    end_time_local: StrictStr = Field(max_length=15, description=_TIME + "; at or before the start: the next day",
                                      json_schema_extra=_TIME_SCHEMA)


class SpecialHoursStored(BaseModel):
    store_id: str
    date_local: date
    closed: bool = Field(description="True: the store is closed that date")
    intervals: list[IntervalIn]
    dropped: bool = Field(False, description="True: the exception was dropped (DELETE)")


class AlertRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S",
                            description="Unique among the tenant's rules (spaces around it are dropped)")
    min_minutes: StrictInt | StrictFloat = Field(
        gt=0, le=10_080, description="Business minutes a store must have been down before an incident opens")
    webhook_url: StrictStr = Field(max_length=2_000, pattern=r"^https?://[^\s/?#@]+([/?#]\S*)?$",
                                   description="http(s) URL the incident events are POSTed to; not this machine or "
                                               "a private network, and its host must resolve")
    secret: StrictStr = Field(min_length=16, max_length=256, description="Signs each delivery: X-Storepulse-Signature "
                              "is sha256=<HMAC-SHA256 of the body with it>. Never shown again")
    stores: list[StoreIdText] | None = Field(
        None, min_length=1, max_length=MAX_STORE_IDS,
        description="The stores it watches (default: every store the key may see: its tenant's, or all for an admin "
                    "key)")


class AlertRuleOut(BaseModel):
    id: uuid.UUID
    name: str
    min_minutes: Decimal
    webhook_url: str = Field(description="Scheme and host only: the path may hold the receiver's token")
    stores: list[str] | None = Field(description="null: every store the rule's tenant (or, for an admin's rule, the "
                                                  "service) has")
    tenant: str | None = Field(description="The tenant whose rule it is; null: an admin's")
    created_at: datetime


class IncidentOut(BaseModel):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule: str = Field(description="The rule's name")
    store_id: str
    down_since: datetime = Field(description="The poll that began the store's run of inactive polls")
    opened_at: datetime = Field(description="When the run reached the rule's min_minutes of business time")
    detected_at: datetime = Field(description="When the evaluation that opened it ran")
    resolved_at: datetime | None = Field(description="The first active poll after down_since; null: still open")
    business_minutes: Decimal = Field(description="Business minutes of the outage, up to resolved_at or the last "
                                                  "evaluation")
