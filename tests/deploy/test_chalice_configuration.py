"""Chalice's own checks on every stage of `.chalice/config.json` (what `chalice deploy` would
refuse), and the written IAM policies: every action named, only the stage's resources."""
from __future__ import annotations

import json
import os
from typing import Any, Iterator

import pytest

from inlet.deploy.policy import PolicyTarget, delivery_policy, shared_policy
from inlet.deploy.stage import DELIVERY_FUNCTIONS, ChaliceConfig, StageNames
from support import ROOT

STAGES = sorted(json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"])


@pytest.fixture
def preserved_environment() -> Iterator[None]:
    """Chalice puts the stage's environment into os.environ when it loads the app."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("stage", STAGES)
def test_chalice_validates_the_configuration_of_every_stage(stage: str, preserved_environment: None) -> None:
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_configuration

    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=stage)

    validate_configuration(config)  # raises on anything `chalice deploy` would refuse
    assert config.autogen_policy is False
    assert (ROOT / ".chalice" / config.iam_policy_file).exists()
    for function in DELIVERY_FUNCTIONS:
        scoped = config.scope(stage, function)
        assert scoped.iam_policy_file == f"policy-{stage}-delivery.json"
        assert scoped.environment_variables["INLET_PARALLEL_QUEUE"] == f"inlet-{stage}-deliveries"


@pytest.mark.parametrize("stage", STAGES)
def test_the_written_policies_name_every_action_and_only_the_stage_resources(stage: str) -> None:
    names = ChaliceConfig(ROOT).names(stage)
    for file_name in (names.policy_file, names.delivery_policy_file):
        policy = json.loads((ROOT / ".chalice" / file_name).read_text())
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), statement
            for resource in statement["Resource"]:
                assert resource != "*"
                assert names.prefix in resource, resource


def test_only_the_delivery_policy_consumes_the_queues() -> None:
    target = PolicyTarget(StageNames("inlet", "prod"), "inlet-prod-data-1-us-east-1", "us-east-1", "123456789012")

    def actions(policy: dict[str, Any]) -> set[str]:
        return {a for s in policy["Statement"] for a in s["Action"]}

    consume = delivery_policy(target)["Statement"][-1]
    assert consume["Action"] == ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"]
    assert not any(s["Action"] == consume["Action"] for s in shared_policy(target)["Statement"])
    assert actions(delivery_policy(target)) >= actions(shared_policy(target))
    assert "arn:aws:sqs:us-east-1:123456789012:inlet-prod-deliveries.fifo" in json.dumps(shared_policy(target))


def test_stage_names_follow_chalice_function_naming() -> None:
    names = StageNames("inlet", "prod")
    assert names.function_name("api_handler") == "inlet-prod"
    assert names.function_name("deliver_parallel") == "inlet-prod-deliver_parallel"
    assert names.stack_name == "inlet-prod-infra"
    with pytest.raises(ValueError):
        StageNames("inlet", "Prod_1")
