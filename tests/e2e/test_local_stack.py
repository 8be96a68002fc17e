"""End to end on the local stack: real HTTP in, the CLI, real HTTP out to a scenario."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import ScenarioServer, Stack, wait_until

pytestmark = pytest.mark.e2e


def post(url: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def test_a_request_is_delivered_as_sent_signed_and_logged(stack: Stack, scenario: ScenarioServer) -> None:
    # Given
    hook = stack.cli("hooks", "create", unique("orders"), "--scenario", scenario.url)
    payload = {"event": "order.created", "total": 19.99, "lines": [{"sku": "A", "qty": 2}], "note": "café"}
    # When
    status, answer = post(hook["url"], json.dumps(payload).encode(), {"Content-Type": "application/json"})
    # Then
    assert status == 200 and answer["status"] == "queued"
    item = scenario.wait_for(1)[0]
    assert item["data"] == payload and item["id"] == answer["id"]
    headers = {k.lower(): v for k, v in scenario.headers[0].items()}
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + json.dumps(
        item, ensure_ascii=False, separators=(",", ":")).encode()
    key = base64.b64decode(hook["signing_secret"].removeprefix("whsec_"))
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    logs = wait_until(lambda: (l := stack.cli("logs", hook["name"]))["entries"][0]["status"] == "delivered" and l)
    assert logs["entries"][0]["id"] == answer["id"] and logs["entries"][0]["data"] == payload


def test_200_concurrent_requests_to_a_sequential_hook_arrive_once_in_order_one_at_a_time(
        stack: Stack, scenario: ScenarioServer) -> None:
    # Given
    hook = stack.cli("hooks", "create", unique("seq"), "--scenario", scenario.url, "--sequential")
    scenario.delay = 0.005
    # When
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda n: post(hook["url"], json.dumps({"n": n}).encode(),
                                               {"Content-Type": "application/json"}), range(200)))
    # Then
    assert all(status == 200 for status, _ in answers)
    accepted = sorted(answer["id"] for _, answer in answers)
    delivered = scenario.wait_for(200, timeout=180)
    assert [item["id"] for item in delivered] == accepted  # arrival (item id) order, each once
    assert scenario.max_in_flight == 1
    assert all(count == 1 for count in scenario.calls.values())


def test_a_scenario_failing_twice_gets_the_item_on_the_third_attempt(stack: Stack, scenario: ScenarioServer) -> None:
    hook = stack.cli("hooks", "create", unique("flaky"), "--scenario", scenario.url)
    scenario.fail_first["*"] = 2
    status, answer = post(hook["url"], b'{"n":1}', {"Content-Type": "application/json"})
    assert scenario.wait_for(1, timeout=60)[0]["id"] == answer["id"]
    assert scenario.calls[answer["id"]] == 3
    entry = wait_until(lambda: (e := stack.cli("logs", hook["name"], answer["id"]))["status"] == "delivered" and e)
    assert [a["ok"] for a in entry["attempts"]] == [False, False, True]


def test_an_always_failing_scenario_leaves_the_item_failed_after_max_attempts(
        stack: Stack, scenario: ScenarioServer) -> None:
    hook = stack.cli("hooks", "create", unique("broken"), "--scenario", scenario.url, "--max-attempts", "3")
    scenario.always_fail = True
    status, answer = post(hook["url"], b'{"n":1}', {"Content-Type": "application/json"})
    entry = wait_until(lambda: (e := stack.cli("logs", hook["name"], answer["id"]))["status"] == "failed" and e,
                       timeout=60)
    assert len(entry["attempts"]) == 3 and all("answered 500" in a["error"] for a in entry["attempts"])
    assert scenario.calls[answer["id"]] == 3


def test_a_duplicated_sqs_message_does_not_deliver_twice(stack: Stack, scenario: ScenarioServer) -> None:
    # Given a delivered item
    import boto3
    hook = stack.cli("hooks", "create", unique("dup"), "--scenario", scenario.url)
    status, answer = post(hook["url"], b'{"n":1}', {"Content-Type": "application/json"})
    scenario.wait_for(1)
    # When SQS delivers its message again (at-least-once)
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{stack.aws_port}",
                       aws_access_key_id="local", aws_secret_access_key="local")
    url = sqs.get_queue_url(QueueName="inlet-deliveries")["QueueUrl"]
    message = json.dumps({"v": 1, "hook": hook["id"], "item": answer["id"], "lane": ""})
    sqs.send_message(QueueUrl=url, MessageBody=message)
    sqs.send_message(QueueUrl=url, MessageBody=message)
    # Then: the queue drains and the scenario ran once
    wait_until(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessages"] == "0" and sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0")
    assert scenario.calls[answer["id"]] == 1


def test_the_cli_sends_json_form_files_headers_and_methods(stack: Stack, scenario: ScenarioServer,
                                                          tmp_path: Path) -> None:
    name = unique("send")
    stack.cli("hooks", "create", name, "--scenario", scenario.url)
    attachment = tmp_path / "report.bin"
    attachment.write_bytes(bytes(range(256)))
    stack.cli("send", name, "--json-body", '{"a": 1}', "-H", "X-Test: yes")
    stack.cli("send", name, "-d", "x=1", "-d", "x=2", "-X", "PUT")
    stack.cli("send", name, "-f", str(attachment), "-d", "note=hello")
    stack.cli("send", name, "-q", "id=7", "-X", "GET")
    items = scenario.wait_for(4)
    by_data = [item["data"] for item in items]
    assert {"a": 1} in by_data and {"x": ["1", "2"]} in by_data and {"note": "hello"} in by_data
    assert {"id": "7"} in by_data
    upload = next(item for item in items if item["data"] == {"note": "hello"})
    assert upload["attachments"][0]["sha256"] == hashlib.sha256(bytes(range(256))).hexdigest()
    listed = stack.cli("hooks", "list")["hooks"]
    assert name in [h["name"] for h in listed]
    assert stack.cli("hooks", "show", name)["name"] == name
    assert stack.cli("hooks", "delete", name)["deleted"]


def test_c21_a_body_over_the_lambda_payload_limit_is_413(stack: Stack) -> None:
    hook = stack.cli("hooks", "create", unique("big"), "--scenario", "demo")
    status, answer = post(hook["url"], b"A" * 5_000_000, {"Content-Type": "application/octet-stream"})
    assert status == 413


def test_unknown_paths_and_tokens_answer_like_api_gateway(stack: Stack) -> None:
    assert post(stack.base_url + "/nowhere", b"")[0] == 403
    assert post(stack.base_url + "/hooks/" + "x" * 32, b"{}")[0] == 404


def test_ctrl_c_stops_the_stack_cleanly() -> None:
    own = Stack()
    assert own.stop() == 0
    assert "Stopping Inlet" in "".join(own.output)
