"""One decision for a whole SQS batch: which messages are done, which come back later.

A failure is never acknowledged as success, whatever the event source mapping reports:
when a batch holds failures, the finished messages are deleted here, each failed one is made
visible again after its backoff, and the batch raises `BatchIncomplete` so Lambda deletes
nothing else. With `report_failures` (ReportBatchItemFailures switched on by the deploy step)
it returns the failed ids instead. On a FIFO queue, once a message of a group fails, the
rest of that group in the batch is not run (C50: group-aware failures).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from chalicelib.core.ports import DeliveryQueue, QueueMessage, ReceivedMessage
from chalicelib.delivery.deliver_item import Outcome
from chalicelib.errors import Transient
from chalicelib.observability import logger

TRANSIENT_RETRY_SECONDS = 5


class BatchIncomplete(Exception):
    """Raised so Lambda keeps the failed messages of a batch (they were not acknowledged)."""

    def __init__(self, failed: list[str]) -> None:
        super().__init__(f"{len(failed)} message(s) will be retried: {', '.join(failed)}")
        self.failed = failed


@dataclass(frozen=True)
class BatchResult:
    acked: list[ReceivedMessage]
    retried: list[tuple[ReceivedMessage, int]]


def received_from_event(records: Iterable[dict[str, Any]]) -> list[ReceivedMessage]:
    """The Lambda SQS event's records as plain messages."""
    out = []
    for record in records:
        attributes = record.get("attributes") or {}
        out.append(ReceivedMessage(
            message_id=str(record.get("messageId", "")), receipt_handle=str(record.get("receiptHandle", "")),
            body=str(record.get("body", "")), group_id=str(attributes.get("MessageGroupId", "")),
            receive_count=int(attributes.get("ApproximateReceiveCount", "1") or 1)))
    return out


def decide(messages: list[ReceivedMessage], handle: Callable[[QueueMessage], Outcome], fifo: bool) -> BatchResult:
    acked: list[ReceivedMessage] = []
    retried: list[tuple[ReceivedMessage, int]] = []
    blocked_groups: set[str] = set()
    for message in messages:
        if fifo and message.group_id in blocked_groups:
            retried.append((message, 0))
            continue
        outcome = _handle_one(message, handle)
        if outcome.ack:
            acked.append(message)
        else:
            retried.append((message, outcome.retry_in))
            if fifo:
                blocked_groups.add(message.group_id)
    return BatchResult(acked, retried)


def _handle_one(message: ReceivedMessage, handle: Callable[[QueueMessage], Outcome]) -> Outcome:
    try:
        parsed = QueueMessage.from_json(json.loads(message.body))
    except ValueError as error:
        logger.error("unreadable delivery message dropped", extra={"message_id": message.message_id,
                                                                   "error": str(error)})
        return Outcome.done("unreadable")
    try:
        return handle(parsed)
    except Transient as error:
        logger.warning("delivery interrupted; will retry", extra={"item_id": parsed.item_id, "error": str(error)})
        return Outcome.later(TRANSIENT_RETRY_SECONDS, "transient")
    except Exception:  # never lose a message to a bug: keep it and let it come back
        logger.exception("delivery crashed; will retry", extra={"item_id": parsed.item_id})
        return Outcome.later(TRANSIENT_RETRY_SECONDS, "crashed")


def settle(result: BatchResult, queue: DeliveryQueue, fifo: bool, report_failures: bool) -> dict[str, Any]:
    """Apply the decision; returns the Lambda response or raises `BatchIncomplete`."""
    if not result.retried:
        return {"batchItemFailures": []}
    for message, seconds in result.retried:
        try:
            queue.delay(fifo, message.receipt_handle, seconds)
        except Transient as error:
            logger.warning("could not set retry delay", extra={"message_id": message.message_id,
                                                               "error": str(error)})
    failed = [m.message_id for m, _ in result.retried]
    if report_failures:
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    if result.acked:
        queue.delete(fifo, [m.receipt_handle for m in result.acked])
    raise BatchIncomplete(failed)
