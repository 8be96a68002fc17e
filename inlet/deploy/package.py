"""The packaged alternative: one CloudFormation template with everything.

`inlet package --stage prod` writes `infra/build/merge-<stage>.json` and runs
`chalice package --merge-template infra/build/merge-<stage>.json <out>`. The merge template is
`infra/stack.yaml` (its parameters defaulted for the stage) plus what Chalice cannot express:
ReportBatchItemFailures on both SQS event sources (with INLET_REPORT_BATCH_FAILURES=true on the
delivery functions), the delivery functions depending on their queues, the data bucket's name
in every function's environment and, when the app has `receive_mail` and the stage a mail
domain, the SES domain identity, receipt rule (S3 action, then Lambda action) and invoke
permission. It is generated because what it holds depends on the app's functions.

Chalice deep-merges it into its own template: only new keys and plain values are set here,
never an intrinsic function over one of Chalice's.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from inlet.deploy.batch_reporting import FLAG, REPORT
from inlet.deploy.errors import DeployError
from inlet.deploy.mail import INBOUND_PREFIX, OWN_RULE_SET
from inlet.deploy.stage import DELIVERY_FUNCTIONS, MAIL_FUNCTION, ChaliceConfig, StageNames

QUEUE_OF = {"deliver_parallel": "ParallelQueue", "deliver_sequential": "SequentialQueue"}
VISIBILITY_FACTOR = 6  # AWS: a queue's visibility timeout at least 6× its function's timeout


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (`!Ref`, `!Sub`, …) read as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 (safe loader subclass)
    return loaded


def cfn_name(function: str) -> str:
    """Chalice's logical id for a function: `deliver_parallel` → `DeliverParallel`; the API
    handler is `APIHandler`."""
    if function == "api_handler":
        return "APIHandler"
    from chalice.utils import to_cfn_resource_name
    return str(to_cfn_resource_name(function))


@dataclass(frozen=True)
class AppShape:
    """The app's Lambda functions by Chalice name (`api_handler` when it has routes)."""

    functions: list[str] = field(default_factory=list)

    @property
    def has_mail(self) -> bool:
        return MAIL_FUNCTION in self.functions


INTROSPECT = """
import json, app
a = app.app
names = {f.name for f in a.pure_lambda_functions} | {e.name for e in a.event_sources}
if a.routes:
    names.add("api_handler")
print(json.dumps(sorted(names)))
"""


def app_shape(project_dir: Path, env: dict[str, str]) -> AppShape:
    """Import the app in a child process with the stage's environment and list its functions."""
    result = subprocess.run([sys.executable, "-c", INTROSPECT], cwd=project_dir, capture_output=True, text=True,
                            env={**os.environ, **env, "PYTHONPATH": str(project_dir)})
    if result.returncode != 0:
        raise DeployError(f"could not import app.py: {result.stderr.strip()[-2000:]}")
    return AppShape(json.loads(result.stdout.strip().splitlines()[-1]))


def visibility_timeout(config: ChaliceConfig, stage: str) -> int:
    return VISIBILITY_FACTOR * max(config.lambda_timeout(stage, f) for f in DELIVERY_FUNCTIONS)


def infra_parameters(config: ChaliceConfig, names: StageNames) -> dict[str, str]:
    """The infra stack's parameters for a stage (the bucket name and alarm address come later)."""
    return {"Prefix": names.prefix, "DeliveryVisibilityTimeout": str(visibility_timeout(config, names.stage)),
            "ApiName": config.app_name, "ApiStage": config.api_gateway_stage(names.stage),
            "ApiFunctionName": names.function_name("api_handler")}


def merge_template(infra: dict[str, Any], config: ChaliceConfig, names: StageNames, shape: AppShape,
                   mail_domain: str | None) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(json.dumps(infra))  # a deep copy
    template.pop("AWSTemplateFormatVersion", None)
    template.pop("Description", None)
    for key, value in infra_parameters(config, names).items():
        template["Parameters"][key]["Default"] = value
    resources = template["Resources"]
    for function in shape.functions:
        variables: dict[str, Any] = {**names.stage_env(""), "INLET_BUCKET": {"Ref": "DataBucket"}}
        patch: dict[str, Any] = {"Properties": {"Environment": {"Variables": variables}}}
        if function in QUEUE_OF:
            variables[FLAG] = "true"
            patch["DependsOn"] = [QUEUE_OF[function]]
            patch["Properties"]["Events"] = {f"{cfn_name(function)}SqsEventSource": {
                "Properties": {"FunctionResponseTypes": [REPORT]}}}
        resources[cfn_name(function)] = patch
    if shape.has_mail and mail_domain:
        _add_mail(template, names, mail_domain)
    return template


