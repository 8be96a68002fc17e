"""DynamoDB pieces of the queue count: each hook's queue record and atomic multi-item writes.

The queue record is `QUEUE` / `<hook id>` with `n_items` (unfinished items, held against the
hook's queue limit), `n_parked` (held or waiting ones), `last_item_at` and `last_run`. Every
write that changes an item's status class goes out in one `TransactWriteItems` together with the
record's `ADD`, so the count is exact however many requests and deliveries run at once: a
request is counted only if its item is stored, and the limit is a condition on the same write.
All queue records sit under one partition key, so the tick reads them all with one query.
"""
from __future__ import annotations

import random
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import error_code
from chalicelib.core.ports import QueueCounter
from chalicelib.errors import ConditionFailed, Transient

QUEUE_PK = "QUEUE"
CONFLICT_RETRIES = 6


class Cancelled(ConditionFailed):
    """A transaction lost a condition; `reasons` holds each part's cancellation code."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


def counter_key(hook_id: str) -> dict[str, Any]:
    return {"pk": {"S": QUEUE_PK}, "sk": {"S": hook_id}}


def counter_update(table: str, hook_id: str, count: int, parked: int, *, limit: int | None = None,
                   last_item_at: str | None = None) -> dict[str, Any]:
    """The transaction part that moves a hook's counts (and checks the limit when given)."""
    values: dict[str, Any] = {":dc": {"N": str(count)}, ":dp": {"N": str(parked)}}
    expression = "ADD n_items :dc, n_parked :dp"
    if last_item_at:
        expression += " SET last_item_at = :t"
        values[":t"] = {"S": last_item_at}
    update: dict[str, Any] = {"TableName": table, "Key": counter_key(hook_id), "UpdateExpression": expression,
                              "ExpressionAttributeValues": values}
    if limit is not None:
        update["ConditionExpression"] = "attribute_not_exists(n_items) OR n_items < :limit"
        values[":limit"] = {"N": str(limit)}
    return {"Update": update}


def transact(db: Any, items: list[dict[str, Any]]) -> None:
    """Write all parts or none. Conflicts with a concurrent transaction on the same record are
    retried with jitter; a lost condition raises `Cancelled`; anything else is `Transient`."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            db.transact_write_items(TransactItems=items)
            return
        except ClientError as error:
            code = error_code(error)
            reasons = [str(r.get("Code", "None")) for r in error.response.get("CancellationReasons", [])]
            conflict = code == "TransactionConflictException" or (
                code == "TransactionCanceledException" and "TransactionConflict" in reasons
                and "ConditionalCheckFailed" not in reasons)
            if conflict and attempt < CONFLICT_RETRIES - 1:
                time.sleep(random.uniform(0.005, 0.02) * (2 ** attempt))
                continue
            if code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons:
                raise Cancelled(reasons) from error
            raise Transient(f"AWS error {code}: {error}") from error
        except BotoCoreError as error:
            raise Transient(f"AWS unreachable: {error}") from error


def counter_from_record(record: dict[str, Any]) -> QueueCounter:
    return QueueCounter(
        hook_id=record["sk"]["S"], count=int(record.get("n_items", {}).get("N", "0")),
        parked=int(record.get("n_parked", {}).get("N", "0")),
        last_item_at=record.get("last_item_at", {}).get("S", ""),
        last_run=float(record.get("last_run", {}).get("N", "0")))
