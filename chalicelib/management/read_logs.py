"""Use cases: list a hook's log entries (newest first) and show one in full."""
from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import EXPIRED, PENDING_STATUSES, TERMINAL_STATUSES, LogEntry
from chalicelib.core.ports import BlobStore, ItemLog
from chalicelib.errors import Invalid, NotFound

MAX_LIMIT = 500
LISTED_STATUSES = tuple(s for s in (*PENDING_STATUSES, *TERMINAL_STATUSES) if s != EXPIRED)


class LogReader:
    def __init__(self, log: ItemLog, blobs: BlobStore, clock: Clock) -> None:
        self._log = log
        self._blobs = blobs
        self._clock = clock

    def list(self, hook: Hook, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        if not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", "invalid_limit")
        if status is not None and status not in LISTED_STATUSES:
            raise Invalid(f"status must be one of {', '.join(LISTED_STATUSES)}", "invalid_status")
        return [self._summary(e) for e in self._log.list(hook.id, self._clock(), limit, status)]

    def show(self, hook: Hook, item_id: str) -> dict[str, Any]:
        entry = self._log.get(hook.id, item_id, self._clock())
        if entry is None:
            raise NotFound(f"no log entry {item_id!r} for hook {hook.name!r} (it may have expired)",
                           "unknown_item")
        shown = self._summary(entry)
        shown["raw"] = self._raw(entry)
        return shown

    def _data(self, entry: LogEntry) -> Any:
        if entry.data_key is None:
            return entry.data
        try:
            return json.loads(self._blobs.get(entry.data_key))
        except KeyError:
            return None

    def _summary(self, entry: LogEntry) -> dict[str, Any]:
        return {
            "id": entry.item_id, "hook_id": entry.hook_id, "received_at": entry.received_at,
            "status": entry.status, "channel": entry.channel, "data": self._data(entry),
            "meta": entry.meta, "attachments": entry.attachments,
            "attempts": [a.to_dict() for a in entry.attempts],
            **({"reason": entry.reason, "response_status": entry.response_status} if entry.reason else {}),
        }

    def _raw(self, entry: LogEntry) -> dict[str, Any] | None:
        raw = entry.raw
        if raw is None:
            return None
        body = raw.body
        if body is None and raw.body_key:
            try:
                body = self._blobs.get(raw.body_key)
            except KeyError:
                body = None
        shown: dict[str, Any] = {
            "method": raw.method, "content_type": raw.content_type, "size": raw.size, "sha256": raw.sha256,
            "headers": [list(p) for p in raw.headers], "query": [list(p) for p in raw.query],
            "source_ip": raw.source_ip}
        if body is not None:
            try:
                shown["body_text"] = body.decode("utf-8")
            except UnicodeDecodeError:
                shown["body_base64"] = base64.b64encode(body).decode()
        return shown
