"""In-memory twins of the ports: same behaviour as the AWS adapters, no I/O.

Used by unit tests, benchmarks and the contract suite (which runs every test on both).
"""
from __future__ import annotations

import builtins

import threading
from dataclasses import replace
from typing import Sequence

from chalicelib.core.hooks import Hook
from chalicelib.core.items import (DELIVERING, IN_FLIGHT_STATUSES, PENDING_STATUSES, QUEUED, RETRYING, Attempt,
                                   LogEntry, counter_deltas, status_class)
from chalicelib.core.ports import ClaimResult, QueueCounter, QueueMessage, QueueRow
from chalicelib.core.structures import Structure
from chalicelib.errors import ConditionFailed, Conflict, QueueFull, Transient


class InMemoryHookStore:
    def __init__(self) -> None:
        self._hooks: dict[str, Hook] = {}
        self._retired: set[str] = set()
        self._lock = threading.Lock()

    def create(self, hook: Hook) -> None:
        with self._lock:
            if any(h.name == hook.name for h in self._hooks.values()):
                raise Conflict(f"a hook named {hook.name!r} exists", "name_taken")
            if any(h.token == hook.token for h in self._hooks.values()) or hook.token in self._retired:
                raise Conflict("token collision", "token_taken")
            self._hooks[hook.id] = hook

    def get(self, hook_id: str) -> Hook | None:
        return self._hooks.get(hook_id)

    def by_name(self, name: str) -> Hook | None:
        return next((h for h in self._hooks.values() if h.name == name), None)

    def by_token(self, token: str) -> Hook | None:
        return next((h for h in self._hooks.values() if h.token == token), None)

    def is_retired_token(self, token: str) -> bool:
        return token in self._retired

    def list(self) -> list[Hook]:
        return sorted(self._hooks.values(), key=lambda h: h.name)

    def update(self, old: Hook, new: Hook) -> None:
        with self._lock:
            if self._hooks.get(old.id) != old:
                raise ConditionFailed("hook changed meanwhile")
            if new.name != old.name and any(h.name == new.name for h in self._hooks.values()):
                raise Conflict(f"a hook named {new.name!r} exists", "name_taken")
            if new.token != old.token:
                self._retired.add(old.token)
            self._hooks[new.id] = new

    def delete(self, hook: Hook) -> None:
        with self._lock:
            self._hooks.pop(hook.id, None)
            self._retired.add(hook.token)


