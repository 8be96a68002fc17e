"""The sweeper: no unfinished item stays stuck, and no expired one keeps its place in the queue.

It runs on every tick for each hook with unfinished items, and reads only items that arrived at
least `sweep_after` seconds ago (a range on the `pending` index). It sends a delivery message
again for an item in flight whose last message is older than its wait (`sweep_after`, doubling
with each re-send up to 16 times, so a long but healthy backlog costs a few extra messages, not
one per tick):

- `queued`: the send after storing failed (ingest, release, replay), or the message went to a
  dead-letter queue (C51: the item stays pending in the log, so it is sent again);
- `delivering` whose claim has lapsed: the delivery died mid-way;
- `retrying` whose retry has been due for `sweep_after`: its delayed message was lost.

A lane whose oldest item is `halted` is skipped (its wake-ups would only stop at it). Re-sends
are safe: claims are conditional, lane messages are wake-ups. Items whose retention ended before
delivery are marked `expired` (never shown), which frees their place in the queue count long
before DynamoDB's TTL deletes them.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import (DELIVERING, EXPIRED, HALTED, IN_FLIGHT_STATUSES, PARKED_STATUSES, QUEUED,
                                   RETRYING)
from chalicelib.core.ports import QueueCounter, QueueRow
from chalicelib.ids import first_item_id_at
from chalicelib.core.ports import ItemLog
from chalicelib.observability import logger, metrics_count
from chalicelib.queueing.release import Sender

MAX_BACKOFF_DOUBLINGS = 4
MIN_RETENTION_SECONDS = 86400


@dataclass
class SweepReport:
    resent: int = 0
    expired: int = 0


class Sweeper:
    def __init__(self, log: ItemLog, sender: Sender, clock: Clock, sweep_after: float) -> None:
        self._log = log
        self._sender = sender
        self._clock = clock
        self._after = sweep_after

    def stale(self, row: QueueRow, now: float) -> bool:
        wait = self._after * (2 ** min(row.sweeps, MAX_BACKOFF_DOUBLINGS))
        if row.queued_at + wait > now:
            return False
        if row.status == QUEUED:
            return True
        if row.status == DELIVERING:
            return row.claim_until < now
        if row.status == RETRYING:
            return row.next_attempt_at + self._after <= now
        return False

    def sweep(self, hook: Hook, counter: QueueCounter, budget: int) -> SweepReport:
        now = self._clock()
        report = SweepReport()
        if counter.in_flight > 0:
            rows = self._log.pending(hook.id, now, statuses=IN_FLIGHT_STATUSES, include_expired=True,
                                     received_before=first_item_id_at(now - self._after), limit=budget)
            halted_lanes: set[str] = set()
            for row in rows:
                if row.expires_at <= now:
                    report.expired += self._expire(hook, row, now)
                elif row.status == HALTED:
                    halted_lanes.add(row.lane)
                elif not (hook.sequential and row.lane in halted_lanes) and self.stale(row, now):
                    if self._log.touch(hook.id, row.item_id, row.status, now):
                        report.resent += self._sender.send(hook, row.item_id, row.lane, "sweep")
        if counter.parked > 0:
            # Parked items can only have expired if they arrived at least a day ago.
            for row in self._log.pending(hook.id, now, statuses=PARKED_STATUSES, include_expired=True,
                                         received_before=first_item_id_at(now - MIN_RETENTION_SECONDS),
                                         limit=budget):
                if row.expires_at <= now:
                    report.expired += self._expire(hook, row, now)
        if report.resent or report.expired:
            metrics_count("ItemsResent", report.resent)
            logger.warning("sweeper re-sent or expired items", extra={
                "hook_id": hook.id, "resent": report.resent, "expired": report.expired})
        return report

    def _expire(self, hook: Hook, row: QueueRow, now: float) -> int:
        return int(self._log.move(hook.id, row.item_id, (row.status,), EXPIRED, now,
                                  reason="retention ended before delivery"))
