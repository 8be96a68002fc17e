"""Queue control through the management API and the webhook route (Chalice test client, moto,
the real delivery and tick handlers)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.composition import reset_services
from inlet.local.lambda_context import LocalLambdaContext
from inlet.local.ticker import scheduled_event

from .conftest import Inlet, captured, failures_left

JSON = {"Content-Type": "application/json"}


def tick() -> dict[str, Any]:
    import app
    return app.tick(scheduled_event(), LocalLambdaContext("tick"))  # type: ignore[no-any-return]


def send(inlet: Inlet, hook: dict[str, Any], data: Any) -> Any:
    response = inlet.post(hook, json.dumps(data), JSON)
    return response.status_code, json.loads(response.body), response.headers


def test_pause_hold_queue_view_and_resume_in_order(inlet: Inlet) -> None:
    # Given a paused sequential hook
    hook = inlet.create_hook("orders", processing="sequential")
    status, paused = inlet.api("POST", "/hooks/orders/pause")
    assert status == 200 and paused["state"] == "paused"
    # When 6 requests arrive
    answers = [send(inlet, hook, {"n": n}) for n in range(6)]
    inlet.drain()
    # Then each is answered 200 "held", kept and shown in the queue, none delivered
    assert [(s, a["status"]) for s, a, _ in answers] == [(200, "held")] * 6 and captured == []
    status, queue = inlet.api("GET", "/hooks/orders/queue")
    assert (queue["count"], queue["limit"], queue["state"]) == (6, 10_000, "paused")
    assert [i["id"] for i in queue["items"]] == [a["id"] for _, a, _ in answers]
    listed = inlet.api("GET", "/hooks")[1]["hooks"][0]["queue"]
    assert listed["count"] == 6 and listed["limit"] == 10_000 and listed["last_item_at"]
    # When resumed
    status, resumed = inlet.api("POST", "/hooks/orders/resume")
    inlet.drain()
    # Then delivered once each, in arrival order
    assert resumed["released"] == 6 and [c["data"]["n"] for c in captured] == list(range(6))
    assert inlet.api("GET", "/hooks/orders/queue")[1]["count"] == 0


def test_a_full_queue_answers_503_with_retry_after_and_loses_nothing(inlet: Inlet) -> None:
    hook = inlet.create_hook("small", queue_limit=3)
    inlet.api("POST", "/hooks/small/pause")
    answers = [send(inlet, hook, {"n": n}) for n in range(5)]
    assert [s for s, _, _ in answers] == [200, 200, 200, 503, 503]
    status, body, headers = answers[3]
    assert body["error"] == "queue_full" and int(headers["Retry-After"]) > 0
    logs = inlet.api("GET", "/hooks/small/logs")[1]["entries"]
    assert [e["status"] for e in logs].count("rejected") == 2
    assert all(e["response_status"] == 503 for e in logs if e["status"] == "rejected")
    inlet.api("POST", "/hooks/small/resume")
    inlet.drain()
    assert sorted(c["data"]["n"] for c in captured) == [0, 1, 2]


def test_queue_delete_purge_release_and_replay(inlet: Inlet) -> None:
    hook = inlet.create_hook("batch", every_seconds=3600, max_per_run=5)
    ids = [send(inlet, hook, {"n": n})[1]["id"] for n in range(4)]
    assert inlet.api("GET", "/hooks/batch/queue")[1]["items"][0]["status"] == "waiting"
    assert inlet.api("DELETE", f"/hooks/batch/queue/{ids[0]}") == (200, {"deleted": ids[0], "was": "waiting"})
    assert inlet.api("DELETE", f"/hooks/batch/queue/{ids[0]}")[1]["error"] == "not_in_queue"
    status, released = inlet.api("POST", "/hooks/batch/release")
    inlet.drain()
    assert released["released"] == 3 and sorted(c["data"]["n"] for c in captured) == [1, 2, 3]
    more = [send(inlet, hook, {"n": n})[1]["id"] for n in range(2)]
    status, purged = inlet.api("DELETE", "/hooks/batch/queue")
    assert purged["purged"] == 2 and purged["queue"]["count"] == 0
    # replay: by id to another scenario, and by filter
    status, replayed = inlet.api("POST", "/hooks/batch/replay", {"items": [ids[1]], "scenario": "capture"})
    assert replayed["replayed"][0]["id"] == ids[1]
    status, anywhere = inlet.api("POST", "/replay", {"items": [more[0]]})
    assert anywhere["replayed"][0]["was"] == "deleted"
    status, matching = inlet.api("POST", "/hooks/batch/replay", {"status": "delivered", "since": "1h"})
    assert status == 200
    inlet.drain()
    assert [c["data"]["n"] for c in captured].count(1) == 2


@pytest.mark.parametrize("method, path, body, status, code", [
    ("POST", "/hooks/nope/pause", None, 404, "unknown_hook"),
    ("GET", "/hooks/orders/queue?limit=0", None, 400, "invalid_limit"),
    ("DELETE", "/hooks/orders/queue/not-an-id", None, 404, "unknown_item"),
    ("POST", "/hooks/orders/replay", {}, 400, "missing_field"),
    ("POST", "/hooks/orders/replay", {"items": "x"}, 400, "invalid_field"),
    ("POST", "/hooks/orders/replay", {"status": "queued"}, 400, "invalid_status"),
    ("POST", "/hooks/orders/replay", {"status": "failed", "since": "yesterday"}, 400, "invalid_since"),
    ("POST", "/hooks/orders/replay", {"colour": 1}, 400, "unknown_field"),
    ("POST", "/replay", {"status": "failed"}, 400, "missing_field"),
    ("PATCH", "/hooks/orders", {"cron": "61 * * * *"}, 400, "invalid_cron"),
    ("PATCH", "/hooks/orders", {"every_seconds": 5}, 400, "invalid_every"),
    ("PATCH", "/hooks/orders", {"order_by": "$.a"}, 400, "not_sequential"),
    ("PATCH", "/hooks/orders", {"queue_limit": -1}, 400, "invalid_queue_limit"),
])
def test_bad_queue_requests_are_named_4xx(inlet: Inlet, method: str, path: str, body: Any, status: int,
                                          code: str) -> None:
    inlet.create_hook("orders")
    got, answer = inlet.api(method, path, body)
    assert (got, answer["error"]) == (status, code) and answer["message"]


def test_release_of_a_paused_hook_is_a_conflict(inlet: Inlet) -> None:
    inlet.create_hook("orders")
    inlet.api("POST", "/hooks/orders/pause")
    assert inlet.api("POST", "/hooks/orders/release")[1]["error"] == "hook_paused"


def test_a_halted_lane_waits_for_replay_while_other_lanes_flow(inlet: Inlet) -> None:
    # Given lanes by header; lane "bad" fails once and halts
    hook = inlet.create_hook("lanes", processing="sequential", order_by="header:X-Shop", on_failure="halt",
                             max_attempts=1)
    failures_left["lanes"] = 1
    for n, shop in enumerate(["bad", "bad", "good", "good"]):
        inlet.post(hook, json.dumps({"n": n}), {**JSON, "X-Shop": shop})
    inlet.drain()
    assert [c["data"]["n"] for c in captured] == [2, 3]
    queue = inlet.api("GET", "/hooks/lanes/queue")[1]
    assert [(i["status"], i["lane"]) for i in queue["items"]] == [("halted", "bad"), ("queued", "bad")]
    # When the halted item is replayed
    inlet.api("POST", "/hooks/lanes/replay", {"items": [queue["items"][0]["id"]]})
    inlet.drain()
    assert [c["data"]["n"] for c in captured] == [2, 3, 0, 1]


def test_the_tick_releases_interval_items_and_the_sweeper_resends_lost_ones(inlet: Inlet,
                                                                        monkeypatch: Any) -> None:
    monkeypatch.setenv("INLET_SWEEP_AFTER_SECONDS", "0")
    monkeypatch.setenv("INLET_MIN_INTERVAL_SECONDS", "1")
    reset_services()
    hook = inlet.create_hook("every", every_seconds=1, max_per_run=2)
    for n in range(3):
        send(inlet, hook, {"n": n})
    import time
    time.sleep(1.1)
    assert tick()["released"] == 2
    inlet.drain()
    assert len(captured) == 2
    # a queued item whose message is lost (purged from SQS) is found and sent again
    plain = inlet.create_hook("plain")
    import boto3
    sqs = boto3.client("sqs", region_name="us-east-1")
    send(inlet, plain, {"n": 9})
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName="inlet-deliveries")["QueueUrl"])
    time.sleep(1.1)
    summary = tick()
    inlet.drain()
    assert summary["resent"] >= 1 and sorted(c["data"]["n"] for c in captured) == [0, 1, 2, 9]


def test_c51_dead_lettered_fifo_messages_are_moved_back_keeping_their_group(inlet: Inlet) -> None:
    # Given a sequential hook's wake-ups in the FIFO dead-letter queue (C51)
    import boto3
    hook = inlet.create_hook("seq", processing="sequential")
    sqs = boto3.client("sqs", region_name="us-east-1")
    source = sqs.get_queue_url(QueueName="inlet-deliveries.fifo")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="inlet-deliveries-dlq.fifo")["QueueUrl"]
    ids = [send(inlet, hook, {"n": n})[1]["id"] for n in range(3)]
    moved = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    for message in moved:
        sqs.send_message(QueueUrl=dlq, MessageBody=message["Body"],
                         MessageGroupId=message["Attributes"]["MessageGroupId"],
                         MessageDeduplicationId=message["Attributes"]["MessageDeduplicationId"])
        sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
    # The items stay pending in the log while their messages sit in the DLQ
    assert inlet.api("GET", "/hooks/seq/queue")[1]["count"] == 3
    assert inlet.api("GET", "/dlq")[1]["dead_letters"]["sequential"] == 3
    # When redriven
    status, result = inlet.api("POST", "/dlq/redrive")
    inlet.drain()
    # Then delivered once each, in order
    assert result["moved"]["sequential"] == 3
    assert [c["id"] for c in captured] == ids
