"""One decision per SQS batch (C50): failures are never acknowledged; FIFO groups stay ordered."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.ports import QueueMessage, ReceivedMessage
from chalicelib.delivery.deliver_item import Outcome
from chalicelib.delivery.sqs_batch import BatchIncomplete, decide, received_from_event, settle
from chalicelib.twins import InMemoryQueue
from support import load_case


def c50_messages() -> list[ReceivedMessage]:
    case = load_case("C50")
    records = case["event"]["Records"]
    for record in records:
        seq = json.loads(record["body"])
        record["receiptHandle"] = "rh-" + record["messageId"]
        record["body"] = json.dumps({"v": 1, "hook": "hk_1", "item": record["messageId"],
                                     "lane": record["attributes"]["MessageGroupId"], "case": seq})
    return received_from_event(records)


def fails_on(message_id: str) -> Any:
    def handle(message: QueueMessage) -> Outcome:
        return Outcome.later(30) if message.item_id == message_id else Outcome.done()
    return handle


def test_c50_a_failure_holds_back_the_rest_of_its_fifo_group_only() -> None:
    # Given
    messages = c50_messages()
    # When
    result = decide(messages, fails_on("m2"), fifo=True)
    # Then: group-aware failures, m3 (another group) goes on
    assert [m.message_id for m, _ in result.retried] == load_case("C50")["expected"]["batchItemFailures_group_aware"]
    assert [m.message_id for m in result.acked] == ["m1", "m3"]


def test_without_partial_batch_reporting_the_failures_are_kept_by_raising() -> None:
    # Given
    queue = InMemoryQueue()
    result = decide(c50_messages(), fails_on("m2"), fifo=True)
    # When / Then
    with pytest.raises(BatchIncomplete) as raised:
        settle(result, queue, fifo=True, report_failures=False)
    assert raised.value.failed == ["m2", "m4"]
    assert queue.deleted == ["rh-m1", "rh-m3"]  # the finished ones are acknowledged here
    assert queue.delayed == [("rh-m2", 30), ("rh-m4", 0)]


def test_with_partial_batch_reporting_the_failures_are_returned() -> None:
    queue = InMemoryQueue()
    response = settle(decide(c50_messages(), fails_on("m2"), fifo=True), queue, fifo=True, report_failures=True)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m4"}]}
    assert queue.deleted == []


def test_a_complete_batch_returns_no_failures() -> None:
    queue = InMemoryQueue()
    assert settle(decide(c50_messages(), fails_on("none"), fifo=True), queue, True, False) == {"batchItemFailures": []}


def test_a_crashing_handler_or_unreadable_message_never_loses_or_blocks_the_batch() -> None:
    messages = c50_messages() + [ReceivedMessage("junk", "rh-junk", "not json")]

    def crash(message: QueueMessage) -> Outcome:
        raise RuntimeError("bug")

    result = decide(messages, crash, fifo=False)
    assert [m.message_id for m in result.acked] == ["junk"]
    assert len(result.retried) == 4
