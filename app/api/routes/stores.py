"""A store's own data, for store systems: `PUT /stores/{store_id}/hours`, `PUT /stores/{store_id}/timezone`,
`PUT|DELETE /stores/{store_id}/special_hours/{date_local}`."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Path

from app.api.deps import PoolDep
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
    422: {"model": ValidationProblem, "description": "Invalid data: `detail` says what is wrong"},
})

StoreId = Annotated[str, Path(min_length=1, max_length=255, description="The store's id")]
MAX_ROWS = 1_000


@router.put("/{store_id}/hours", response_model=HoursStored)
async def put_hours(store_id: StoreId, pool: PoolDep,
                    rows: Annotated[list[HoursIn], Body(max_length=MAX_ROWS)]) -> HoursStored:
    """Replace the store's weekly business hours (an empty list: open 24/7)."""
    async with pool.acquire() as conn:
        stored = await replace_hours(conn, store_id, [HoursRow(**r.model_dump()) for r in rows])
    return HoursStored(store_id=store_id, rows=stored)


@router.put("/{store_id}/timezone", response_model=TimezoneStored)
async def put_timezone(store_id: StoreId, pool: PoolDep, body: TimezoneIn) -> TimezoneStored:
    """Set the store's time zone (an IANA name; an unknown one is stored, with a warning)."""
    async with pool.acquire() as conn:
        warning = await set_timezone(conn, store_id, body.timezone_str)
    return TimezoneStored(store_id=store_id, timezone_str=body.timezone_str.strip(),
                          warnings=[warning] if warning else [])


@router.put("/{store_id}/special_hours/{date_local}", response_model=SpecialHoursStored)
async def put_special_hours(store_id: StoreId, date_local: date, pool: PoolDep,
                            intervals: Annotated[list[IntervalIn], Body(max_length=48)]) -> SpecialHoursStored:
    """Rule 10: the store's hours on one local date, replacing its weekly hours for that date (an empty list:
    closed that day)."""
    async with pool.acquire() as conn:
        await replace_special_hours(conn, store_id, date_local, [Interval(**i.model_dump()) for i in intervals])
    return SpecialHoursStored(store_id=store_id, date_local=date_local, closed=not intervals,
                              intervals=intervals)


@router.delete("/{store_id}/special_hours/{date_local}", response_model=SpecialHoursStored)
async def delete_special_hours(store_id: StoreId, date_local: date, pool: PoolDep) -> SpecialHoursStored:
    """Drop the store's exception for one local date: its weekly hours apply again."""
    async with pool.acquire() as conn:
        await drop_special_hours(conn, store_id, date_local)
    return SpecialHoursStored(store_id=store_id, date_local=date_local, closed=False, intervals=[], dropped=True)