class InMemoryItemLog:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], LogEntry] = {}
        self._counters: dict[str, QueueCounter] = {}
        self._keys: dict[tuple[str, str], tuple[str, int]] = {}  # (hook, key) → (item id, expires_at)
        self._lock = threading.RLock()

    def _count(self, hook_id: str, count: int, parked: int, **changes: object) -> None:
        old = self._counters.get(hook_id, QueueCounter(hook_id))
        self._counters[hook_id] = replace(old, count=old.count + count, parked=old.parked + parked,
                                          **changes)  # type: ignore[arg-type]

    def put_unique(self, entry: LogEntry, key: str, now: float, limit: int | None = None) -> str | None:
        with self._lock:
            taken = self._keys.get((entry.hook_id, key))
            if taken is not None and taken[1] > now:
                return taken[0]
            self.put(entry, limit)
            self._keys[(entry.hook_id, key)] = (entry.item_id, entry.expires_at)
            return None

    def put(self, entry: LogEntry, limit: int | None = None) -> None:
        with self._lock:
            key = (entry.hook_id, entry.item_id)
            if key in self._entries:
                raise ConditionFailed(f"item {entry.item_id} exists")
            if entry.pending:
                counted = self._counters.get(entry.hook_id, QueueCounter(entry.hook_id)).count
                if limit is not None and counted >= limit:
                    raise QueueFull(f"the queue holds its limit of {limit} items; retry later")
                self._count(entry.hook_id, 1, int(status_class(entry.status) == "parked"),
                            last_item_at=entry.received_at)
            self._entries[key] = entry

    def get(self, hook_id: str, item_id: str, now: float) -> LogEntry | None:
        entry = self._entries.get((hook_id, item_id))
        return entry if entry is not None and entry.expires_at > now else None

    def list(self, hook_id: str, now: float, limit: int = 50, status: str | None = None) -> list[LogEntry]:
        rows = [e for (h, _), e in self._entries.items()
                if h == hook_id and e.expires_at > now and (status is None or e.status == status)]
        return sorted(rows, key=lambda e: e.item_id, reverse=True)[:limit]

    def pending_in_lane(self, hook_id: str, lane: str, now: float, limit: int = 10) -> builtins.list[str]:
        rows = [e.item_id for (h, _), e in self._entries.items()
                if h == hook_id and e.lane == lane and e.status in IN_FLIGHT_STATUSES and e.expires_at > now]
        return sorted(rows)[:limit]

    def claim(self, hook_id: str, item_id: str, claim_id: str, now: float, until: float) -> ClaimResult:
        with self._lock:
            entry = self._entries.get((hook_id, item_id))
            if entry is None or entry.expires_at <= now:
                return ClaimResult(None, None)
            claimable = (entry.status == QUEUED
                         or (entry.status == RETRYING and entry.next_attempt_at <= now)
                         or (entry.status == DELIVERING and entry.claim_until < now))
            if not claimable:
                return ClaimResult(None, entry)
            claimed = replace(entry, status=DELIVERING, claim_id=claim_id, claim_until=until)
            self._entries[(hook_id, item_id)] = claimed
            return ClaimResult(claimed)

    def finish(self, entry: LogEntry, attempt: Attempt, status: str, next_attempt_at: float = 0.0) -> None:
        with self._lock:
            key = (entry.hook_id, entry.item_id)
            stored = self._entries.get(key)
            if stored is None or stored.claim_id != entry.claim_id or stored.status != DELIVERING:
                raise ConditionFailed(f"item {entry.item_id} is no longer claimed by this delivery")
            self._entries[key] = replace(stored, status=status, attempts=[*stored.attempts, attempt],
                                         next_attempt_at=next_attempt_at, claim_id="", claim_until=0.0)
            self._count(entry.hook_id, *counter_deltas(DELIVERING, status))

    def transition(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str,
                   reason: str = "", response_status: int | None = None) -> bool:
        return self.move(hook_id, item_id, expected, status, 0.0, reason=reason, response_status=response_status)

    def move(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str, now: float, *,
             reason: str = "", response_status: int | None = None, attempt_base: int | None = None,
             scenario_override: str | None = None, lane: str = "") -> bool:
        assert len({status_class(s) for s in expected}) == 1, "expected statuses must share a class"
        with self._lock:
            key = (hook_id, item_id)
            stored = self._entries.get(key)
            if stored is None or stored.status not in expected:
                return False
            changes: dict[str, object] = {"status": status}
            if reason:
                changes["reason"] = reason
            if response_status is not None:
                changes["response_status"] = response_status
            if status == QUEUED:
                changes.update(queued_at=now, sweeps=0)
            if attempt_base is not None:
                changes["attempt_base"] = attempt_base
            if scenario_override is not None:
                changes["scenario_override"] = scenario_override
            self._entries[key] = replace(stored, **changes)  # type: ignore[arg-type]
            self._count(hook_id, *counter_deltas(stored.status, status))
            return True

    def pending(self, hook_id: str, now: float, *, statuses: tuple[str, ...] | None = None,
                received_before: str | None = None, limit: int = 100,
                include_expired: bool = False) -> builtins.list[QueueRow]:
        rows = sorted((e for (h, _), e in self._entries.items()
                       if h == hook_id and e.status in PENDING_STATUSES
                       and (statuses is None or e.status in statuses)
                       and (received_before is None or e.item_id < received_before)
                       and (include_expired or e.expires_at > now)), key=lambda e: e.item_id)
        return [QueueRow(e.item_id, e.status, e.lane, e.queued_at, e.claim_until, e.next_attempt_at,
                         e.expires_at, len(e.attempts), e.sweeps) for e in rows[:limit]]

    def touch(self, hook_id: str, item_id: str, status: str, now: float) -> bool:
        with self._lock:
            stored = self._entries.get((hook_id, item_id))
            if stored is None or stored.status != status:
                return False
            self._entries[(hook_id, item_id)] = replace(stored, queued_at=now, sweeps=stored.sweeps + 1)
            return True

    def counters(self) -> builtins.list[QueueCounter]:
        return sorted(self._counters.values(), key=lambda c: c.hook_id)

    def counter(self, hook_id: str) -> QueueCounter:
        return self._counters.get(hook_id, QueueCounter(hook_id))

    def claim_run(self, hook_id: str, run_time: float) -> bool:
        with self._lock:
            old = self._counters.get(hook_id, QueueCounter(hook_id))
            if old.last_run >= run_time:
                return False
            self._counters[hook_id] = replace(old, last_run=run_time)
            return True

    def drop_counter(self, hook_id: str) -> None:
        with self._lock:
            self._counters.pop(hook_id, None)


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, content: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = bytes(content)

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise KeyError(f"no blob {key}") from None


