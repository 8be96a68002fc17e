"""Use case: keep a hook's data structure — check items against it when it is strict, and
learn it from accepted items (the first determines it, later ones refine it).

Learning is best effort: a failure to save never fails the request that taught it. The
record is read through a short-lived cache (`ttl`, like the hook cache) and written only
when the schema changed (`learn` returns the very same dict when nothing did), so a hook
whose structure is stable costs no AWS call. Writes check the version; on a conflict with
another writer the record is reloaded and the item learned again, once.
"""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from chalicelib.clock import Clock, iso
from chalicelib.core.ports import StructureStore
from chalicelib.core.structures import Structure
from chalicelib.errors import ConditionFailed
from chalicelib.observability import logger
from chalicelib.structure import SchemaError, ValidationProblem, compile_validator, learn

MAX_SCHEMA_BYTES = 300 * 1024  # a DynamoDB item holds 400 KB


class StructureKeeper:
    def __init__(self, store: StructureStore, ttl: float, clock: Clock) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._cached: dict[str, tuple[float, Structure | None]] = {}
        self._lock = threading.Lock()

    def current(self, hook_id: str) -> Structure | None:
        """The hook's structure record (None: nothing learned or set yet), cached."""
        now = self._clock()
        hit = self._cached.get(hook_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        structure = self._store.get(hook_id)
        self._remember(hook_id, structure, now)
        return structure

    def _remember(self, hook_id: str, structure: Structure | None, now: float | None = None) -> None:
        if self._ttl > 0:
            with self._lock:
                self._cached[hook_id] = ((self._clock() if now is None else now) + self._ttl, structure)

    def forget(self, hook_id: str) -> None:
        with self._lock:
            self._cached.pop(hook_id, None)

    def problem(self, hook_id: str, data: Any) -> ValidationProblem | None:
        """Why `data` does not fit the hook's strict structure, or None (fits, not strict,
        nothing to check yet, or the next item is to redetermine it)."""
        structure = self.current(hook_id)
        if structure is None or not structure.strict or structure.schema is None or structure.redetermine:
            return None
        try:
            validate = compile_validator(structure.schema)
        except SchemaError as error:
            logger.warning("strict structure cannot be compiled; not checked",
                           extra={"hook_id": hook_id, "error": str(error)})
            return None
        return validate(data)

    def learn(self, hook_id: str, data: Any) -> None:
        """Refine the hook's structure with an accepted item; never raises."""
        try:
            self._learn(hook_id, data)
        except Exception as error:  # best effort: the item is accepted whatever happens here
            logger.warning("structure not updated", extra={"hook_id": hook_id, "error": f"{type(error).__name__}: {error}"})

    def _learn(self, hook_id: str, data: Any) -> None:
        structure = self.current(hook_id) or Structure(hook_id)
        for _ in range(2):
            base = None if structure.redetermine else structure.schema
            schema = learn(base, data)
            if schema is structure.schema and not structure.redetermine:
                return  # nothing new: no write
            changed = replace(structure, schema=schema, redetermine=False, updated_at=iso(self._clock()))
            if len(_encoded(changed.schema)) > MAX_SCHEMA_BYTES:
                logger.warning("structure too large to store", extra={"hook_id": hook_id})
                return
            try:
                saved = self._store.save(changed, structure.version)
            except ConditionFailed:
                structure = self._store.get(hook_id) or Structure(hook_id)
                self._remember(hook_id, structure)
                continue
            self._remember(hook_id, saved)
            return
        logger.info("structure changed by another writer twice; this item was not learned",
                    extra={"hook_id": hook_id})


def _encoded(schema: Any) -> bytes:
    return json.dumps(schema, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
