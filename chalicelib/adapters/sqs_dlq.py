"""Dead-letter redrive on SQS: move messages from each dead-letter queue back to its source.

SQS's own `StartMessageMoveTask` does not exist in the local stand-in and does not keep FIFO
groups, so messages are moved one by one: receive, send to the source (FIFO: same
`MessageGroupId`, a fresh deduplication id so the 5-minute window cannot swallow it, C52), then
delete from the dead-letter queue. A crash between send and delete leaves a duplicate wake-up,
which is harmless (claims are conditional). Delivery messages are wake-ups, so the order in
which moved messages arrive never changes the order of delivery (C51).
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.adapters.aws import translated


class SqsDeadLetters:
    def __init__(self, sqs: Any, queues: dict[str, tuple[str, str]]) -> None:
        """`queues`: kind ("parallel", "sequential") → (source queue name, dead-letter queue name)."""
        self._sqs = sqs
        self._queues = queues

    @translated
    def _url(self, name: str) -> str:
        url: str = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return url

    @translated
    def depths(self) -> dict[str, int]:
        depths = {}
        for kind, (_, dlq) in self._queues.items():
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=self._url(dlq), AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
            depths[kind] = int(attributes.get("ApproximateNumberOfMessages", "0"))
        return depths

    @translated
    def redrive(self, limit: int = 1000) -> dict[str, int]:
        moved = {}
        for kind, (source, dlq) in self._queues.items():
            moved[kind] = self._move(self._url(source), self._url(dlq), source.endswith(".fifo"), limit)
        return moved

    def _move(self, source_url: str, dlq_url: str, fifo: bool, limit: int) -> int:
        moved = 0
        while moved < limit:
            messages = self._sqs.receive_message(
                QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - moved), WaitTimeSeconds=0,
                AttributeNames=["All"], MessageSystemAttributeNames=["All"]).get("Messages", [])
            if not messages:
                break
            for message in messages:
                params: dict[str, Any] = {"QueueUrl": source_url, "MessageBody": message["Body"]}
                if fifo:
                    attributes = message.get("Attributes") or {}
                    original = attributes.get("MessageDeduplicationId") or message["MessageId"]
                    params["MessageGroupId"] = attributes.get("MessageGroupId", "redriven")
                    params["MessageDeduplicationId"] = f"{original[:100]}#d{int(time.time() * 1000)}"
                self._sqs.send_message(**params)
                self._sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved
