"""A report's CSVs as async streams of byte chunks, straight from COPY ... TO STDOUT.

COPY pushes chunks into a callback; a small bounded queue turns that into the async iterator a StreamingResponse
reads, so a slow client slows the COPY down instead of the CSV piling up in memory.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

_QUEUED_CHUNKS = 4

Write = Callable[[asyncpg.Connection, Callable[[bytes], Awaitable[None]]], Awaitable[None]]


async def csv_chunks(pool: asyncpg.Pool, write: Write) -> AsyncIterator[bytes]:
    """The chunks `write(conn, put)` puts, as they come."""
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=_QUEUED_CHUNKS)

    async def put(chunk: bytes) -> None:
        await chunks.put(bytes(chunk))  # asyncpg hands out bytearrays; the response wants bytes

    async def copy() -> None:
        try:
            async with pool.acquire() as conn:
                await write(conn, put)
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