def _add_mail(template: dict[str, Any], names: StageNames, domain: str) -> None:
    parameters, conditions = template["Parameters"], template.setdefault("Conditions", {})
    parameters["ReceiptRuleSetName"] = {
        "Type": "String", "Default": OWN_RULE_SET,
        "Description": "The receipt rule set to add Inlet's rule to: your active one, or a new one."}
    parameters["CreateReceiptRuleSet"] = {
        "Type": "String", "Default": "true", "AllowedValues": ["true", "false"],
        "Description": "false when ReceiptRuleSetName is a set that already exists (e.g. your active one)."}
    parameters["CreateMailIdentity"] = {
        "Type": "String", "Default": "true", "AllowedValues": ["true", "false"],
        "Description": "false when the mail domain is already an SES identity in this region."}
    conditions["CreateReceiptRuleSet"] = {"Fn::Equals": [{"Ref": "CreateReceiptRuleSet"}, "true"]}
    conditions["CreateMailIdentity"] = {"Fn::Equals": [{"Ref": "CreateMailIdentity"}, "true"]}
    rule_set = {"Fn::If": ["CreateReceiptRuleSet", {"Ref": "ReceiptRuleSet"}, {"Ref": "ReceiptRuleSetName"}]}
    function = cfn_name(MAIL_FUNCTION)
    resources = template["Resources"]
    resources["MailIdentity"] = {"Type": "AWS::SES::EmailIdentity", "Condition": "CreateMailIdentity",
                                 "Properties": {"EmailIdentity": domain}}
    resources["ReceiptRuleSet"] = {"Type": "AWS::SES::ReceiptRuleSet", "Condition": "CreateReceiptRuleSet",
                                   "Properties": {"RuleSetName": {"Ref": "ReceiptRuleSetName"}}}
    resources["MailInvokePermission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": function}, "Principal": "ses.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/"
                                 "${ReceiptRuleSetName}:receipt-rule/" + names.receipt_rule}}}
    resources["MailReceiptRule"] = {
        "Type": "AWS::SES::ReceiptRule", "DependsOn": ["DataBucketPolicy", "MailInvokePermission"],
        "Properties": {"RuleSetName": rule_set, "Rule": {
            "Name": names.receipt_rule, "Enabled": True, "TlsPolicy": "Optional", "ScanEnabled": True,
            "Recipients": [domain],
            "Actions": [{"S3Action": {"BucketName": {"Ref": "DataBucket"}, "ObjectKeyPrefix": INBOUND_PREFIX}},
                        {"LambdaAction": {"FunctionArn": {"Fn::GetAtt": [function, "Arn"]},
                                          "InvocationType": "Event"}}]}}}
    template["Outputs"]["MailDomain"] = {"Value": domain}
    template["Outputs"]["MxRecord"] = {"Description": f"Add this MX record to {domain}",
                                       "Value": {"Fn::Sub": "10 inbound-smtp.${AWS::Region}.amazonaws.com"}}
    template["Outputs"]["ReceiptRuleSet"] = {
        "Description": "Activate it if no rule set is active: aws ses set-active-receipt-rule-set --rule-set-name …",
        "Value": rule_set}


def check_queue_names(env: dict[str, str], names: StageNames) -> None:
    """Chalice builds each SQS event source's ARN from the queue name in the stage's environment
    when it imports app.py; those names must be the ones the infra stack creates."""
    for key, wanted in (("INLET_PARALLEL_QUEUE", names.parallel_queue),
                        ("INLET_SEQUENTIAL_QUEUE", names.sequential_queue)):
        if env.get(key) != wanted:
            raise DeployError(f"stage {names.stage}: {key} is {env.get(key)!r} in .chalice/config.json, "
                              f"but the infra stack names that queue {wanted!r}; set it (inlet deploy does)")


def write_merge_template(project_dir: Path, stage: str, shape: AppShape | None = None) -> tuple[Path, AppShape]:
    config = ChaliceConfig(project_dir)
    names = config.names(stage)
    env = config.stage_env(stage)
    shape = shape or app_shape(project_dir, env)
    check_queue_names(env, names)
    domain = env.get("INLET_MAIL_DOMAIN") or None
    template = merge_template(load_template(project_dir / "infra" / "stack.yaml"), config, names, shape, domain)
    path = project_dir / "infra" / "build" / f"merge-{stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=2) + "\n")
    return path, shape
