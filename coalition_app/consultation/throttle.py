"""The vote's limits (per address and per participant) in one round trip to the limiter's
storage.

Flask-Limiter checks each decorated limit on its own: with Redis, a round trip and about half
a millisecond of Python per limit, on a request that is otherwise three small statements. Here
the vote's limits are fixed windows like the limiter's own (the same strategy, the same keys
under the same storage, so `limiter.reset()` clears them and the limit strings are the same
settings), counted in a single Redis pipeline: for each limit, SET the counter to 0 with its
expiry if it does not exist, then INCR it. Without Redis (development, tests) each limit is
hit through the limiter's strategy.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import RedisStorage

from ..core.extensions import limiter


def _item(setting: str, default: str) -> RateLimitItem:
    return parse(current_app.config.get(setting, default))


def allowed(limits: Sequence[tuple[str, str, str]]) -> bool:
    """Count one request against each (setting, default limit, key); whether every limit
    still allows it. Refused requests count too, as with the limiter's fixed windows."""
    if not limiter.enabled:
        return True
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    items = [(_item(setting, default), key) for setting, default, key in limits]
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        pipe = storage.get_connection().pipeline(transaction=False)
        for item, key in items:
            name = storage.prefixed_key(item.key_for(prefix, key))
            pipe.set(name, 0, ex=item.get_expiry(), nx=True)
            pipe.incr(name)
        counts = pipe.execute()[1::2]
        return all(
            int(count) <= item.amount for count, (item, _key) in zip(counts, items, strict=True)
        )
    hits = [limiter.limiter.hit(item, prefix, key) for item, key in items]
    return all(hits)
