"""The vote's limits (per address and per participant) in one round trip to the limiter's
storage.

Flask-Limiter checks each decorated limit on its own: with Redis, a round trip and about half
a millisecond of Python per limit, on a request that is otherwise two small statements. Here
the vote's limits are fixed windows like the limiter's own (the same strategy, the same keys
under the same storage, so `limiter.reset()` clears them and the limit strings are the same
settings), counted in a single Redis command: a Lua script that, for each limit, INCRs the
counter and gives a new one its expiry (what the limits library's own fixed window does). One
command rather than a pipeline of four: a quarter of the packing and parsing. Without Redis
(development, tests) each limit is hit through the limiter's strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import RedisStorage

from ..core.extensions import limiter

#: KEYS: the counters; ARGV: their windows in seconds. The counts, in order.
COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  counts[i] = count
end
return counts
"""


@lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)  # parsing a limit string costs more than counting it


@cache
def _script(connection: Any) -> Any:
    """The script registered on the storage's client (EVALSHA, loaded again if flushed)."""
    return connection.register_script(COUNT)


def allowed(limits: Sequence[tuple[str, str, str]]) -> bool:
    """Count one request against each (setting, default limit, key); whether every limit
    still allows it. Refused requests count too, as with the limiter's fixed windows."""
    if not limiter.enabled:
        return True
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    items = [(_parsed(config.get(setting, default)), key) for setting, default, key in limits]
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        counts = _script(storage.get_connection())(
            keys=[storage.prefixed_key(item.key_for(prefix, key)) for item, key in items],
            args=[item.get_expiry() for item, _key in items],
        )
        return all(
            int(count) <= item.amount for count, (item, _key) in zip(counts, items, strict=True)
        )
    hits = [limiter.limiter.hit(item, prefix, key) for item, key in items]
    return all(hits)
