"""A short-lived in-process cache of hooks by token and id, so the ingest hot path makes no
read once a hook's settings are known. Entries live `ttl` seconds: a change made through the
management API reaches every warm Lambda within that time."""
from __future__ import annotations

import threading

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.ports import HookStore


class HookCache:
    def __init__(self, store: HookStore, ttl: float, clock: Clock) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._by_token: dict[str, tuple[float, Hook]] = {}
        self._by_id: dict[str, tuple[float, Hook]] = {}
        self._lock = threading.Lock()

    def by_token(self, token: str) -> Hook | None:
        return self._cached(self._by_token, token, self._store.by_token)

    def by_id(self, hook_id: str) -> Hook | None:
        return self._cached(self._by_id, hook_id, self._store.get)

    def _cached(self, table: dict[str, tuple[float, Hook]], key: str, load: "object") -> Hook | None:
        now = self._clock()
        with self._lock:
            hit = table.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        hook = load(key)  # type: ignore[operator]
        if hook is not None and self._ttl > 0:
            with self._lock:
                table[key] = (now + self._ttl, hook)
        return hook  # type: ignore[no-any-return]

    def forget(self) -> None:
        with self._lock:
            self._by_token.clear()
            self._by_id.clear()
