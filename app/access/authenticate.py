"""Authenticator: from a presented API key or session token to the Caller, with a short in-process cache.

Polling clients send their key with every request; a database round trip per poll would undo what the progress
cache saves (app/api/status_cache.py). So a key that was found valid is trusted for `cache_seconds` more in this
process: a revoked key or an ended session stops working within that time everywhere, and at once in the process
that ended the session. Refusals are never cached, so a new key works at once. The cache is keyed by the token's
hash, never by the token.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from app.access.caller import Caller
from app.access.manager import AccessManager
from app.access.tokens import KEY_PREFIX, SESSION_PREFIX, NewToken, PresentedToken, new_token, read_token

_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    caller: Caller
    until: float  # time.monotonic()


@dataclass(frozen=True)
class SignedIn:
    session: NewToken
    caller: Caller
    expires_at: datetime


class Authenticator:
    def __init__(self, manager: AccessManager, cache_seconds: float = 5.0):
        self.manager = manager
        self.cache_seconds = cache_seconds
        self._cache: dict[bytes, _Entry] = {}

    async def by_key(self, token: str) -> Caller | None:
        """The caller of an API key, or None for anything that is not a current key."""
        presented = read_token(token, KEY_PREFIX)
        if presented is None:
            return None
        if (cached := self._cached(presented)) is not None:
            return cached
        stored = await self.manager.key(presented.lookup_id)
        if stored is None or not presented.matches(stored.digest):
            return None
        self._remember(presented, stored.caller, time.monotonic() + self.cache_seconds)
        return stored.caller

    async def by_session(self, token: str) -> Caller | None:
        """The caller of a web session (the key it was signed in with), or None when it is unknown or ended."""
        presented = read_token(token, SESSION_PREFIX)
        if presented is None:
            return None
        if (cached := self._cached(presented)) is not None:
            return cached
        stored = await self.manager.session(presented.lookup_id)
        if stored is None or not presented.matches(stored.digest):
            return None
        left = (stored.expires_at - datetime.now(UTC)).total_seconds()
        self._remember(presented, stored.caller, time.monotonic() + min(self.cache_seconds, left))
        return stored.caller

    async def sign_in(self, key: str, seconds: float) -> SignedIn | None:
        """A new web session for a valid key (None: the key is not valid)."""
        caller = await self.by_key(key)
        if caller is None:
            return None
        session = new_token(SESSION_PREFIX)
        expires_at = await self.manager.create_session(session.lookup_id, session.digest, caller.key_id, seconds)
        return SignedIn(session, caller, expires_at)

    async def sign_out(self, token: str) -> None:
        presented = read_token(token, SESSION_PREFIX)
        if presented is None:
            return
        self._cache.pop(presented.digest, None)
        stored = await self.manager.session(presented.lookup_id)
        if stored is not None and presented.matches(stored.digest):
            await self.manager.end_session(presented.lookup_id)

    def _cached(self, presented: PresentedToken) -> Caller | None:
        entry = self._cache.get(presented.digest)
        if entry is None:
            return None
        if entry.until <= time.monotonic():
            del self._cache[presented.digest]
            return None
        return entry.caller

    def _remember(self, presented: PresentedToken, caller: Caller, until: float) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._cache) >= _MAX_ENTRIES:
            now = time.monotonic()
            self._cache = {k: e for k, e in self._cache.items() if e.until > now}
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
        self._cache[presented.digest] = _Entry(caller, until)
