"""Waiting in tests: on a condition, with a deadline, never for a fixed time.

A test that must see something happen polls for it until a deadline and fails with a message saying what it
waited for; a test that must see something *not* happen waits for the event that proves it (a log line, a state
row, a notification) instead of sleeping and hoping that long is enough."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

WAIT = 60.0  # the default deadline: generous, since a wait ends as soon as its condition holds
INTERVAL = 0.02


async def wait_until(condition: Callable[[], T | Awaitable[T]], timeout: float = WAIT, message: str = "",
                     interval: float = INTERVAL) -> T:
    """Call `condition` (a function or a coroutine function) until it returns a truthy value, and return that value.
    Fails at the deadline with `message` and the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s in vain: {message or condition} (last: {value!r})")
        await asyncio.sleep(interval)


def wait_until_sync(condition: Callable[[], T], timeout: float = WAIT, message: str = "",
                    interval: float = INTERVAL) -> T:
    """wait_until for code without an event loop (threads, subprocesses)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s in vain: {message or condition} (last: {value!r})")
        time.sleep(interval)
    return value
