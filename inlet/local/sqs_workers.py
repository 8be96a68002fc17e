"""Stand-ins for Lambda's SQS event source mappings: poll a queue, hand batches to the very
handler Lambda would call (same event shape), and delete messages the way the mapping does —
all of them when the handler returns (minus reported failures when ReportBatchItemFailures is
on), none when it raises. FIFO group locking is SQS's own: a group never has two messages in
flight — except that moto checks the locked groups once at the start of a receive call, so two
concurrent long polls can each take messages of one group; a worker's threads therefore
receive from a FIFO queue one at a time (they still run batches side by side)."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from inlet.local.lambda_context import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]
FIFO_IDLE_SECONDS = 0.05
log = logging.getLogger("inlet.local")


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = dict(message.get("Attributes") or {})
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"], "attributes": attributes,
        "messageAttributes": message.get("MessageAttributes") or {},
        "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": region,
    }


class QueueWorker:
    def __init__(self, sqs: Any, queue_url: str, handler: Handler, function_name: str, *,
                 report_batch_failures: bool, region: str, batch_size: int = 10, threads: int = 1) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._name = function_name
        self._report = report_batch_failures
        self._region = region
        self._batch = batch_size
        self._stop = threading.Event()
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._receive_lock = threading.Lock() if queue_url.endswith(".fifo") else None
        self._threads = [threading.Thread(target=self._run, name=f"{function_name}-{n}", daemon=True)
                         for n in range(threads)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # keep polling, as the event source mapping does
                if not self._stop.is_set():
                    log.exception("queue worker %s: poll failed", self._name)
                    self._stop.wait(1)

    def _receive(self, wait_seconds: int) -> Any:
        return self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=self._batch, WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"], MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch and run the handler on it; returns how many messages it held."""
        if self._receive_lock is None:
            response = self._receive(wait_seconds)
        else:
            # Short polls under the lock: a long poll would hold it for its whole wait while the
            # group it waits on is in flight in the other thread, costing each lane a second a batch.
            with self._receive_lock:
                response = self._receive(0)
        messages = response.get("Messages") or []
        if not messages:
            if self._receive_lock is not None and wait_seconds:
                self._stop.wait(FIFO_IDLE_SECONDS)
            return 0
        event = {"Records": [lambda_record(m, self._arn, self._region) for m in messages]}
        try:
            result = self._handler(event, LocalLambdaContext(self._name))
        except Exception as error:  # a function error: the mapping deletes nothing
            log.debug("queue worker %s: batch not complete: %s", self._name, error)
            return len(messages)
        failed: set[str] = set()
        if self._report and isinstance(result, dict):
            failed = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
        return len(messages)
