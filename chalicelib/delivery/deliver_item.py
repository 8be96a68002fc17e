"""Use case: a delivery message arrived — claim the item, run its scenario, record the outcome.

Claims are conditional writes, so a duplicated or redelivered message never runs a scenario
twice. On a sequential lane a message is a wake-up for the lane: it delivers the lane's oldest
unfinished item (item ids sort by arrival), so order holds even when messages arrive out of
order (FIFO redelivery after a timeout, a re-sent message) and never depends on SQS alone.

Queue control: a message for a paused hook parks its item as `held` (resume sends it again).
Held and waiting items are not in any lane, so they never block one. A failed item of a lane
whose hook says `on_failure: halt` becomes `halted`: it stays first in its lane and every
wake-up stops at it until it is replayed or deleted; with `continue` it is `failed` and the
lane moves on. A replay gives an item a fresh set of attempts (`attempt_base`) and may name
another scenario for them.
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
from chalicelib.core.items import (DELIVERED, DELIVERING, FAILED, HALTED, HELD, PARKED_STATUSES, QUEUED, RETRYING,
                                   Attempt, LogEntry)
from chalicelib.core.ports import BlobStore, ItemLog, QueueMessage
from chalicelib.delivery.backoff import retry_delay
from chalicelib.delivery.run_scenario import ScenarioFailed, run_scenario
from chalicelib.errors import ConditionFailed, Transient
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
        if hook.paused:
            return self._hold(hook, message, sequential)
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
            if outcome.note not in ("finished before", "parked"):
                return outcome
        return Outcome.done("lane empty")

    def _hold(self, hook: Hook, message: QueueMessage, sequential: bool) -> Outcome:
        """The hook is paused: park the message's item (or, on a lane, its oldest item in flight
        when this message's own item is gone), so every message parks at most one item and no
        queued item is left without a message."""
        now = self._clock()
        candidates = [message.item_id]
        if sequential:
            candidates += sorted(self._log.pending_in_lane(hook.id, message.lane, now))
        for item_id in candidates:
            if self._log.move(hook.id, item_id, (QUEUED, RETRYING), HELD, now):
                logger.info("hook paused; item held", extra={"hook_id": hook.id, "item_id": item_id})
                return Outcome.done("held")
        return Outcome.done("hook paused")

    def _deliver_one(self, hook: Hook, item_id: str) -> Outcome:
        now = self._clock()
        claim_id = secrets.token_hex(8)
        result = self._log.claim(hook.id, item_id, claim_id, now, now + self._claim_seconds)
        if result.entry is None:
            return self._not_claimed(result.current, now)
        return self._attempt(hook, result.entry)

    def _not_claimed(self, current: LogEntry | None, now: float) -> Outcome:
        if current is None or not current.pending:
            return Outcome.done("finished before")
        if current.status in PARKED_STATUSES:
            return Outcome.done("parked")
        if current.status == HALTED:
            return Outcome.done("lane halted")
        if current.status == RETRYING:
            return Outcome.later(current.next_attempt_at - now, "retry not due yet")
        if current.status == DELIVERING:
            # Come back when that delivery should be over: acknowledging now would lose this
            # wake-up if the other delivery dies, or (on a lane) leave the next item without one.
            return Outcome.later(max(1.0, min(current.claim_until - now, 2.0)), "claimed by another delivery")
        return Outcome.later(1, f"item is {current.status}")

    def _attempt(self, hook: Hook, entry: LogEntry) -> Outcome:
        correlate(entry.item_id)
        data = entry.data if entry.data_key is None else json.loads(self._blobs.get(entry.data_key))
        item = entry.envelope(hook.name, data)
        scenario = entry.scenario_override or hook.scenario
        started = self._clock()
        began = time.perf_counter()
        error = ""
        try:
            self._run(scenario, item, hook.signing_secret, started, hook.delivery_timeout_seconds)
        except ScenarioFailed as failure:
            error = str(failure)
        attempt = Attempt(number=len(entry.attempts) + 1, started_at=iso(started),
                          duration_ms=int((time.perf_counter() - began) * 1000), ok=not error,
                          error=error, scenario=scenario)
        return self._record(hook, entry, attempt)

    def _finish(self, entry: LogEntry, attempt: Attempt, status: str, next_attempt_at: float) -> None:
        """Record the outcome. The scenario has run, so a passing outage is worth a few quick
        retries here: giving up would let the claim lapse and the scenario run again."""
        for tries_left in (2, 1, 0):
            try:
                self._log.finish(entry, attempt, status, next_attempt_at)
                return
            except Transient:
                if not tries_left:
                    raise
                time.sleep(0.05)

    def _record(self, hook: Hook, entry: LogEntry, attempt: Attempt) -> Outcome:
        tries = attempt.number - entry.attempt_base
        if attempt.ok:
            status, delay = DELIVERED, 0
        elif tries >= hook.max_attempts:
            status, delay = (HALTED if hook.sequential and hook.on_failure == "halt" else FAILED), 0
        else:
            status = RETRYING
            delay = retry_delay(tries, self._retry_base, self._retry_cap, self._rng)
        try:
            self._finish(entry, attempt, status, self._clock() + delay if delay else 0.0)
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
        if status == HALTED:
            metrics_count("ItemsFailed")
            logger.error("item failed after its last attempt; its lane is halted until it is replayed or deleted",
                         extra={**log_fields, "lane": entry.lane, "error": attempt.error})
            return Outcome.done("halted")
        if status == FAILED:
            metrics_count("ItemsFailed")
            lane = {"lane": entry.lane, "lane_continues": True} if hook.sequential else {}
            logger.error("item failed after its last attempt" + ("; set aside, its lane moves on" if lane else ""),
                         extra={**log_fields, **lane, "error": attempt.error})
            return Outcome.done("failed")
        logger.warning("delivery attempt failed; will retry",
                       extra={**log_fields, "error": attempt.error, "retry_in": delay})
        return Outcome.later(delay, "retrying")
