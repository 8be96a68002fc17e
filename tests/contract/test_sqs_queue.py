"""The SQS adapter against moto: standard and FIFO queues, dedup by item id, ack and delay."""
from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.adapters.sqs_queue import SqsDeliveryQueue
from chalicelib.core.ports import QueueMessage


def make_queue(outputs: dict[str, str]) -> tuple[SqsDeliveryQueue, Any]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    return SqsDeliveryQueue(sqs, outputs["ParallelQueueName"], outputs["SequentialQueueName"]), sqs


def receive(sqs: Any, url: str) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])


def test_fifo_messages_carry_the_lane_as_group_and_the_item_id_as_dedup_id(moto_aws: dict[str, str]) -> None:
    # Given
    queue, sqs = make_queue(moto_aws)
    # When: two items with identical content, and one item sent twice
    queue.send(QueueMessage("hk_1", "01A", "-"), sequential=True, group="hk_1#-")
    queue.send(QueueMessage("hk_1", "01B", "-"), sequential=True, group="hk_1#-")
    queue.send(QueueMessage("hk_1", "01A", "-"), sequential=True, group="hk_1#-")
    # Then: two messages (the item id deduplicates, content never does), in order
    messages = receive(sqs, queue.url(True))
    assert [json.loads(m["Body"])["item"] for m in messages] == ["01A", "01B"]
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"hk_1#-"}
    assert [m["Attributes"]["MessageDeduplicationId"] for m in messages] == ["01A", "01B"]


def test_standard_messages_are_acknowledged_or_delayed(moto_aws: dict[str, str]) -> None:
    queue, sqs = make_queue(moto_aws)
    queue.send(QueueMessage("hk_1", "01A"), sequential=False)
    queue.send(QueueMessage("hk_1", "01B"), sequential=False)
    first, second = receive(sqs, queue.url(False))
    queue.delete(False, [first["ReceiptHandle"]])
    queue.delay(False, second["ReceiptHandle"], 0)
    again = receive(sqs, queue.url(False))
    assert [json.loads(m["Body"])["item"] for m in again] == [json.loads(second["Body"])["item"]]


def test_the_message_is_small_whatever_the_item(moto_aws: dict[str, str]) -> None:
    # C53: the body never travels through SQS, only ids
    message = QueueMessage("hk_" + "x" * 12, "0" * 26, "lane-key")
    assert len(json.dumps(message.to_json())) < 200
