"""Ports: the narrow interfaces the use cases need from storage and queues.

Each has an in-memory twin (`chalicelib.twins`) and an AWS adapter (`chalicelib.adapters`);
one contract suite in `tests/contract` runs against both.
"""
from __future__ import annotations

import builtins

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from chalicelib.core.hooks import Hook
from chalicelib.core.items import Attempt, LogEntry
from chalicelib.core.structures import Structure


class HookStore(Protocol):
    def create(self, hook: Hook) -> None:
        """Store a new hook; raise `Conflict` if its name or token is taken."""

    def get(self, hook_id: str) -> Hook | None: ...

    def by_name(self, name: str) -> Hook | None: ...

    def by_token(self, token: str) -> Hook | None:
        """The live hook for a token, or None."""

    def is_retired_token(self, token: str) -> bool:
        """True if the token belonged to a hook that was deleted (answer 410, not 404)."""

    def list(self) -> list[Hook]: ...

    def update(self, old: Hook, new: Hook) -> None:
        """Replace `old` by `new` (same id); raise `Conflict` on a taken name."""

    def delete(self, hook: Hook) -> None: ...


@dataclass(frozen=True)
class ClaimResult:
    """What a claim attempt found: the claimed entry, or why not."""

    entry: LogEntry | None
    current: LogEntry | None = None  # the entry as stored when the claim lost (None: gone)

    @property
    def claimed(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True)
class QueueRow:
    """An unfinished item as the queue (the `pending` index) shows it: enough to list, release,
    sweep or expire it without reading the whole entry."""

    item_id: str
    status: str
    lane: str = ""
    queued_at: float = 0.0
    claim_until: float = 0.0
    next_attempt_at: float = 0.0
    expires_at: int = 0
    attempts: int = 0
    sweeps: int = 0


@dataclass(frozen=True)
class QueueCounter:
    """A hook's queue record: `count` unfinished items (the number held against the queue limit),
    of which `parked` wait for a release; when the last item arrived; the last interval run."""

    hook_id: str
    count: int = 0
    parked: int = 0
    last_item_at: str = ""
    last_run: float = 0.0

    @property
    def in_flight(self) -> int:
        return self.count - self.parked


class ItemLog(Protocol):
    """The log, and with it each hook's queue count. Every write that moves an entry into or out
    of the unfinished statuses updates the count in the same atomic step, so the count is exact
    under any concurrency (see `counter_deltas`)."""

    def put(self, entry: LogEntry, limit: int | None = None) -> None:
        """Store a new log entry (an item id is written once). A pending entry is counted; with
        `limit`, raise `QueueFull` instead when the hook already has that many."""

    def get(self, hook_id: str, item_id: str, now: float) -> LogEntry | None:
        """The entry, or None if absent or expired (expired entries are never shown)."""

    def list(self, hook_id: str, now: float, limit: int = 50, status: str | None = None) -> list[LogEntry]:
        """Unexpired entries of a hook, newest first."""

    def pending_in_lane(self, hook_id: str, lane: str, now: float, limit: int = 10) -> builtins.list[str]:
        """Ids of the oldest not-yet-finished items of a sequential lane, oldest first."""

    def claim(self, hook_id: str, item_id: str, claim_id: str, now: float, until: float) -> ClaimResult:
        """Take an item for delivery if it is queued, due for retry, or its claim has lapsed."""

    def finish(self, entry: LogEntry, attempt: Attempt, status: str, next_attempt_at: float = 0.0) -> None:
        """Record an attempt and the new status; only the claim holder may do this."""

    def transition(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str,
                   reason: str = "", response_status: int | None = None) -> bool:
        """Move an entry from one of `expected` statuses to `status`; False if it was not in one."""

    def put_unique(self, entry: LogEntry, key: str, now: float, limit: int | None = None) -> str | None:
        """Store a new entry unless the hook already has an unexpired one with this
        idempotency key: then store nothing and return that entry's item id. The entry and
        the key's record (which expires with the entry) are written together, atomically."""

    def move(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str, now: float, *,
             reason: str = "", response_status: int | None = None, attempt_base: int | None = None,
             scenario_override: str | None = None, lane: str = "") -> bool:
        """`transition` with queue bookkeeping: moving to `queued` stamps `queued_at`; a replay
        sets `attempt_base` and the scenario override ("" removes it). All `expected` statuses
        must be of one class (parked, in flight or terminal) so the count changes by a known
        amount. `lane` is the item's lane: moving into flight puts it back in its lane."""

    def pending(self, hook_id: str, now: float, *, statuses: tuple[str, ...] | None = None,
                received_before: str | None = None, limit: int = 100,
                include_expired: bool = False) -> builtins.list[QueueRow]:
        """A hook's unfinished items, oldest first (eventually consistent)."""

    def touch(self, hook_id: str, item_id: str, status: str, now: float) -> bool:
        """Record that a delivery message was sent again (the sweeper): `queued_at` = now,
        `sweeps` + 1, if the item still has `status`."""

    def counters(self) -> builtins.list[QueueCounter]:
        """Every hook's queue record (one query)."""

    def counter(self, hook_id: str) -> QueueCounter: ...

    def claim_run(self, hook_id: str, run_time: float) -> bool:
        """Record an interval run; False if that run (or a later one) was claimed already."""

    def drop_counter(self, hook_id: str) -> None:
        """Forget the queue record of a deleted hook."""


