"""ProgressCache: polls of one report share database reads, and answers are never older than promised."""

import asyncio
import uuid

import pytest

from app.api.progress import ProgressCache
from app.db.models import ReportState
from app.jobs.manager import ReportProgress
from tests.support.wait import wait_until


class CountingManager:
    """Stands in for ReportManager.progress: counts reads; each read takes `seconds` and returns `done`."""

    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds
        self.reads = 0
        self.finished = 0  # reads that returned or raised
        self.done = 0
        self.fail = False

    async def progress(self, report_id: uuid.UUID) -> ReportProgress:
        self.reads += 1
        done = self.done
        try:
            await asyncio.sleep(self.seconds)
            if self.fail:
                raise ConnectionError("database gone")
            return ReportProgress(ReportState.running, done, 10, None)
        finally:
            self.finished += 1


REPORT = uuid.uuid4()


async def test_concurrent_polls_share_one_read():
    manager = CountingManager(seconds=0.05)
    cache = ProgressCache(manager, refresh_seconds=10)
    answers = await asyncio.gather(*(cache.get(REPORT) for _ in range(100)))
    assert manager.reads == 1
    assert {a.stores_done for a in answers} == {0}


async def test_a_stale_answer_is_refreshed_in_the_background():
    manager = CountingManager(seconds=0.05)
    cache = ProgressCache(manager, refresh_seconds=0.1, max_age_seconds=5)
    assert (await cache.get(REPORT)).stores_done == 0
    manager.done = 3
    await asyncio.sleep(0.15)  # the answer is older than refresh_seconds now (a sleep never ends early)
    assert (await cache.get(REPORT)).stores_done == 0  # served at once, while the refresh runs
    await wait_until(lambda: manager.finished == 2, message="the background refresh ends")
    assert manager.reads == 2
    assert (await cache.get(REPORT)).stores_done == 3


async def test_an_answer_older_than_max_age_waits_for_a_fresh_read():
    manager = CountingManager()
    cache = ProgressCache(manager, refresh_seconds=0.01, max_age_seconds=0.05)
    await cache.get(REPORT)
    manager.done = 7
    await asyncio.sleep(0.06)  # older than max_age_seconds now (a sleep never ends early)
    assert (await cache.get(REPORT)).stores_done == 7


async def test_forget_drops_the_answer():
    manager = CountingManager()
    cache = ProgressCache(manager, refresh_seconds=10)
    await cache.get(REPORT)
    manager.done = 5
    cache.forget(REPORT)
    assert (await cache.get(REPORT)).stores_done == 5


async def test_a_failed_first_read_fails_the_poll_and_the_next_poll_reads_again():
    manager = CountingManager()
    manager.fail = True
    cache = ProgressCache(manager)
    with pytest.raises(ConnectionError):
        await cache.get(REPORT)
    manager.fail = False
    assert (await cache.get(REPORT)).stores_done == 0
    assert manager.reads == 2


async def test_a_failed_background_read_keeps_serving_the_last_answer():
    manager = CountingManager()
    cache = ProgressCache(manager, refresh_seconds=0.01, max_age_seconds=5)
    await cache.get(REPORT)
    manager.fail = True
    await asyncio.sleep(0.02)  # older than refresh_seconds: the next poll starts a background read
    assert (await cache.get(REPORT)).stores_done == 0
    await wait_until(lambda: manager.finished == 2, message="the background read fails")
    assert (await cache.get(REPORT)).stores_done == 0  # the last good answer, still served
