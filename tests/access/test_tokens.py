"""Keys and session tokens (app/access/tokens.py) and the Authenticator's short cache (app/access/authenticate.py),
without a database: a stand-in manager counts the lookups."""

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from app.access import tokens
from app.access.authenticate import Authenticator
from app.access.caller import Caller
from app.access.manager import StoredKey, StoredSession
from app.access.tokens import KEY_PREFIX, SESSION_PREFIX, new_token, read_token
from app.db.models import ApiRole

CALLER = Caller(7, "ops", ApiRole.admin, None, None)


def test_keys_are_long_random_and_recognizable():
    made = [new_token(KEY_PREFIX) for _ in range(200)]
    assert len({m.token for m in made}) == 200 and len({m.lookup_id for m in made}) == 200
    for m in made[:20]:
        assert m.token.startswith("sp_live_") and len(m.token) == 8 + 12 + 32
        assert m.token[8:20] == m.lookup_id and m.token[8:].isalnum()
        assert m.digest == hashlib.sha256(m.token.encode()).digest()
        assert m.token not in repr(m)  # printing one by accident shows no secret
    assert new_token(SESSION_PREFIX).token.startswith("sp_sess_")


def test_a_presented_token_is_read_only_when_it_can_be_ours():
    token = new_token(KEY_PREFIX).token
    presented = read_token(token, KEY_PREFIX)
    assert presented is not None and presented.lookup_id == token[8:20]
    assert presented.matches(hashlib.sha256(token.encode()).digest())
    assert not presented.matches(hashlib.sha256(b"another").digest())
    for wrong in (token[:-1], token + "x", token.replace("sp_live_", "sp_sess_"), token[:-1] + "-", "", "sp_live_",
                  " " + token, token.upper().replace("SP_LIVE_", "sp_live_") + "é"):
        assert read_token(wrong, KEY_PREFIX) is None, wrong


def test_the_comparison_is_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(tokens.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    token = new_token(KEY_PREFIX)
    assert read_token(token.token, KEY_PREFIX).matches(token.digest)
    assert compared == [(token.digest, token.digest)]


class Manager:
    """Stands in for AccessManager: one key and one session, counting lookups; `revoked` hides both."""

    def __init__(self, key, session):
        self.key_token, self.session_token = key, session
        self.lookups = 0
        self.revoked = False

    async def key(self, lookup_id):
        self.lookups += 1
        if self.revoked or lookup_id != self.key_token.lookup_id:
            return None
        return StoredKey(CALLER, self.key_token.digest)

    async def session(self, lookup_id):
        self.lookups += 1
        if self.revoked or lookup_id != self.session_token.lookup_id:
            return None
        return StoredSession(CALLER, self.session_token.digest, datetime.now(UTC) + timedelta(hours=1))


async def test_a_valid_key_is_trusted_for_cache_seconds_and_refusals_are_not_cached():
    key, session = new_token(KEY_PREFIX), new_token(SESSION_PREFIX)
    manager = Manager(key, session)
    authenticator = Authenticator(manager, cache_seconds=1.0)  # type: ignore[arg-type]
    assert await authenticator.by_key(key.token) == CALLER
    assert await authenticator.by_key(key.token) == CALLER
    assert await authenticator.by_session(session.token) == CALLER
    assert manager.lookups == 2
    # The right lookup id with a wrong secret: looked up, refused, never cached.
    forged = key.token[:20] + "A" * 32
    assert await authenticator.by_key(forged) is None
    assert await authenticator.by_key(forged) is None
    assert manager.lookups == 4
    # Not even a lookup for what cannot be a key.
    assert await authenticator.by_key("sp_live_nope") is None and manager.lookups == 4
    manager.revoked = True
    assert await authenticator.by_key(key.token) == CALLER  # still trusted: within cache_seconds
    await asyncio.sleep(1.05)  # past cache_seconds (a sleep never ends early; the window above has a second)
    assert await authenticator.by_key(key.token) is None
    assert await authenticator.by_session(session.token) is None


async def test_without_a_cache_every_request_looks_the_key_up():
    key, session = new_token(KEY_PREFIX), new_token(SESSION_PREFIX)
    manager = Manager(key, session)
    authenticator = Authenticator(manager, cache_seconds=0)  # type: ignore[arg-type]
    for _ in range(3):
        assert await authenticator.by_key(key.token) == CALLER
    assert manager.lookups == 3
