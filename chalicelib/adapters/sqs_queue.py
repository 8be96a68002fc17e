"""Delivery queue on SQS: a standard queue for parallel hooks, a FIFO queue for sequential ones."""
from __future__ import annotations

import json
import threading
from typing import Any, Sequence

from chalicelib.adapters.aws import translated
from chalicelib.core.ports import QueueMessage


class SqsDeliveryQueue:
    def __init__(self, sqs: Any, parallel_queue: str, sequential_queue: str) -> None:
        self._sqs = sqs
        self._names = {False: parallel_queue, True: sequential_queue}
        self._urls: dict[bool, str] = {}
        self._lock = threading.Lock()

    def url(self, sequential: bool) -> str:
        """The queue URL, looked up once per process."""
        with self._lock:
            if sequential not in self._urls:
                self._urls[sequential] = self._lookup(self._names[sequential])
            return self._urls[sequential]

    @translated
    def _lookup(self, name: str) -> str:
        url: str = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return url

    @translated
    def send(self, message: QueueMessage, sequential: bool, group: str = "", dedup_suffix: str = "") -> None:
        params: dict[str, Any] = {"QueueUrl": self.url(sequential),
                                  "MessageBody": json.dumps(message.to_json(), separators=(",", ":"))}
        if sequential:
            params["MessageGroupId"] = group or message.hook_id
            params["MessageDeduplicationId"] = message.item_id + dedup_suffix
        self._sqs.send_message(**params)

    @translated
    def delete(self, sequential: bool, receipt_handles: Sequence[str]) -> None:
        handles = list(receipt_handles)
        for start in range(0, len(handles), 10):
            chunk = handles[start:start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self.url(sequential),
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)])

    @translated
    def delay(self, sequential: bool, receipt_handle: str, seconds: int) -> None:
        self._sqs.change_message_visibility(QueueUrl=self.url(sequential), ReceiptHandle=receipt_handle,
                                            VisibilityTimeout=max(0, min(int(seconds), 43200)))