class InMemoryQueue:
    """Records what was sent, acknowledged and delayed; delivery is driven by the test.
    `fail_sends` makes the next N sends raise `Transient` (a queue outage)."""

    def __init__(self) -> None:
        self.sent: list[tuple[QueueMessage, bool, str, str]] = []
        self.deleted: list[str] = []
        self.delayed: list[tuple[str, int]] = []
        self.fail_sends = 0

    def send(self, message: QueueMessage, sequential: bool, group: str = "", dedup_suffix: str = "") -> None:
        if self.fail_sends > 0:
            self.fail_sends -= 1
            raise Transient("queue unavailable (test)")
        self.sent.append((message, sequential, group, dedup_suffix))

    def delete(self, sequential: bool, receipt_handles: Sequence[str]) -> None:
        self.deleted.extend(receipt_handles)

    def delay(self, sequential: bool, receipt_handle: str, seconds: int) -> None:
        self.delayed.append((receipt_handle, seconds))


class InMemorySecretStore:
    def __init__(self) -> None:
        self._values: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_all(self, hook_id: str) -> dict[str, str]:
        self.reads += 1
        return {name: value for (hook, name), value in self._values.items() if hook == hook_id}

    def names(self, hook_id: str) -> "builtins.list[str]":
        return sorted(name for hook, name in self._values if hook == hook_id)

    def put(self, hook_id: str, name: str, value: str) -> None:
        self._values[(hook_id, name)] = value

    def delete(self, hook_id: str, name: str) -> bool:
        return self._values.pop((hook_id, name), None) is not None


class InMemoryStructureStore:
    def __init__(self) -> None:
        self._records: dict[str, Structure] = {}
        self._lock = threading.Lock()
        self.reads = 0
        self.writes = 0

    def get(self, hook_id: str) -> Structure | None:
        self.reads += 1
        return self._records.get(hook_id)

    def save(self, structure: Structure, expected_version: int) -> Structure:
        with self._lock:
            stored = self._records.get(structure.hook_id)
            if (stored.version if stored is not None else 0) != expected_version:
                raise ConditionFailed(f"structure of {structure.hook_id} changed meanwhile")
            saved = replace(structure, version=expected_version + 1)
            self._records[structure.hook_id] = saved
            self.writes += 1
            return saved

    def delete(self, hook_id: str) -> None:
        with self._lock:
            self._records.pop(hook_id, None)


class RecordingUrlFetcher:
    """Answers `status` to every URL and remembers them; `fail` makes it unreachable."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.fail = False
        self.fetched: list[str] = []

    def fetch(self, url: str) -> int:
        self.fetched.append(url)
        if self.fail:
            raise Transient("unreachable")
        return self.status
