"""The packaged alternative, offline: `chalice package --merge-template` (through `inlet package`'s
steps) with a region and no credentials, cfn-lint on every template, and what the merged template
must hold. Packaging is slow (pip downloads the requirements), so each stage is packaged once
per session.

The prod package is built from the app plus stand-ins for `receive_mail` and `tick` (which other
branches add; the stand-ins step aside once the real ones exist) and a mail domain, so the SES
rule and the schedule are checked; the dev package is built from the app as it is."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from support import ROOT

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                        "AWS_ENDPOINT_URL")
DATA_SERVICES = ("dynamodb", "s3", "sqs", "ssm", "sns", "ses", "lambda", "kms", "logs")


def _load_copy_project() -> Any:
    import importlib.util
    spec = importlib.util.spec_from_file_location("deploy_conftest", Path(__file__).with_name("conftest.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package(project: Path, stage: str) -> dict[str, Any]:
    """`inlet package --stage <stage>` in a child process, with a region and no credentials."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                "PYTHONPATH": str(ROOT)})
    out = project / "build" / stage
    result = subprocess.run([sys.executable, "-m", "inlet.cli", "package", "--stage", stage, "--project-dir",
                             str(project), "--out", str(out), "--json"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    document = json.loads(result.stdout)
    return {"template": json.loads(Path(document["template"]).read_text()), "path": Path(document["template"]),
            "merge": Path(document["merge_template"]), "functions": document["functions"]}


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    helpers = _load_copy_project()
    future = helpers.copy_project(tmp_path_factory.mktemp("future") / "inlet", with_app=True, stubs=True)
    helpers.set_stage_env(future, "prod", {"INLET_MAIL_DOMAIN": "mail.example.com"})
    plain = helpers.copy_project(tmp_path_factory.mktemp("plain") / "inlet", with_app=True)
    yield {"prod": _package(future, "prod"), "dev": _package(plain, "dev")}


def _cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = "import sys; from cfnlint.runner import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", command, "--format", "parseable", *map(str, paths)],
                          capture_output=True, text=True, timeout=600)


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


# ---- lint ------------------------------------------------------------------------------------