class BlobStore(Protocol):
    def put(self, key: str, content: bytes, content_type: str = "application/octet-stream") -> None: ...

    def get(self, key: str) -> bytes: ...


@dataclass(frozen=True)
class QueueMessage:
    """Version 1 of the delivery message. It carries ids only (the item lives in the log), so it
    stays far below the SQS size limit whatever arrived. On FIFO queues the deduplication id is
    the item id: two identical bodies are two items, and one item is enqueued once."""

    hook_id: str
    item_id: str
    lane: str = ""
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"v": self.version, "hook": self.hook_id, "item": self.item_id, "lane": self.lane}

    @classmethod
    def from_json(cls, data: Any) -> "QueueMessage":
        if not isinstance(data, dict) or data.get("v") != 1 or not data.get("hook") or not data.get("item"):
            raise ValueError("not an Inlet v1 delivery message")
        return cls(hook_id=str(data["hook"]), item_id=str(data["item"]), lane=str(data.get("lane", "")))


@dataclass(frozen=True)
class ReceivedMessage:
    """A message as the delivery handler gets it from SQS."""

    message_id: str
    receipt_handle: str
    body: str
    group_id: str = ""
    receive_count: int = 1


class DeliveryQueue(Protocol):
    def send(self, message: QueueMessage, sequential: bool, group: str = "", dedup_suffix: str = "") -> None: ...

    def delete(self, sequential: bool, receipt_handles: Sequence[str]) -> None:
        """Acknowledge messages (used when a batch also holds failures)."""

    def delay(self, sequential: bool, receipt_handle: str, seconds: int) -> None:
        """Make a received message visible again after `seconds` (the retry backoff)."""


class SecretStore(Protocol):
    """A hook's secrets (API keys, signing secrets, passwords) by name, stored encrypted.
    Values are returned only to the ingest; management sees names."""

    def get_all(self, hook_id: str) -> dict[str, str]:
        """Every secret of a hook, name → value (one read, so the ingest makes one call)."""

    def names(self, hook_id: str) -> "builtins.list[str]":
        """The names of a hook's secrets, sorted; values are not read."""

    def put(self, hook_id: str, name: str, value: str) -> None: ...

    def delete(self, hook_id: str, name: str) -> bool:
        """Remove one secret; False if there was none."""


class StructureStore(Protocol):
    """A hook's data structure record, written with a version check."""

    def get(self, hook_id: str) -> Structure | None: ...

    def save(self, structure: Structure, expected_version: int) -> Structure:
        """Store `structure` if the stored version is `expected_version` (0: none stored);
        return it with its new version; raise `ConditionFailed` if another write won."""

    def delete(self, hook_id: str) -> None: ...


class UrlFetcher(Protocol):
    def fetch(self, url: str) -> int:
        """GET `url` (https only) and return the status; raise `Transient` if unreachable."""
