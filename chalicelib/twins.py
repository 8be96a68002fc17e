"""In-memory twins of the ports: same behaviour as the AWS adapters, no I/O.

Used by unit tests, benchmarks and the contract suite (which runs every test on both).
"""
from __future__ import annotations

import builtins

import threading
from dataclasses import replace
from typing import Sequence

from chalicelib.core.hooks import Hook
from chalicelib.core.items import DELIVERING, PENDING_STATUSES, QUEUED, RETRYING, Attempt, LogEntry
from chalicelib.core.ports import ClaimResult, QueueMessage
from chalicelib.errors import ConditionFailed, Conflict


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
        self._lock = threading.Lock()

    def put(self, entry: LogEntry) -> None:
        with self._lock:
            key = (entry.hook_id, entry.item_id)
            if key in self._entries:
                raise ConditionFailed(f"item {entry.item_id} exists")
            self._entries[key] = entry

    def get(self, hook_id: str, item_id: str, now: float) -> LogEntry | None:
        entry = self._entries.get((hook_id, item_id))
        return entry if entry is not None and entry.expires_at > now else None

    def list(self, hook_id: str, now: float, limit: int = 50, status: str | None = None) -> list[LogEntry]:
        rows = [e for (h, _), e in self._entries.items()
                if h == hook_id and e.expires_at > now and (status is None or e.status == status)]
        return sorted(rows, key=lambda e: e.item_id, reverse=True)[:limit]

    def pending_in_lane(self, hook_id: str, lane: str, now: float, limit: int = 10) -> "builtins.list[str]":
        rows = [e.item_id for (h, _), e in self._entries.items()
                if h == hook_id and e.lane == lane and e.status in PENDING_STATUSES and e.expires_at > now]
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


    def transition(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str,
                   reason: str = "", response_status: int | None = None) -> bool:
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
            self._entries[key] = replace(stored, **changes)  # type: ignore[arg-type]
            return True


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
    """Records what was sent, acknowledged and delayed; delivery is driven by the test."""

    def __init__(self) -> None:
        self.sent: list[tuple[QueueMessage, bool, str, str]] = []
        self.deleted: list[str] = []
        self.delayed: list[tuple[str, int]] = []

    def send(self, message: QueueMessage, sequential: bool, group: str = "", dedup_suffix: str = "") -> None:
        self.sent.append((message, sequential, group, dedup_suffix))

    def delete(self, sequential: bool, receipt_handles: Sequence[str]) -> None:
        self.deleted.extend(receipt_handles)

    def delay(self, sequential: bool, receipt_handle: str, seconds: int) -> None:
        self.delayed.append((receipt_handle, seconds))
