"""Opaque store ids: UUIDs as in recent releases of the data, large integers as in the first one."""
from __future__ import annotations

import random
import uuid

INTEGER_ID_SHARE = 0.04


def make_store_ids(rng: random.Random, count: int, integers_only: bool = False) -> list[str]:
    """`count` distinct ids, mostly UUID4 strings, some 18–19 digit integers (all of them: the first release)."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        if rng.random() < INTEGER_ID_SHARE or integers_only:
            store_id = str(rng.randrange(10**17, 2**63))
        else:
            store_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if store_id not in seen:
            seen.add(store_id)
            ids.append(store_id)
    return ids
