"""A complete report's CSV as an async stream of byte chunks, straight from COPY ... TO STDOUT.

COPY pushes chunks into a callback; a small bounded queue turns that into the async iterator a StreamingResponse
reads, so a slow client slows the COPY down instead of the CSV piling up in memory.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator

from app.jobs.manager import ReportManager
from app.report.csv import write_csv

_QUEUED_CHUNKS = 4


async def report_csv_chunks(manager: ReportManager, report_id: uuid.UUID) -> AsyncIterator[bytes]:
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_QUEUED_CHUNKS)

    async def put(chunk: bytes | bytearray) -> None:
        await chunks.put(bytes(chunk))  # asyncpg hands out bytearrays; the response wants bytes

    async def copy() -> None:
        try:
            async with manager.pool.acquire() as conn:
                await write_csv(conn, report_id, put)
        finally:
            await chunks.put(None)

    copying = asyncio.create_task(copy())
    try:
        while (chunk := await chunks.get()) is not None:
            yield chunk
        await copying  # raises the COPY's error, if any, so the response is cut off instead of looking complete
    finally:
        if not copying.done():  # the client went away
            copying.cancel()
            await asyncio.wait({copying})
