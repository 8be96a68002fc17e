"""Use cases behind `inlet hooks pause|resume`, `inlet queue` and `inlet logs replay`.

- Pause/resume: a paused hook still answers (200, `held`) and keeps its items; deliveries
  already queued are parked as they come up. Resume releases held items oldest first (a batch
  at once, the rest on the next ticks); an interval hook's items wait for its runs instead.
- Queue: the unfinished items with the exact count against the limit; delete one, purge,
  release parked items now. Deleted items stay in the log as `deleted` (replayable).
- Replay: a new attempt on the same item (a fresh set of `max_attempts`), to the hook's
  scenario or another one for this replay only. Replays are not refused by the queue limit:
  they are the user's explicit choice, and they count while unfinished.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from chalicelib.clock import Clock, iso
from chalicelib.core.hooks import Hook
from chalicelib.core.items import (DELETED, DELIVERED, DELIVERING, FAILED, HALTED, PARKED_STATUSES, QUARANTINED, QUEUED,
                                   RETRYING, LogEntry)
from chalicelib.core.ports import HookStore, ItemLog
from chalicelib.errors import Conflict, Invalid, NotFound
from chalicelib.ids import item_id_time
from chalicelib.queueing.release import Releaser, Sender

RESUME_BATCH = 200
PURGE_BATCH = 500
RELEASE_BATCH = 500
MAX_LIST = 500
MAX_REPLAY = 500
REPLAYABLE = (DELIVERED, FAILED, HALTED, DELETED, QUARANTINED)
_ITEM_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def is_item_id(text: str) -> bool:
    return bool(_ITEM_ID.match(text))


def parse_since(text: str, now: float) -> float:
    """`--since`: an ISO 8601 time (UTC unless it says otherwise) or an age such as 30m, 2h, 3d."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        return now - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"since must be an ISO 8601 time or an age such as 2h, got {text!r}", "invalid_since") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class QueueControl:
    def __init__(self, log: ItemLog, hooks: HookStore, releaser: Releaser, sender: Sender, clock: Clock,
                 set_state: Callable[[str, str], Hook]) -> None:
        self._log = log
        self._hooks = hooks
        self._releaser = releaser
        self._sender = sender
        self._clock = clock
        self._set_state = set_state

    # ---- pause and resume -------------------------------------------------------------

    def pause(self, hook: Hook) -> dict[str, Any]:
        paused = self._set_state(hook.id, "paused") if not hook.paused else hook
        return {"hook": paused, "queue": self.counts(paused)}

    def resume(self, hook: Hook) -> dict[str, Any]:
        resumed = self._set_state(hook.id, "active") if hook.paused else hook
        released = 0 if resumed.interval else self._releaser.release(resumed, RESUME_BATCH)
        return {"hook": resumed, "released": released, "queue": self.counts(resumed)}

    # ---- the queue --------------------------------------------------------------------

    def counts(self, hook: Hook) -> dict[str, Any]:
        counter = self._log.counter(hook.id)
        return {"count": counter.count, "limit": hook.queue_limit, "parked": counter.parked,
                "last_item_at": counter.last_item_at or None}

    def annotate(self, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add each hook's queue count, limit and last item time (one query for all hooks)."""
        counters = {c.hook_id: c for c in self._log.counters()}
        for view in views:
            counter = counters.get(view["id"])
            view["queue"] = {"count": counter.count if counter else 0, "limit": view.get("queue_limit"),
                             "parked": counter.parked if counter else 0,
                             "last_item_at": (counter.last_item_at or None) if counter else None}
        return views

    def view(self, hook: Hook, limit: int = 50) -> dict[str, Any]:
        if not 1 <= limit <= MAX_LIST:
            raise Invalid(f"limit must be between 1 and {MAX_LIST}", "invalid_limit")
        rows = self._log.pending(hook.id, self._clock(), limit=limit)
        return {"hook": hook.id, "name": hook.name, "state": hook.state, **self.counts(hook),
                "items": [{"id": row.item_id, "received_at": iso(item_id_time(row.item_id)), "status": row.status,
                           "attempts": row.attempts, **({"lane": row.lane} if row.lane else {})} for row in rows]}

    def delete(self, hook: Hook, item_id: str) -> dict[str, Any]:
        entry = self._entry(hook, item_id)
        if entry.status == DELIVERING:
            raise Conflict(f"item {item_id} is being delivered right now; try again in a moment", "item_busy")
        if not entry.pending:
            raise Conflict(f"item {item_id} is {entry.status}, not in the queue", "not_in_queue")
        if not self._log.move(hook.id, item_id, (entry.status,), DELETED, self._clock(),
                              reason=f"deleted from the queue (was {entry.status})"):
            raise Conflict(f"item {item_id} changed meanwhile; try again", "conflict")
        if entry.status == HALTED:
            self._releaser.wake_lane(hook, entry.lane)
        return {"deleted": item_id, "was": entry.status}

    def purge(self, hook: Hook) -> dict[str, Any]:
        """Delete up to a batch of unfinished items (not those being delivered this moment)."""
        now = self._clock()
        rows = self._log.pending(hook.id, now, limit=PURGE_BATCH,
                                 statuses=PARKED_STATUSES + (QUEUED, RETRYING, HALTED))
        purged = sum(self._log.move(hook.id, row.item_id, (row.status,), DELETED, now,
                                    reason=f"purged from the queue (was {row.status})") for row in rows)
        return {"purged": purged, "more": len(rows) == PURGE_BATCH, "queue": self.counts(hook)}

    def release(self, hook: Hook) -> dict[str, Any]:
        if hook.paused:
            raise Conflict(f"hook {hook.name!r} is paused; resume it to release its items", "hook_paused")
        released = self._releaser.release(hook, RELEASE_BATCH)
        return {"released": released, "more": released == RELEASE_BATCH, "queue": self.counts(hook)}

    # ---- replay -----------------------------------------------------------------------

    def replay(self, hook: Hook, item_ids: list[str], scenario: str | None = None) -> dict[str, Any]:
        entries: list[LogEntry] = []
        skipped: list[dict[str, str]] = []
        for item_id in item_ids:
            entry = self._log.get(hook.id, item_id, self._clock()) if is_item_id(item_id) else None
            if entry is None:
                skipped.append({"id": item_id, "reason": "no such item (it may have expired)"})
            else:
                entries.append(entry)
        return self._replay_entries(hook, entries, scenario, skipped)

    def replay_matching(self, hook: Hook, status: str | None, since: str | None, limit: int,
                        scenario: str | None = None) -> dict[str, Any]:
        if not 1 <= limit <= MAX_REPLAY:
            raise Invalid(f"limit must be between 1 and {MAX_REPLAY}", "invalid_limit")
        if status is not None and status not in REPLAYABLE:
            raise Invalid(f"status must be one of {', '.join(REPLAYABLE)}", "invalid_status")
        now = self._clock()
        after = parse_since(since, now) if since else 0.0
        entries = [e for e in self._log.list(hook.id, now, MAX_REPLAY * 2, status)
                   if e.status in REPLAYABLE and item_id_time(e.item_id) >= after]
        entries = sorted(entries, key=lambda e: e.item_id)[:limit]
        return self._replay_entries(hook, entries, scenario, [])

    def replay_anywhere(self, item_ids: list[str], scenario: str | None = None) -> dict[str, Any]:
        """Replay items given by id alone: each is looked up in every hook's log."""
        hooks = self._hooks.list()
        results: dict[str, Any] = {"replayed": [], "skipped": []}
        now = self._clock()
        for item_id in item_ids:
            found = next(((h, e) for h in hooks if is_item_id(item_id)
                          for e in [self._log.get(h.id, item_id, now)] if e is not None), None)
            if found is None:
                results["skipped"].append({"id": item_id, "reason": "no such item (it may have expired)"})
                continue
            one = self._replay_entries(found[0], [found[1]], scenario, [])
            results["replayed"] += one["replayed"]
            results["skipped"] += one["skipped"]
        return results

    def _replay_entries(self, hook: Hook, entries: list[LogEntry], scenario: str | None,
                        skipped: list[dict[str, str]]) -> dict[str, Any]:
        if scenario is not None and not scenario.strip():
            raise Invalid("scenario must name a registered function or an http(s):// URL", "invalid_scenario")
        now = self._clock()
        replayed: list[dict[str, str]] = []
        halted_lanes: set[str] = set()
        for entry in sorted(entries, key=lambda e: e.item_id):
            if entry.status not in REPLAYABLE:
                why = "was never accepted" if entry.status == "rejected" else "is still in the queue"
                skipped.append({"id": entry.item_id, "reason": f"item is {entry.status}: it {why}"})
                continue
            if not self._log.move(hook.id, entry.item_id, (entry.status,), QUEUED, now,
                                  attempt_base=len(entry.attempts), scenario_override=scenario or "",
                                  lane=entry.lane):
                skipped.append({"id": entry.item_id, "reason": "item changed meanwhile; try again"})
                continue
            self._sender.send(hook, entry.item_id, entry.lane, "replay")
            if entry.status == HALTED:
                halted_lanes.add(entry.lane)
            replayed.append({"id": entry.item_id, "hook": hook.id, "was": entry.status,
                             "scenario": scenario or hook.scenario})
        for lane in halted_lanes:
            self._releaser.wake_lane(hook, lane)
        return {"replayed": replayed, "skipped": skipped}

    def _entry(self, hook: Hook, item_id: str) -> LogEntry:
        entry = self._log.get(hook.id, item_id, self._clock()) if is_item_id(item_id) else None
        if entry is None:
            raise NotFound(f"no item {item_id!r} for hook {hook.name!r} (it may have expired)", "unknown_item")
        return entry


_REPLAY_FIELDS: dict[str, type] = {"items": list, "status": str, "since": str, "limit": int, "scenario": str}


def replay_request(control: QueueControl, hook: Hook | None, body: dict[str, Any]) -> dict[str, Any]:
    """The replay API: `{"items": [ids]}` or `{"status", "since", "limit"}`, with an optional
    `scenario`. Without a hook, only `items` (looked up in every hook's log)."""
    for key, value in body.items():
        expected = _REPLAY_FIELDS.get(key)
        if expected is None:
            raise Invalid(f"unknown field {key!r}; replay takes {', '.join(_REPLAY_FIELDS)}", "unknown_field")
        if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
            raise Invalid(f"field {key!r} must be a {expected.__name__}", "invalid_field")
    items = body.get("items")
    if items is not None and not all(isinstance(i, str) for i in items):
        raise Invalid("items must be a list of item ids", "invalid_field")
    scenario = body.get("scenario")
    if hook is None:
        if not items:
            raise Invalid("give the item ids to replay (or replay through a hook with a status filter)",
                          "missing_field")
        return control.replay_anywhere(items, scenario)
    if items:
        if any(k in body for k in ("status", "since")):
            raise Invalid("give either items or a status/since filter, not both", "invalid_field")
        return control.replay(hook, items, scenario)
    if "status" not in body and "since" not in body:
        raise Invalid("give items, or a status and/or since filter", "missing_field")
    return control.replay_matching(hook, body.get("status"), body.get("since"), body.get("limit", 100), scenario)
