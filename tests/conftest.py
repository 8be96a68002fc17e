"""Shared fixtures: a fake AWS environment, moto with the infra template deployed, and
services built on either moto or the in-memory twins."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
    "INLET_HOOK_CACHE_SECONDS": "0",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

from support import ROOT, FakeClock  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def moto_aws() -> Iterator[dict[str, str]]:
    """moto in-process with `infra/stack.yaml` deployed; yields the stack outputs."""
    from moto import mock_aws

    with mock_aws():
        import boto3
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(StackName="inlet-test", TemplateBody=(ROOT / "infra" / "stack.yaml").read_text(),
                                    Parameters=[{"ParameterKey": "BucketName", "ParameterValue": "inlet-data"}])
        stack = cloudformation.describe_stacks(StackName="inlet-test")["Stacks"][0]
        yield {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


@pytest.fixture(autouse=True)
def item_ids_follow_real_time() -> Iterator[None]:
    """Item ids are monotonic within a process, so a test on a fake clock in the future would
    push every later test's ids into the future (and out of time-range queries): forget it."""
    yield
    from chalicelib import ids
    ids._last[:] = [0, 0]
