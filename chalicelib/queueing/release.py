"""Sending delivery messages after ingest: releases of parked items, replays, lane wake-ups and
the sweeper's re-sends. All of them go through `Sender`.

A message names an item, but on a sequential lane it is only a wake-up for the lane (the
deliverer takes the lane's oldest unfinished item), and every delivery starts with a
conditional claim. So sending a message again is always safe: it can never run a scenario
twice or out of order. On the FIFO queue, a re-send carries a fresh deduplication id (item id +
`#<kind><ms>`): with the bare item id SQS would silently drop a re-send inside its 5-minute
deduplication window, even after the first copy was deleted (C52).
"""
from __future__ import annotations

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import PARKED_STATUSES, QUEUED
from chalicelib.core.ports import DeliveryQueue, ItemLog, QueueMessage
from chalicelib.errors import InletError
from chalicelib.observability import logger, metrics_count


class Sender:
    def __init__(self, queue: DeliveryQueue, clock: Clock) -> None:
        self._queue = queue
        self._clock = clock

    def send(self, hook: Hook, item_id: str, lane: str, kind: str) -> bool:
        """Send one (re-)delivery message; False if the queue refused it (the sweeper retries)."""
        suffix = f"#{kind[:1]}{int(self._clock() * 1000)}"
        try:
            self._queue.send(QueueMessage(hook.id, item_id, lane), hook.sequential,
                             group=f"{hook.id}#{lane}", dedup_suffix=suffix)
        except InletError as error:
            metrics_count("EnqueueFailed")
            logger.warning("could not send a delivery message; the sweeper will", extra={
                "hook_id": hook.id, "item_id": item_id, "kind": kind, "error": str(error)})
            return False
        return True


class Releaser:
    """Moves parked (held or waiting) items to `queued`, oldest first, and sends their messages."""

    def __init__(self, log: ItemLog, sender: Sender, clock: Clock) -> None:
        self._log = log
        self._sender = sender
        self._clock = clock

    def release(self, hook: Hook, limit: int, received_before: str | None = None) -> int:
        """Release at most `limit` parked items (only those received before an item id, when
        given); returns how many were released."""
        now = self._clock()
        released = 0
        for row in self._log.pending(hook.id, now, statuses=PARKED_STATUSES, limit=limit,
                                     received_before=received_before):
            if self._log.move(hook.id, row.item_id, (row.status,), QUEUED, now, lane=row.lane):
                released += 1
                self._sender.send(hook, row.item_id, row.lane, "release")
        if released:
            metrics_count("ItemsReleased", released)
            logger.info("items released", extra={"hook_id": hook.id, "released": released})
        return released

    def wake_lane(self, hook: Hook, lane: str, limit: int = 100) -> int:
        """Send a wake-up for each item in flight on a lane (after a halted item was replayed or
        deleted: the wake-ups that reached the halted lane were used up without a delivery)."""
        ids = self._log.pending_in_lane(hook.id, lane, self._clock(), limit)
        return sum(self._sender.send(hook, item_id, lane, "wake") for item_id in ids)
