"""The network, computed once per data version and served from a cache shared by every server.

Key: ``network:<as_of>:<settings tag>:v<data version>`` (`models.versions.current_version`,
bumped in the same transaction as any change to institutions, memberships, ties, task
assignments or deliverables). Under it the cache keeps the node-link JSON (bytes, served
as they are) and a small summary the page renders; exports are derived on first request
and kept under the same key. ``...:latest`` points at the newest complete version.

- Same version as a stored entry: served, never rebuilt.
- New version, small network (below ``NETWORK_BACKGROUND_THRESHOLD`` nodes + edges, as
  measured by the previous build or by one COUNT on a cold cache): rebuilt in the request.
- New version, large network: a rebuild is started in the background (a thread, or an RQ
  job on Redis with ``NETWORK_REBUILD=rq``) under a lock so one server builds it, and the
  last complete version is served meanwhile with its age; with no version at all yet the
  page says it is being computed.

Backends: memory (one process; development and tests) or Redis (``NETWORK_CACHE_URL`` or
``REDIS_URL``), so several servers share entries, lock and pointer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
from flask import Flask, current_app
from sqlalchemy import func, select

from models import Institution, Tie
from models.versions import NETWORK, current_version

from ..core.db import get_database
from ..core.stores import MemoryBackend, RedisBackend
from . import build as network_service
from . import measures

EXTENSION = "network_cache"
#: Entries expire after a week unused (Redis); the memory backend keeps the newest few.
ENTRY_TTL = 7 * 24 * 3600
#: A rebuild lock older than this is considered dead (its server crashed).
LOCK_TTL = 15 * 60
#: How long a superseded version stays, for requests still serving it.
SUPERSEDED_TTL = 5 * 60
#: What is stored under a version's key.
PARTS = ("json", "summary", "gexf", "graphml", "graph", "details")


@dataclass
class Snapshot:
    """One complete computed network, as served."""

    cache: NetworkCache
    key: str
    version: int
    current_version: int
    summary: dict[str, Any]
    building: bool = False

    @property
    def stale(self) -> bool:
        return self.version != self.current_version

    @property
    def built_at(self) -> float:
        return self.summary["built_at"]

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.built_at)

    def json_bytes(self) -> bytes:
        value = self.cache.backend.get(f"{self.key}:json")
        if value is None:  # evicted between the summary and now: rare, rebuild it
            raise LookupError(self.key)
        return value

    def derived(self, part: str, makers: Mapping[str, Callable[[dict[str, Any]], bytes]]) -> bytes:
        """A document derived from the node-link JSON once per version (the network page's
        `page_documents`): on a miss every one of `makers` is made from a single parse."""
        value = self.cache.backend.get(f"{self.key}:{part}")
        if value is None:
            document = json.loads(self.json_bytes())
            for name, make in makers.items():
                made = make(document)
                self.cache.backend.set(f"{self.key}:{name}", made, ENTRY_TTL)
                if name == part:
                    value = made
        if value is None:
            raise KeyError(part)
        return value

    def export(self, fmt: str) -> bytes:
        """GEXF or GraphML bytes, derived from the node-link JSON once per version."""
        key = f"{self.key}:{fmt}"
        value = self.cache.backend.get(key)
        if value is None:
            value = _export(json.loads(self.json_bytes()), fmt)
            self.cache.backend.set(key, value, ENTRY_TTL)
        return value


#: What XML 1.0 cannot hold at all, even escaped (its `Char` production): control characters
#: other than tab, LF and CR, the surrogates and U+FFFE/U+FFFF. The forms, the CSV import and
#: the API refuse them (`core.forms.PlainText`); a row written before that, or straight into
#: the database, must still not make the exports unreadable for everyone: they are dropped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: Any) -> Any:
    """`value` with every text in it (also inside lists and mappings) fit for XML 1.0."""
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {xml_safe(key): xml_safe(item) for key, item in value.items()}
    return value


def _export(document: dict[str, Any], fmt: str) -> bytes:
    G = nx.node_link_graph(
        xml_safe({k: document[k] for k in ("directed", "multigraph", "graph", "nodes", "edges")}),
        edges="edges",
    )
    affiliation = [
        (edge["source"], edge["target"], xml_safe(edge["groups"]))
        for edge in document.get("affiliation", ())
    ]
    if fmt == "gexf":
        return measures.to_gexf_bytes(G, {}, affiliation)
    if fmt == "graphml":
        return measures.to_graphml_bytes(G, {}, affiliation)
    raise ValueError(fmt)


class NetworkCache:
    """Serves the network of a date per data version; counts its builds (`builds`)."""

    def __init__(
        self,
        backend: MemoryBackend | RedisBackend,
        settings: network_service.NetworkSettings,
        *,
        threshold: int,
        schedule: Callable[[NetworkCache, date], None] | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.threshold = threshold
        self.schedule = schedule or _thread_schedule
        self.builds = 0
        self._parsed: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._parsed_lock = threading.Lock()

    # Keys --------------------------------------------------------------------------
    def base_key(self, as_of: date) -> str:
        return f"network:{as_of.isoformat()}:{self.settings.tag}"

    def key(self, as_of: date, version: int) -> str:
        return f"{self.base_key(as_of)}:v{version}"

    # Reading -----------------------------------------------------------------------
    def _summary(self, key: str) -> dict[str, Any] | None:
        """The summary stored under a version's key (parsed once per process: it never changes)."""
        parsed = self._parsed.get(key)
        if parsed is not None:
            return parsed
        raw = self.backend.get(f"{key}:summary")
        if raw is None:
            return None
        parsed = json.loads(raw)
        with self._parsed_lock:
            self._parsed[key] = parsed
            while len(self._parsed) > 8:
                self._parsed.popitem(last=False)
        return parsed

    def get(self, as_of: date) -> Snapshot | None:
        """The network of `as_of` for the current data version, or the last complete one.

        Returns None only when nothing was ever computed for this date and a background
        build has just been started.
        """
        session = get_database().session
        version = current_version(session, NETWORK)
        key = self.key(as_of, version)
        summary = self._summary(key)
        if summary is not None:
            return Snapshot(self, key, version, version, summary)
        latest = self._latest(as_of)
        if latest is not None:
            size = latest[1]["node_count"] + latest[1]["edge_count"]
        else:
            size = self._estimate_size(as_of)
        if size < self.threshold:
            summary = self.build(as_of, version)
            return Snapshot(self, key, version, version, summary)
        self.start_rebuild(as_of)
        if latest is None:
            return None
        latest_version, latest_summary = latest
        return Snapshot(
            self,
            self.key(as_of, latest_version),
            latest_version,
            version,
            latest_summary,
            building=True,
        )

    def _latest(self, as_of: date) -> tuple[int, dict[str, Any]] | None:
        raw = self.backend.get(f"{self.base_key(as_of)}:latest")
        if raw is None:
            return None
        version = int(raw)
        summary = self._summary(self.key(as_of, version))
        return None if summary is None else (version, summary)

    def _estimate_size(self, as_of: date) -> int:
        """Nodes + ties, as an upper bound of the network's size (one statement)."""
        session = get_database().session
        institutions = (
            select(func.count()).select_from(Institution).where(Institution.active_on(as_of))
        ).scalar_subquery()
        ties = select(func.count()).select_from(Tie).where(Tie.since <= as_of).scalar_subquery()
        return int(session.execute(select(institutions + ties)).scalar() or 0)

    # Building ----------------------------------------------------------------------
    def build(self, as_of: date, version: int | None = None) -> dict[str, Any]:
        """Compute the network of `as_of` now and store it; return its summary."""
        session = get_database().session
        if version is None:
            version = current_version(session, NETWORK)
        rows = network_service.load_rows(session)
        document = network_service.compute_network(rows, as_of, self.settings)
        document["version"] = version
        summary = network_service.summary_of(document)
        summary.update(
            version=version,
            built_at=time.time(),
            node_count=document["coalition"]["node_count"],
            edge_count=document["coalition"]["edge_count"],
        )
        key = self.key(as_of, version)
        self.backend.set(f"{key}:json", json.dumps(document).encode(), ENTRY_TTL)
        self.backend.set(f"{key}:summary", json.dumps(summary).encode(), ENTRY_TTL)
        pointer = f"{self.base_key(as_of)}:latest"
        previous = self.backend.get(pointer)
        if previous is None or int(previous) <= version:
            self.backend.set(pointer, str(version).encode(), ENTRY_TTL)
            if previous is not None and int(previous) < version:
                # Superseded: kept a little while for requests that are still serving it.
                old = self.key(as_of, int(previous))
                for part in PARTS:
                    self.backend.expire(f"{old}:{part}", SUPERSEDED_TTL)
        self.builds += 1
        return summary

    def lock_key(self, as_of: date) -> str:
        return f"{self.base_key(as_of)}:building"

    def start_rebuild(self, as_of: date) -> bool:
        """Start one background rebuild for `as_of` unless one is already running."""
        if not self.backend.add(self.lock_key(as_of), b"1", LOCK_TTL):
            return False
        try:
            self.schedule(self, as_of)
        except Exception:
            self.backend.delete(self.lock_key(as_of))
            raise
        return True

    def rebuild_now(self, as_of: date) -> None:
        """The background job's body: build for the current version, then unlock."""
        try:
            session = get_database().session
            version = current_version(session, NETWORK)
            if self._summary(self.key(as_of, version)) is None:
                self.build(as_of, version)
        finally:
            self.backend.delete(self.lock_key(as_of))
            get_database().session.remove()


