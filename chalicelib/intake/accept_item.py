"""Accept or reject one arrival for a hook. Shared by webhooks and mailhooks.

Order matters (ingest fast, deliver later): large bytes go to the blob store, then the log
entry is written, then the delivery message is sent. Only a written entry is acknowledged to
the sender; a failure before that answers 503 so the sender retries.

AWS calls on the hot path: one `TransactWriteItems` (the entry and the hook's queue count, with
the queue limit as its condition) and one `SendMessage`; plus one `PutObject` per body over the
inline limit and per file, and one hook read when the hook cache is cold. A paused or interval
hook's item is stored `held` or `waiting` and sent later by a release (one call). The write is
the commit point: if the send fails afterwards the item is still accepted (200), and the
sweeper (`chalicelib.queueing.sweep`) sends it once it is `sweep_after` seconds old.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.clock import Clock, iso
from chalicelib.core.hooks import Hook
from chalicelib.core.items import HELD, QUEUED, REJECTED, WAITING, LogEntry, RawInput
from chalicelib.core.ports import BlobStore, DeliveryQueue, ItemLog, QueueMessage
from chalicelib.errors import InletError, QueueFull
from chalicelib.observability import logger, metrics_count
from chalicelib.queueing.lanes import lane_for

DATA_INLINE_LIMIT = 128 * 1024
SEQUENTIAL_DEFAULT_LANE = "-"


@dataclass(frozen=True)
class Arrival:
    """Something that reached a hook, before it is stored."""

    item_id: str
    received: float
    body: bytes
    raw: RawInput
    data: Any = None
    meta: dict[str, Any] | None = None
    files: tuple["StoredFile", ...] = ()
    lane: str = ""
    channel: str = "webhook"


@dataclass(frozen=True)
class Duplicate:
    """A resent request: `item_id` is the first item with the same idempotency key."""

    item_id: str


@dataclass(frozen=True)
class StoredFile:
    """An attachment to keep in the blob store, with its description for the item."""

    content: bytes
    content_type: str
    filename: str | None = None
    field: str | None = None
    extra: dict[str, Any] | None = None
    name: str | None = None  # key below the item's prefix; default files/<n>


def blob_prefix(hook: Hook, item_id: str) -> str:
    """Keys carry the retention so one bucket lifecycle rule per retention expires them."""
    return f"logs/{hook.retention_days:02d}d/{hook.id}/{item_id}"


class ItemIntake:
    def __init__(self, log: ItemLog, blobs: BlobStore, queue: DeliveryQueue, clock: Clock,
                 inline_body_limit: int) -> None:
        self._log = log
        self._blobs = blobs
        self._queue = queue
        self._clock = clock
        self._inline_limit = inline_body_limit

    def _raw_with_body(self, hook: Hook, arrival: Arrival) -> RawInput:
        raw = replace(arrival.raw, size=len(arrival.body), sha256=hashlib.sha256(arrival.body).hexdigest())
        if len(arrival.body) <= self._inline_limit:
            return replace(raw, body=arrival.body, body_key=None)
        key = f"{blob_prefix(hook, arrival.item_id)}/raw"
        self._blobs.put(key, arrival.body, raw.content_type or "application/octet-stream")
        return replace(raw, body=None, body_key=key)

    def _entry(self, hook: Hook, arrival: Arrival, status: str, **fields: Any) -> LogEntry:
        return LogEntry(
            hook_id=hook.id, item_id=arrival.item_id, received_at=iso(arrival.received),
            expires_at=int(arrival.received) + hook.retention_days * 86400, status=status,
            channel=arrival.channel, lane=arrival.lane, raw=self._raw_with_body(hook, arrival),
            meta=arrival.meta or {}, **fields)

    def _data_fields(self, hook: Hook, arrival: Arrival) -> dict[str, Any]:
        """Parsed data inline, or in the blob store when too large for a table item. Data is
        never much larger than the body it came from, so small bodies skip the measurement."""
        if len(arrival.body) < DATA_INLINE_LIMIT // 4 and not arrival.files:
            return {"data": arrival.data}
        encoded = json.dumps(arrival.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(encoded) <= DATA_INLINE_LIMIT:
            return {"data": arrival.data}
        key = f"{blob_prefix(hook, arrival.item_id)}/data.json"
        self._blobs.put(key, encoded, "application/json")
        return {"data": None, "data_key": key}

    def accept(self, hook: Hook, arrival: Arrival) -> LogEntry:
        """Store and enqueue; raise `Transient` if the item could not be made durable, or
        `QueueFull` (logged as rejected) if the hook's queue is at its limit."""
        entry = self._pending_entry(hook, arrival)
        try:
            self._log.put(entry, limit=hook.queue_limit)
        except QueueFull as full:
            self._refuse_full(hook, arrival, full)
            raise
        self._release_now(hook, entry)
        metrics_count("ItemsReceived")
        return entry

    def accept_once(self, hook: Hook, arrival: Arrival, idempotency_key: str) -> LogEntry | Duplicate:
        """`accept`, unless the hook already holds an unexpired item with this idempotency
        key: then nothing is stored or queued and the first item's id is returned."""
        entry = self._pending_entry(hook, arrival)
        try:
            first = self._log.put_unique(entry, idempotency_key, self._clock(), limit=hook.queue_limit)
        except QueueFull as full:
            self._refuse_full(hook, arrival, full)
            raise
        if first is not None:
            return Duplicate(first)
        self._release_now(hook, entry)
        metrics_count("ItemsReceived")
        return entry

    def _pending_entry(self, hook: Hook, arrival: Arrival) -> LogEntry:
        """The entry as stored: in its lane, and held (paused hook), waiting (interval
        trigger) or queued."""
        if hook.sequential and not arrival.lane:
            lane = lane_for(hook.order_by, arrival.data, arrival.raw.headers, arrival.meta) if hook.order_by else ""
            arrival = replace(arrival, lane=lane or SEQUENTIAL_DEFAULT_LANE)
        status = HELD if hook.paused else WAITING if hook.interval else QUEUED
        return self._entry(hook, arrival, status, queued_at=arrival.received,
                           attachments=self._store_files(hook, arrival), **self._data_fields(hook, arrival))

    def _refuse_full(self, hook: Hook, arrival: Arrival, full: QueueFull) -> None:
        self.reject(hook, arrival, full.status, f"queue full: {hook.queue_limit} items are waiting")

    def _release_now(self, hook: Hook, entry: LogEntry) -> None:
        """Only queued items get a delivery message now; held and waiting ones get theirs
        when released."""
        if entry.status == QUEUED:
            self._enqueue(hook, entry)

    def _store_files(self, hook: Hook, arrival: Arrival) -> list[dict[str, Any]]:
        described = []
        for number, file in enumerate(arrival.files, start=1):
            key = f"{blob_prefix(hook, arrival.item_id)}/{file.name or f'files/{number}'}"
            self._blobs.put(key, file.content, file.content_type)
            described.append({
                "key": key, "field": file.field, "filename": file.filename,
                "content_type": file.content_type, "size": len(file.content),
                "sha256": hashlib.sha256(file.content).hexdigest(), **(file.extra or {})})
        return described

    def _enqueue(self, hook: Hook, entry: LogEntry) -> None:
        message = QueueMessage(hook.id, entry.item_id, entry.lane)
        try:
            self._queue.send(message, hook.sequential, group=f"{hook.id}#{entry.lane}")
        except InletError as error:
            metrics_count("EnqueueFailed")
            logger.error("queue send failed; item stored and accepted, the sweeper will send it", extra={
                "item_id": entry.item_id, "hook_id": hook.id, "error": str(error)})

    def reject(self, hook: Hook, arrival: Arrival, status: int, reason: str) -> None:
        """Log a refused arrival; never raises (the sender gets its answer regardless)."""
        metrics_count("ItemsRejected")
        self.record(hook, arrival, REJECTED, reason, status)

    def record(self, hook: Hook, arrival: Arrival, status: str, reason: str, response_status: int,
               keep_files: bool = False) -> None:
        """Log an arrival that is not queued (rejected, handshake, duplicate, quarantined) with
        the answer it got; `keep_files` stores its attachments so it can be replayed; never raises."""
        try:
            files = self._store_files(hook, arrival) if keep_files else []
            self._log.put(self._entry(hook, arrival, status, reason=reason, response_status=response_status,
                                      attachments=files, **self._data_fields(hook, arrival)))
        except InletError as error:
            logger.error("could not log a request", extra={"hook_id": hook.id, "status": status,
                                                          "error": str(error)})
