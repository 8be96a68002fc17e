"""Fault injection on the ingest and delivery paths: each AWS call fails in turn.

The adapters' boto3 clients are wrapped (never the product's code): the wrapper raises a
botocore `ClientError` on the Nth call. After each run, with the fault gone and the tick and
queues left to recover: every request answered 2xx is delivered exactly once, and every other
request got a non-2xx answer and was never delivered.
"""
from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.composition import Services, reset_services
from inlet.local.lambda_context import LocalLambdaContext
from inlet.local.ticker import scheduled_event

from .conftest import Inlet, captured

PASSTHROUGH = {"get_paginator", "can_paginate", "exceptions", "meta", "close"}


class FaultPlan:
    """Counts calls across the wrapped clients; fails the `fail_at`-th one while armed."""

    def __init__(self) -> None:
        self.armed = False
        self.fail_at = 0
        self.calls: list[str] = []
        self.failed: str | None = None

    def check(self, name: str) -> None:
        if not self.armed:
            return
        self.calls.append(name)
        if len(self.calls) == self.fail_at:
            self.failed = name
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected fault"}}, name)


class FaultyClient:
    def __init__(self, client: Any, plan: FaultPlan) -> None:
        self._client = client
        self._plan = plan

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in PASSTHROUGH or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self._plan.check(name)
            return attribute(*args, **kwargs)
        return call


def faulty_services(plan: FaultPlan) -> Services:
    services = Services()
    for service in ("dynamodb", "sqs", "s3"):
        services._clients[service] = FaultyClient(boto3.client(service, region_name="us-east-1"), plan)
    return services


def run_once(inlet: Inlet, plan: FaultPlan, processing: str, run: int) -> tuple[list[tuple[int, Any]], int]:
    name = f"{processing}-{run}"
    hook = inlet.create_hook(name, processing=processing)
    bodies = [{"n": f"{name}-small"}, {"n": f"{name}-large", "pad": "x" * 70_000}]  # the large one goes to S3
    plan.calls.clear()
    plan.armed = True
    answers = []
    for body in bodies:
        response = inlet.post(hook, json.dumps(body), {"Content-Type": "application/json"})
        answers.append((response.status_code, body["n"]))
    inlet.drain()
    plan.armed = False
    import app
    accepted = {n for status, n in answers if 200 <= status < 300}
    deadline = time.time() + 20
    extra_rounds = 2
    while extra_rounds:  # recovery: retries come back, the sweeper (sweep_after 0) re-sends the rest
        app.tick(scheduled_event(), LocalLambdaContext("tick"))
        inlet.drain()
        if accepted <= {c["data"]["n"] for c in captured} or time.time() > deadline:
            extra_rounds -= 1  # then a little longer, to catch a duplicate
        time.sleep(0.2)
    return answers, len(plan.calls)


@pytest.mark.parametrize("processing", ["parallel", "sequential"])
def test_each_aws_call_on_ingest_and_delivery_failing_in_turn_loses_and_duplicates_nothing(
        inlet: Inlet, monkeypatch: Any, processing: str) -> None:
    monkeypatch.setenv("INLET_SWEEP_AFTER_SECONDS", "0")
    monkeypatch.setenv("INLET_CLAIM_SECONDS", "1")
    plan = FaultPlan()
    reset_services(faulty_services(plan))
    # A clean run tells how many calls there are
    _, total = run_once(inlet, plan, processing, 0)
    assert total >= 8
    failed_ops = set()
    for fail_at in range(1, total + 1):
        plan.fail_at = fail_at
        plan.failed = None
        before = len(captured)
        answers, _ = run_once(inlet, plan, processing, fail_at)
        delivered = [c["data"]["n"] for c in captured[before:]]
        failed_ops.add(plan.failed)
        for status, n in answers:
            if 200 <= status < 300:
                assert delivered.count(n) == 1, (plan.failed, fail_at, status, n, delivered)
            else:
                assert status >= 400 and delivered.count(n) == 0, (plan.failed, fail_at, status, n)
    # every kind of call on the paths was failed at least once
    assert {"transact_write_items", "send_message", "put_object", "get_item", "update_item"} <= failed_ops
