"""API keys and session tokens: long random strings with a recognizable prefix, stored only as a SHA-256 hash.

A token is `<prefix><lookup id><secret>` in base62: the prefix says what it is (`sp_live_` for an API key, so a
leaked key is easy to find with a search; `sp_sess_` for a web session), the 12-character lookup id finds its row
(it is not secret: `key list` shows it), and the 32-character secret (190 bits) makes it unguessable. The database
keeps the SHA-256 of the whole token, compared in constant time. A fast hash is the right one here: the secret is
random and long, so there is nothing for a slow password hash to protect against.
"""

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

KEY_PREFIX = "sp_live_"
SESSION_PREFIX = "sp_sess_"
SESSION_COOKIE = "storepulse_session"  # the web page's session token (HttpOnly, SameSite=Strict)
ALPHABET = string.ascii_letters + string.digits
LOOKUP_LENGTH = 12
SECRET_LENGTH = 32
_CHARS = frozenset(ALPHABET)


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never stored
    lookup_id: str
    digest: bytes

    def __repr__(self) -> str:  # never print the token by accident
        return f"NewToken(lookup_id={self.lookup_id!r})"


@dataclass(frozen=True)
class PresentedToken:
    lookup_id: str
    digest: bytes

    def matches(self, stored_digest: bytes) -> bool:
        return hmac.compare_digest(self.digest, stored_digest)


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token(prefix: str) -> NewToken:
    lookup_id = _random(LOOKUP_LENGTH)
    token = prefix + lookup_id + _random(SECRET_LENGTH)
    return NewToken(token, lookup_id, digest(token))


def read_token(token: str, prefix: str) -> PresentedToken | None:
    """The token's lookup id and hash, or None when it cannot be one of ours (wrong prefix, length or characters):
    such a token is refused without a database query."""
    body = token[len(prefix):] if token.startswith(prefix) else ""
    if len(body) != LOOKUP_LENGTH + SECRET_LENGTH or not _CHARS.issuperset(body):
        return None
    return PresentedToken(body[:LOOKUP_LENGTH], digest(token))


def shown_prefix(prefix: str, lookup_id: str) -> str:
    """How a key is named where its secret must not appear (`key list`): its prefix and lookup id."""
    return f"{prefix}{lookup_id}…"
