"""Functional fixtures: the Chalice app through its test client, on moto, with the delivery
handlers driven by real moto receives (as the event source mapping would)."""
from __future__ import annotations

import json
import os
from typing import Any, Iterator

import pytest
from chalice.test import Client

from chalicelib import scenarios
from chalicelib.composition import reset_services
from inlet.local.sqs_workers import QueueWorker

captured: list[dict[str, Any]] = []
failures_left: dict[str, int] = {}


@scenarios.scenario("capture")
def capture(item: dict[str, Any]) -> None:
    """A test scenario: fails while `failures_left[hook name]` is positive, else records."""
    name = item["hook"]["name"]
    if failures_left.get(name, 0) > 0:
        failures_left[name] -= 1
        raise RuntimeError("scenario asked to fail")
    captured.append(item)


class Inlet:
    def __init__(self, client: Client, outputs: dict[str, str]) -> None:
        import boto3
        import app
        self.client = client
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.workers = [
            QueueWorker(self.sqs, outputs["ParallelQueueUrl"], app.deliver_parallel, "deliver_parallel",
                        report_batch_failures=False, region="us-east-1"),
            QueueWorker(self.sqs, outputs["SequentialQueueUrl"], app.deliver_sequential, "deliver_sequential",
                        report_batch_failures=False, region="us-east-1")]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.http.request(method, "/api" + path, headers={"content-type": "application/json"},
                                            body=b"" if body is None else json.dumps(body).encode())
        return response.status_code, json.loads(response.body or b"null")

    def create_hook(self, name: str = "orders", **fields: Any) -> dict[str, Any]:
        status, hook = self.api("POST", "/hooks", {"name": name, "scenario": "capture", **fields})
        assert status == 201, hook
        return hook

    def path(self, hook: dict[str, Any]) -> str:
        return "/hooks/" + hook["url"].rsplit("/", 1)[1]

    def post(self, hook: dict[str, Any], body: bytes | str | None, headers: dict[str, str] | None = None,
             method: str = "POST", query: str = "") -> Any:
        data = body.encode() if isinstance(body, str) else body
        return self.client.http.request(method, self.path(hook) + query, headers=headers or {}, body=data or b"")

    def drain(self, rounds: int = 20) -> None:
        """Run the delivery handlers until the queues are empty."""
        for _ in range(rounds):
            if sum(worker.poll_once() for worker in self.workers) == 0:
                return


@pytest.fixture
def inlet(moto_aws: dict[str, str]) -> Iterator[Inlet]:
    os.environ.update({"INLET_TABLE": moto_aws["TableName"], "INLET_BUCKET": moto_aws["BucketName"],
                       "INLET_PARALLEL_QUEUE": moto_aws["ParallelQueueName"],
                       "INLET_SEQUENTIAL_QUEUE": moto_aws["SequentialQueueName"],
                       "INLET_RETRY_BASE_SECONDS": "0.01", "INLET_PUBLIC_URL": "https://hooks.example.com"})
    captured.clear()
    failures_left.clear()
    reset_services()
    import app
    # "test" is no stage of .chalice/config.json, so no deployed stage's names (which `inlet
    # deploy` writes there) override the moto names set above.
    with Client(app.app, stage_name="test") as client:
        yield Inlet(client, moto_aws)
    reset_services()