def _thread_schedule(cache: NetworkCache, as_of: date) -> None:
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                cache.rebuild_now(as_of)
            except Exception:  # logged; the lock is released, the next request retries
                app.logger.exception("Network rebuild for %s failed", as_of)

    threading.Thread(target=run, name=f"network-rebuild-{as_of}", daemon=True).start()


def _rq_schedule(cache: NetworkCache, as_of: date) -> None:
    from rq import Queue

    queue = Queue("network", connection=cache.backend.client)
    queue.enqueue(
        "coalition_app.network.cache.rebuild_job",
        as_of.isoformat(),
        job_timeout=LOCK_TTL,
        result_ttl=0,
    )


_worker_app: Flask | None = None


def rebuild_job(as_of: str) -> None:
    """RQ job (`rq worker network --url $REDIS_URL` with the app's environment)."""
    global _worker_app
    if _worker_app is None:
        from coalition_app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        get_cache(_worker_app).rebuild_now(date.fromisoformat(as_of))


def settings_from_config(config: dict[str, Any]) -> network_service.NetworkSettings:
    return network_service.NetworkSettings(
        betweenness_exact_limit=int(
            config.get("BETWEENNESS_EXACT_LIMIT", measures.DEFAULT_BETWEENNESS_EXACT_LIMIT)
        ),
        betweenness_error=float(
            config.get("BETWEENNESS_ERROR", measures.DEFAULT_BETWEENNESS_ERROR)
        ),
        pair_limit=int(config.get("NETWORK_PAIR_LIMIT", network_service.DEFAULT_PAIR_LIMIT)),
        parallel_above=int(
            config.get("NETWORK_PARALLEL_ABOVE", network_service.DEFAULT_PARALLEL_ABOVE)
        ),
    )


def init_app(app: Flask) -> NetworkCache:
    """Create the app's cache from its configuration (called when the blueprint registers)."""
    url = app.config.get("NETWORK_CACHE_URL")
    backend: MemoryBackend | RedisBackend = RedisBackend(url) if url else MemoryBackend()
    mode = app.config.get("NETWORK_REBUILD", "thread")
    if mode == "rq" and not url:
        raise RuntimeError("NETWORK_REBUILD=rq needs NETWORK_CACHE_URL or REDIS_URL (Redis).")
    cache = NetworkCache(
        backend,
        settings_from_config(app.config),
        threshold=int(app.config.get("NETWORK_BACKGROUND_THRESHOLD", 20_000)),
        schedule=_rq_schedule if mode == "rq" else _thread_schedule,
    )
    app.extensions[EXTENSION] = cache
    return cache


def get_cache(app: Flask | None = None) -> NetworkCache:
    app = app or current_app
    cache = app.extensions.get(EXTENSION)
    return cache if cache is not None else init_app(app)
