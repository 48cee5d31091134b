"""A store's own data, for store systems: `PUT /stores/{store_id}/hours`, `PUT /stores/{store_id}/timezone`,
`PUT|DELETE /stores/{store_id}/special_hours/{date_local}`. Each needs a write key; a tenant's key edits its tenant's
stores only (another store is 404, as one that does not exist)."""

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Path
from pydantic import BeforeValidator

from app.api.auth import WriteStores
from app.api.deps import PoolDep
from app.api.responses import AUTH, responses
from app.api.schemas import (
    HoursIn,
    HoursStored,
    IntervalIn,
    SpecialHoursStored,
    TimezoneIn,
    TimezoneStored,
    ValidationProblem,
)
from app.stores.edits import HoursRow, Interval, drop_special_hours, replace_hours, replace_special_hours, set_timezone

router = APIRouter(prefix="/stores", tags=["stores"], responses={
    **responses(AUTH, 404, 413, _404="Not one of the key's tenant's stores"),
    422: {"model": ValidationProblem, "description": "Invalid data: `detail` says what is wrong"},
})

StoreId = Annotated[str, Path(min_length=1, max_length=255, description="The store's id")]


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic alone would also read a number as days since 1970.
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


DateLocal = Annotated[date, BeforeValidator(_iso_date), Path(description="A local date of the store's zone, "
                                                                         "YYYY-MM-DD")]
MAX_ROWS = 1_000


@router.put("/{store_id}/hours", response_model=HoursStored)
async def put_hours(store_id: StoreId, pool: PoolDep, mine: WriteStores,
                    rows: Annotated[list[HoursIn], Body(max_length=MAX_ROWS)]) -> HoursStored:
    """Replace the store's weekly business hours (an empty list: open 24/7)."""
    await mine.require(store_id)
    async with pool.acquire() as conn:
        stored = await replace_hours(conn, store_id, [HoursRow(**r.model_dump()) for r in rows])
    return HoursStored(store_id=store_id, rows=stored)


@router.put("/{store_id}/timezone", response_model=TimezoneStored)
async def put_timezone(store_id: StoreId, pool: PoolDep, mine: WriteStores, body: TimezoneIn) -> TimezoneStored:
    """Set the store's time zone (an IANA name; an unknown one is stored, with a warning)."""
    await mine.require(store_id)
    async with pool.acquire() as conn:
        warning = await set_timezone(conn, store_id, body.timezone_str)
    return TimezoneStored(store_id=store_id, timezone_str=body.timezone_str.strip(),
                          warnings=[warning] if warning else [])


@router.put("/{store_id}/special_hours/{date_local}", response_model=SpecialHoursStored)
async def put_special_hours(store_id: StoreId, date_local: DateLocal, pool: PoolDep, mine: WriteStores,
                            intervals: Annotated[list[IntervalIn], Body(max_length=48)]) -> SpecialHoursStored:
    """Rule 10: the store's hours on one local date, replacing its weekly hours for that date (an empty list:
    closed that day)."""
    await mine.require(store_id)
    async with pool.acquire() as conn:
        await replace_special_hours(conn, store_id, date_local, [Interval(**i.model_dump()) for i in intervals])
    return SpecialHoursStored(store_id=store_id, date_local=date_local, closed=not intervals,
                              intervals=intervals)


@router.delete("/{store_id}/special_hours/{date_local}", response_model=SpecialHoursStored)
async def delete_special_hours(store_id: StoreId, date_local: DateLocal, pool: PoolDep,
                               mine: WriteStores) -> SpecialHoursStored:
    """Drop the store's exception for one local date: its weekly hours apply again."""
    await mine.require(store_id)
    async with pool.acquire() as conn:
        await drop_special_hours(conn, store_id, date_local)
    return SpecialHoursStored(store_id=store_id, date_local=date_local, closed=False, intervals=[], dropped=True)
