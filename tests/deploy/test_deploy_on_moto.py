"""`inlet deploy` and `inlet destroy` against moto, with `chalice deploy` recorded: the infra
stack, the outputs in `.chalice/config.json`, the policies, ReportBatchItemFailures, the SES
identity, rule set, rule and invoke permission; a second run changes nothing."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from inlet.deploy.steps import DeployOptions, deploy, destroy

PROD = "prod"


def options(project: Path, **overrides: Any) -> DeployOptions:
    return DeployOptions(**{"project_dir": project, "stage": PROD, "region": "us-east-1", **overrides})


def quiet(line: str) -> None:
    pass


def stage_config(project: Path, stage: str = PROD) -> dict[str, Any]:
    return json.loads((project / ".chalice" / "config.json").read_text())["stages"][stage]  # type: ignore[no-any-return]


def snapshot(project: Path) -> dict[str, Any]:
    """Everything a deploy may change, as it stands."""
    lam, ses = boto3.client("lambda", region_name="us-east-1"), boto3.client("ses", region_name="us-east-1")
    cf = boto3.client("cloudformation", region_name="us-east-1")
    stack = cf.describe_stacks(StackName="inlet-prod-infra")["Stacks"][0]
    return {
        "files": {p.name: p.read_text() for p in sorted((project / ".chalice").glob("*.json"))},
        "stack": (stack["StackStatus"], stack.get("LastUpdatedTime"), stack["Parameters"]),
        "mappings": sorted((m["UUID"], m["EventSourceArn"], tuple(m.get("FunctionResponseTypes") or []))
                           for m in lam.list_event_source_mappings()["EventSourceMappings"]),
        "env": {f["FunctionName"]: f.get("Environment") for f in lam.list_functions()["Functions"]},
        "rules": {s["Name"]: ses.describe_receipt_rule_set(RuleSetName=s["Name"])["Rules"]
                  for s in ses.list_receipt_rule_sets()["RuleSets"]},
        "active": ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name"),
        "permission": lam.get_policy(FunctionName="inlet-prod-receive_mail")["Policy"],
        "identities": ses.list_identities()["Identities"],
    }


def test_deploy_creates_the_stack_writes_its_outputs_and_does_what_chalice_cannot(aws: Any, project: Path,
                                                                                 chalice: Any) -> None:
    # Given a fresh account and a mail domain
    # When
    report = deploy(options(project, mail_domain="Mail.Example.com", alarm_email="ops@example.com"),
                    aws, chalice, say=quiet)

    # Then the infra stack exists with the stage's names, the visibility derived from the timeouts
    outputs = report.outputs
    assert outputs["TableName"] == "inlet-prod"
    assert outputs["BucketName"] == "inlet-prod-data-123456789012-us-east-1"
    assert outputs["SequentialQueueName"] == "inlet-prod-deliveries.fifo"
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["ParallelQueueUrl"], AttributeNames=["All"])["Attributes"]
    assert int(attributes["VisibilityTimeout"]) == 6 * 60
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(":inlet-prod-deliveries-dlq")

    # … its outputs are in the stage's config, which chalice deploy saw
    env = stage_config(project)["environment_variables"]
    assert env["INLET_TABLE"] == "inlet-prod" and env["INLET_BUCKET"] == outputs["BucketName"]
    assert env["INLET_PARALLEL_QUEUE"] == "inlet-prod-deliveries"
    assert env["INLET_MAIL_DOMAIN"] == "mail.example.com"
    assert env["POWERTOOLS_SERVICE_NAME"] == "inlet-prod"
    assert [call[0] for call in chalice.calls] == ["deploy"]
    assert chalice.calls[0][2]["stages"][PROD]["environment_variables"]["INLET_BUCKET"] == outputs["BucketName"]

    # … the policies are pinned to this account and region
    policy = (project / ".chalice" / "policy-prod.json").read_text()
    assert "arn:aws:dynamodb:us-east-1:123456789012:table/inlet-prod" in policy
    assert "arn:aws:s3:::inlet-prod-data-123456789012-us-east-1/*" in policy

    # … both SQS mappings report batch item failures, and only then do the functions rely on it
    lam = boto3.client("lambda", region_name="us-east-1")
    for function, queue in (("deliver_parallel", "inlet-prod-deliveries"),
                            ("deliver_sequential", "inlet-prod-deliveries.fifo")):
        mappings = lam.list_event_source_mappings(FunctionName=f"inlet-prod-{function}")["EventSourceMappings"]
        assert [m["EventSourceArn"].rsplit(":", 1)[1] for m in mappings] == [queue]
        assert mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        variables = lam.get_function_configuration(FunctionName=f"inlet-prod-{function}")["Environment"]["Variables"]
        assert variables["INLET_REPORT_BATCH_FAILURES"] == "true"
        assert stage_config(project)["lambda_functions"][function]["environment_variables"] == {
            "INLET_REPORT_BATCH_FAILURES": "true"}
    first_deploy = chalice.calls[0][2]["stages"][PROD]["lambda_functions"]["deliver_parallel"]
    assert first_deploy["environment_variables"]["INLET_REPORT_BATCH_FAILURES"] == "false"

    # … SES receives for the domain: S3 (inbound/) then Lambda, in a rule set that is active
    ses = boto3.client("ses", region_name="us-east-1")
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "inlet-rules"
    [rule] = ses.describe_receipt_rule_set(RuleSetName="inlet-rules")["Rules"]
    assert rule["Name"] == "inlet-prod-mail" and rule["Recipients"] == ["mail.example.com"]
    assert [list(action) for action in rule["Actions"]] == [["S3Action"], ["LambdaAction"]]
    assert rule["Actions"][0]["S3Action"] == {"BucketName": outputs["BucketName"], "ObjectKeyPrefix": "inbound/"}
    assert rule["Actions"][1]["LambdaAction"]["FunctionArn"].endswith(":function:inlet-prod-receive_mail")
    assert rule["Actions"][1]["LambdaAction"]["InvocationType"] == "Event"
    [statement] = json.loads(lam.get_policy(FunctionName="inlet-prod-receive_mail")["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(
        ":receipt-rule-set/inlet-rules:receipt-rule/inlet-prod-mail")
    assert "mail.example.com" in ses.list_identities()["Identities"]

    # … and the summary names the URLs and the DNS records
    text = "\n".join(report.summary)
    assert "https://abc123.execute-api.us-east-1.amazonaws.com/prod/hooks/<token>" in text
    assert "INLET_API_URL=https://abc123.execute-api.us-east-1.amazonaws.com/prod" in text
    assert "MX   10 inbound-smtp.us-east-1.amazonaws.com" in text
    assert report.mail is not None and report.mail.verification in text


def test_a_second_deploy_changes_nothing(aws: Any, project: Path, chalice: Any) -> None:
    # Given a deployed stage
    deploy(options(project, mail_domain="mail.example.com", alarm_email="ops@example.com"), aws, chalice, say=quiet)
    before = snapshot(project)

    # When it is deployed again, without repeating the options
    lines: list[str] = []
    report = deploy(options(project), aws, chalice, say=lines.append)

    # Then
    assert report.changes == []
    assert snapshot(project) == before
    assert "Nothing changed: the deployment already matched." in lines
    assert [call[0] for call in chalice.calls] == ["deploy", "deploy"]
    second = chalice.calls[1][2]["stages"][PROD]["lambda_functions"]["deliver_sequential"]
    assert second["environment_variables"]["INLET_REPORT_BATCH_FAILURES"] == "true"


def test_the_rule_joins_an_active_rule_set_without_touching_its_rules(aws: Any, project: Path, chalice: Any) -> None:
    # Given an account whose active rule set already holds a rule
    ses = boto3.client("ses", region_name="us-east-1")
    ses.create_receipt_rule_set(RuleSetName="company")
    ses.create_receipt_rule(RuleSetName="company", Rule={"Name": "support", "Enabled": True,
                                                         "Recipients": ["support@example.com"]})
    ses.set_active_receipt_rule_set(RuleSetName="company")

    # When
    deploy(options(project, mail_domain="mail.example.com"), aws, chalice, say=quiet)

    # Then Inlet's rule comes after it, and that set stays the active one
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "company"
    rules = ses.describe_receipt_rule_set(RuleSetName="company")["Rules"]
    assert [r["Name"] for r in rules] == ["support", "inlet-prod-mail"]
    assert rules[0]["Recipients"] == ["support@example.com"]
    assert [s["Name"] for s in ses.list_receipt_rule_sets()["RuleSets"]] == ["company"]


def test_mail_is_skipped_with_a_reason_when_the_app_has_no_mail_function(aws: Any, project: Path,
                                                                        webhooks_only_chalice: Any) -> None:
    report = deploy(options(project, mail_domain="mail.example.com"), aws, webhooks_only_chalice, say=quiet)

    assert any("mail skipped: the app has no `receive_mail` function" in note for note in report.notes)
    assert boto3.client("ses", region_name="us-east-1").list_receipt_rule_sets()["RuleSets"] == []
    assert "mail             : not set up" in "\n".join(report.summary)


def test_mail_is_skipped_with_a_reason_when_no_domain_is_configured(aws: Any, project: Path, chalice: Any) -> None:
    report = deploy(options(project), aws, chalice, say=quiet)

    assert any("mail skipped: no mail domain" in note for note in report.notes)
    assert boto3.client("ses", region_name="us-east-1").list_receipt_rule_sets()["RuleSets"] == []


def test_destroy_keeps_the_table_and_bucket_only_when_asked(aws: Any, project: Path, chalice: Any) -> None:
    # Given a deployed stage with an object in its bucket
    outputs = deploy(options(project, mail_domain="mail.example.com"), aws, chalice, say=quiet).outputs
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=outputs["BucketName"], Key="logs/03d/h/i/raw", Body=b"x")

    # When it is destroyed keeping data
    report = destroy(options(project), aws, chalice, keep_data=True, say=quiet)

    # Then the stack, the functions and Inlet's rule set are gone; the table and bucket stay
    cf = boto3.client("cloudformation", region_name="us-east-1")
    assert all(s["StackName"] != "inlet-prod-infra" or s["StackStatus"] == "DELETE_COMPLETE"
               for s in cf.list_stacks()["StackSummaries"])
    assert boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"] == []
    ses = boto3.client("ses", region_name="us-east-1")
    assert ses.list_receipt_rule_sets()["RuleSets"] == []
    assert "Metadata" not in ses.describe_active_receipt_rule_set()
    assert boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"] == ["inlet-prod"]
    assert s3.list_objects_v2(Bucket=outputs["BucketName"])["KeyCount"] == 1
    assert any("kept: table inlet-prod" in note for note in report.notes)

    # When the stage is deployed again after deleting the kept data, then destroyed without keeping it
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName="inlet-prod")
    s3.delete_object(Bucket=outputs["BucketName"], Key="logs/03d/h/i/raw")
    s3.delete_bucket(Bucket=outputs["BucketName"])
    deploy(options(project), aws, chalice, say=quiet)
    s3.put_object(Bucket=outputs["BucketName"], Key="inbound/abc", Body=b"x")
    destroy(options(project), aws, chalice, keep_data=False, say=quiet)

    # Then nothing is left
    assert boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"] == []
    assert s3.list_buckets()["Buckets"] == []
    assert [c[0] for c in chalice.calls] == ["deploy", "delete", "deploy", "delete"]


def test_a_mapping_that_lost_batch_reporting_is_switched_on_before_chalice_deploys(aws: Any, project: Path,
                                                                                  chalice: Any) -> None:
    # Given a deployed stage whose parallel mapping no longer reports failures
    deploy(options(project), aws, chalice, say=quiet)
    lam = boto3.client("lambda", region_name="us-east-1")
    [mapping] = lam.list_event_source_mappings(FunctionName="inlet-prod-deliver_parallel")["EventSourceMappings"]
    lam.update_event_source_mapping(UUID=mapping["UUID"], FunctionResponseTypes=[])

    # When
    report = deploy(options(project), aws, chalice, say=quiet)

    # Then it is on again, and the functions never ran against a mapping that ignores their answer
    assert report.changes == ["ReportBatchItemFailures switched on for deliver_parallel ← inlet-prod-deliveries"]
    [mapping] = lam.list_event_source_mappings(FunctionName="inlet-prod-deliver_parallel")["EventSourceMappings"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    second = chalice.calls[1][2]["stages"][PROD]["lambda_functions"]["deliver_parallel"]
    assert second["environment_variables"]["INLET_REPORT_BATCH_FAILURES"] == "true"
