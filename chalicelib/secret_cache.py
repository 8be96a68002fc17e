"""A short-lived in-process cache of hooks' secrets, so the ingest reads a hook's secrets
from the store once per `ttl` seconds rather than on every request. A secret changed
through this process is forgotten at once; other warm Lambdas see it within `ttl`.
Values stay in memory only: never logged, never returned by the management API."""
from __future__ import annotations

import threading
from collections.abc import Mapping

from chalicelib.clock import Clock
from chalicelib.core.ports import SecretStore


class SecretCache:
    def __init__(self, store: SecretStore, ttl: float, clock: Clock) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._by_hook: dict[str, tuple[float, Mapping[str, str]]] = {}
        self._lock = threading.Lock()

    def for_hook(self, hook_id: str) -> Mapping[str, str]:
        """Every secret of the hook, name → value; raises `Transient` if the store fails."""
        now = self._clock()
        hit = self._by_hook.get(hook_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        values = self._store.get_all(hook_id)
        if self._ttl > 0:
            with self._lock:
                self._by_hook[hook_id] = (now + self._ttl, values)
        return values

    def forget(self, hook_id: str) -> None:
        with self._lock:
            self._by_hook.pop(hook_id, None)