def test_the_infra_template_passes_cfn_lint_without_warnings() -> None:
    result = _cfn_lint(*sorted((ROOT / "infra").glob("*.yaml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_packaged_and_merge_template_passes_cfn_lint(packages: dict[str, dict[str, Any]]) -> None:
    result = _cfn_lint(*[p["path"] for p in packages.values()])
    assert result.returncode == 0, result.stdout + result.stderr  # no errors, no warnings


def test_cfn_lint_does_report_an_error_in_a_template_like_these(packages: dict[str, dict[str, Any]],
                                                              tmp_path: Path) -> None:
    # Given the packaged template with one mistake
    template = json.loads(packages["prod"]["path"].read_text())
    template["Resources"]["LogTable"]["Properties"]["BillingMode"] = "SOMETIMES"
    broken = tmp_path / "sam.json"
    broken.write_text(json.dumps(template))

    # When / Then
    result = _cfn_lint(broken)
    assert result.returncode & 2, result.stdout
    assert "SOMETIMES" in result.stdout


# ---- what the template must hold -----------------------------------------------------------


def test_both_queues_have_dead_letter_queues_of_their_kind(packages: dict[str, dict[str, Any]]) -> None:
    resources = packages["prod"]["template"]["Resources"]
    for queue, fifo in (("ParallelQueue", False), ("SequentialQueue", True)):
        properties = resources[queue]["Properties"]
        assert bool(properties.get("FifoQueue")) is fifo
        dead_letter = properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert resources[dead_letter]["Type"] == "AWS::SQS::Queue"
        assert bool(resources[dead_letter]["Properties"].get("FifoQueue")) is fifo
        assert int(properties["RedrivePolicy"]["maxReceiveCount"]["Ref"] == "MaxReceiveCount")


def test_the_table_has_ttl_point_in_time_recovery_and_encryption(packages: dict[str, dict[str, Any]]) -> None:
    table = packages["prod"]["template"]["Resources"]["LogTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"pending", "lanes"}


def test_the_sqs_event_sources_consume_the_right_queues_and_report_failures(
        packages: dict[str, dict[str, Any]]) -> None:
    template = packages["prod"]["template"]
    resources, parameters = template["Resources"], template["Parameters"]
    visibility = int(parameters["DeliveryVisibilityTimeout"]["Default"])
    for function, queue, queue_name in (("DeliverParallel", "ParallelQueue", "inlet-prod-deliveries"),
                                        ("DeliverSequential", "SequentialQueue", "inlet-prod-deliveries.fifo")):
        resource = resources[function]
        [event] = resource["Properties"]["Events"].values()
        assert event["Type"] == "SQS"
        assert event["Properties"]["Queue"]["Fn::Sub"].endswith(f":{queue_name}")
        assert resources[queue]["Properties"]["QueueName"] == {"Fn::Sub": "${Prefix}-" + queue_name[len("inlet-prod-"):]}
        assert parameters["Prefix"]["Default"] == "inlet-prod"
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert resource["Properties"]["Environment"]["Variables"]["INLET_REPORT_BATCH_FAILURES"] == "true"
        assert queue in resource["DependsOn"]
        # AWS: the queue's visibility timeout at least six times the function's timeout
        assert visibility >= 6 * int(resource["Properties"]["Timeout"])


def test_the_ses_rule_writes_to_s3_before_invoking_the_mail_function(packages: dict[str, dict[str, Any]]) -> None:
    resources = packages["prod"]["template"]["Resources"]
    [rule] = _resources(packages["prod"]["template"], "AWS::SES::ReceiptRule").values()
    actions = rule["Properties"]["Rule"]["Actions"]
    assert [list(a) for a in actions] == [["S3Action"], ["LambdaAction"]]
    assert actions[0]["S3Action"] == {"BucketName": {"Ref": "DataBucket"}, "ObjectKeyPrefix": "inbound/"}
    assert actions[1]["LambdaAction"] == {"FunctionArn": {"Fn::GetAtt": ["ReceiveMail", "Arn"]},
                                          "InvocationType": "Event"}
    assert rule["Properties"]["Rule"]["Recipients"] == ["mail.example.com"]
    assert {"DataBucketPolicy", "MailInvokePermission"} <= set(rule["DependsOn"])
    permission = resources["MailInvokePermission"]["Properties"]
    assert permission["Principal"] == "ses.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    bucket_policy = resources["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert bucket_policy["Principal"] == {"Service": "ses.amazonaws.com"}
    assert bucket_policy["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_a_stage_without_mail_domain_or_function_gets_no_ses_rule(packages: dict[str, dict[str, Any]]) -> None:
    # dev has no INLET_MAIL_DOMAIN in its config
    dev = packages["dev"]["template"]["Resources"]
    assert not [r for r in dev.values() if r["Type"].startswith("AWS::SES::")]
    assert "MailInvokePermission" not in dev
    assert "receive_mail" in packages["prod"]["functions"]


def test_the_schedule_runs_tick_every_minute(packages: dict[str, dict[str, Any]]) -> None:
    tick = packages["prod"]["template"]["Resources"]["Tick"]
    schedules = [e["Properties"]["Schedule"] for e in tick["Properties"]["Events"].values() if e["Type"] == "Schedule"]
    assert schedules == ["rate(1 minute)"]


def test_the_bucket_blocks_public_access_and_expires_what_it_holds(packages: dict[str, dict[str, Any]]) -> None:
    bucket = packages["prod"]["template"]["Resources"]["DataBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["inbound"]["Prefix"] == "inbound/" and rules["inbound"]["ExpirationInDays"] == 2
    assert rules["logs-longest-retention"]["ExpirationInDays"] == 31
    for days in range(1, 31):
        assert rules[f"logs-{days:02d}d"]["ExpirationInDays"] == days + 1


def test_no_role_allows_a_wildcard_action_or_any_resource_on_data(packages: dict[str, dict[str, Any]]) -> None:
    for package in packages.values():
        roles = _resources(package["template"], "AWS::IAM::Role")
        assert roles
        for name, role in roles.items():
            for policy in role["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    if statement["Effect"] != "Allow":
                        continue
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    assert all("*" not in action for action in actions), (name, statement)
                    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                    if any(a.split(":")[0] in DATA_SERVICES for a in actions):
                        assert "*" not in resources, (name, statement)


def test_delivery_functions_alone_may_consume_the_delivery_queues(packages: dict[str, dict[str, Any]]) -> None:
    template = packages["prod"]["template"]
    queues = (":inlet-prod-deliveries", ":inlet-prod-deliveries.fifo")
    for function_name, resource in _resources(template, "AWS::Serverless::Function").items():
        role = template["Resources"][resource["Properties"]["Role"]["Fn::GetAtt"][0]]
        consumes = {a for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
                    if any(r.endswith(queues) for r in s["Resource"]) for a in s["Action"]}
        assert ("sqs:ReceiveMessage" in consumes) is function_name.startswith("Deliver"), function_name
        assert "sqs:SendMessage" in consumes, function_name
