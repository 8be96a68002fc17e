"""Use case: a delivery message arrived — claim the item, run its scenario, record the outcome.

Claims are conditional writes, so a duplicated or redelivered message never runs a scenario
twice. On a sequential lane a message is a wake-up for the lane: it delivers the lane's oldest
unfinished item (item ids sort by arrival), so order holds even when messages arrive out of
order (FIFO redelivery after a timeout, a re-sent message) and never depends on SQS alone.
"""
from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.clock import Clock, iso
from chalicelib.core.hooks import Hook
from chalicelib.core.items import DELIVERED, DELIVERING, FAILED, RETRYING, Attempt, LogEntry
from chalicelib.core.ports import BlobStore, ItemLog, QueueMessage
from chalicelib.delivery.backoff import retry_delay
from chalicelib.delivery.run_scenario import ScenarioFailed, run_scenario
from chalicelib.errors import ConditionFailed
from chalicelib.observability import correlate, logger, metrics_count


@dataclass(frozen=True)
class Outcome:
    """What to do with the message: acknowledge it, or make it visible again in `retry_in` s."""

    ack: bool
    retry_in: int = 0
    note: str = ""

    @classmethod
    def done(cls, note: str = "") -> "Outcome":
        return cls(True, 0, note)

    @classmethod
    def later(cls, seconds: float, note: str = "") -> "Outcome":
        return cls(False, max(0, int(seconds + 0.999)), note)


class HookById(Protocol):
    def by_id(self, hook_id: str) -> Hook | None: ...


class ScenarioRunner(Protocol):
    def __call__(self, target: str, item: dict[str, Any], secret: str, now: float, timeout: float) -> None: ...


class Deliverer:
    def __init__(self, hooks: HookById, log: ItemLog, blobs: BlobStore, clock: Clock, *,
                 claim_seconds: int, retry_base: float, retry_cap: float,
                 runner: ScenarioRunner = run_scenario, rng: random.Random | None = None) -> None:
        self._hooks = hooks
        self._log = log
        self._blobs = blobs
        self._clock = clock
        self._claim_seconds = claim_seconds
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._run = runner
        self._rng = rng or random.Random()

    def handle(self, message: QueueMessage, sequential: bool) -> Outcome:
        hook = self._hooks.by_id(message.hook_id)
        if hook is None:
            return Outcome.done("hook deleted; message dropped")
        if sequential:
            return self._next_in_lane(hook, message)
        return self._deliver_one(hook, message.item_id)

    def _next_in_lane(self, hook: Hook, message: QueueMessage) -> Outcome:
        now = self._clock()
        candidates = self._log.pending_in_lane(hook.id, message.lane, now)
        if message.item_id not in candidates:
            candidates.append(message.item_id)
        for item_id in sorted(candidates):
            outcome = self._deliver_one(hook, item_id)
            if outcome.note != "finished before":
                return outcome
        return Outcome.done("lane empty")

    def _deliver_one(self, hook: Hook, item_id: str) -> Outcome:
        now = self._clock()
        claim_id = secrets.token_hex(8)
        result = self._log.claim(hook.id, item_id, claim_id, now, now + self._claim_seconds)
        if result.entry is None:
            return self._not_claimed(result.current, now, hook.sequential)
        return self._attempt(hook, result.entry)

    def _not_claimed(self, current: LogEntry | None, now: float, lane_wake_up: bool) -> Outcome:
        if current is None or not current.pending:
            return Outcome.done("finished before")
        if current.status == RETRYING:
            return Outcome.later(current.next_attempt_at - now, "retry not due yet")
        if current.status == DELIVERING and not lane_wake_up:
            # A duplicate copy of a parallel item's message: the holder's own message stays
            # in the queue until it finishes, so this copy can go.
            return Outcome.done("claimed by another delivery")
        if current.status == DELIVERING:
            # A lane's wake-up is one of exactly as many as the lane has items: never drop it
            # because another delivery (a lapsed claim, two receives of one group) holds the
            # oldest item; come back when that is over.
            return Outcome.later(min(max(current.claim_until - now, 1), 5), "lane busy")
        return Outcome.later(1, f"item is {current.status}")

    def _attempt(self, hook: Hook, entry: LogEntry) -> Outcome:
        correlate(entry.item_id)
        data = entry.data if entry.data_key is None else json.loads(self._blobs.get(entry.data_key))
        item = entry.envelope(hook.name, data)
        started = self._clock()
        began = time.perf_counter()
        error = ""
        try:
            self._run(hook.scenario, item, hook.signing_secret, started, hook.delivery_timeout_seconds)
        except ScenarioFailed as failure:
            error = str(failure)
        attempt = Attempt(number=len(entry.attempts) + 1, started_at=iso(started),
                          duration_ms=int((time.perf_counter() - began) * 1000), ok=not error,
                          error=error, scenario=hook.scenario)
        return self._record(hook, entry, attempt)

    def _record(self, hook: Hook, entry: LogEntry, attempt: Attempt) -> Outcome:
        if attempt.ok:
            status, delay = DELIVERED, 0
        elif attempt.number >= hook.max_attempts:
            status, delay = FAILED, 0
        else:
            status = RETRYING
            delay = retry_delay(attempt.number, self._retry_base, self._retry_cap, self._rng)
        try:
            self._log.finish(entry, attempt, status, self._clock() + delay if delay else 0.0)
        except ConditionFailed:
            logger.warning("claim lapsed before the attempt was recorded", extra={"item_id": entry.item_id})
            return Outcome.done("claim lapsed")
        log_fields = {"hook_id": hook.id, "item_id": entry.item_id, "attempt": attempt.number,
                      "status": status, "duration_ms": attempt.duration_ms}
        if status == DELIVERED:
            metrics_count("ItemsDelivered")
            logger.info("item delivered", extra=log_fields)
            return Outcome.done("delivered")
        metrics_count("DeliveryFailed")
        if status == FAILED:
            metrics_count("ItemsFailed")
            logger.error("item failed after its last attempt", extra={**log_fields, "error": attempt.error})
            return Outcome.done("failed")
        logger.warning("delivery attempt failed; will retry",
                       extra={**log_fields, "error": attempt.error, "retry_in": delay})
        return Outcome.later(delay, "retrying")
