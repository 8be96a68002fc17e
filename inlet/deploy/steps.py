"""`inlet deploy` and `inlet destroy`, step by step. Each step acts only when what exists differs
from what should, and says what it changed; a second deploy reports no changes.

deploy:
 1. infra stack `<app>-<stage>-infra` (`infra/stack.yaml`): created, or updated if it differs;
 2. its outputs into `.chalice/config.json` for the stage, the IAM policy files, and the
    ReportBatchItemFailures order (`batch_reporting`: existing mappings switched on first);
 3. `chalice deploy --stage <stage>` (functions, REST API, SQS mappings, schedules);
 4. ReportBatchItemFailures on new mappings, then INLET_REPORT_BATCH_FAILURES=true;
 5. SES, when the deployed app has `receive_mail` and the stage a mail domain: identity, invoke
    permission, receipt rule (S3 then Lambda) in the active rule set (or Inlet's own, activated);
 6. a summary: webhook base URL, management API URL, MX and TXT records, verification status.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from botocore.exceptions import ClientError

from inlet.deploy.batch_reporting import FLAG, BatchReporting
from inlet.deploy.chalice_runner import ChaliceRunner, DeployedApp
from inlet.deploy.errors import DeployError
from inlet.deploy.infra import InfraStack
from inlet.deploy.mail import MailStatus, SesReceiving, receipt_rule
from inlet.deploy.package import infra_parameters
from inlet.deploy.policy import PolicyTarget, write_policies
from inlet.deploy.stage import DELIVERY_FUNCTIONS, MAIL_FUNCTION, ChaliceConfig, StageNames

LOCAL_MAIL_DOMAIN = "hooks.localhost"  # Settings' default: the local stack's, never a real one


@dataclass(frozen=True)
class DeployOptions:
    project_dir: Path
    stage: str
    region: str
    mail_domain: str | None = None
    alarm_email: str | None = None
    bucket_name: str | None = None


@dataclass
class Report:
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    mail: MailStatus | None = None


class AwsClients:
    """boto3 clients for one account and region, made on first use."""

    def __init__(self, session: Any, region: str) -> None:
        self._session = session
        self.region = region
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self.region)
        return self._clients[service]

    def account(self) -> str:
        return str(self("sts").get_caller_identity()["Account"])


def _template(project_dir: Path) -> str:
    return (project_dir / "infra" / "stack.yaml").read_text()


def _stack_parameter(stack: InfraStack, key: str) -> str | None:
    described = stack.describe()
    for parameter in (described or {}).get("Parameters", []):
        if parameter["ParameterKey"] == key:
            return str(parameter.get("ParameterValue", ""))
    return None


def deploy(options: DeployOptions, aws: AwsClients, chalice: ChaliceRunner,
           say: Callable[[str], None] = print, poll_seconds: float = 5.0) -> Report:
    report = Report()

    def changed(lines: list[str]) -> None:
        for line in lines:
            say(f"  changed: {line}")
        report.changes.extend(lines)

    config = ChaliceConfig(options.project_dir)
    names = config.names(options.stage)
    account = aws.account()
    say(f"Deploying Inlet stage {names.stage} to account {account}, region {aws.region}")

    # 1. The infra stack. The bucket name and alarm address keep their deployed values unless given.
    stack = InfraStack(aws("cloudformation"), names.stack_name, _template(options.project_dir),
                       poll_seconds=poll_seconds)
    parameters = infra_parameters(config, names)
    for key, given in (("BucketName", options.bucket_name), ("AlarmEmail", options.alarm_email)):
        parameters[key] = given if given is not None else (_stack_parameter(stack, key) or "")
    say(f"[1/5] infra stack {stack.name}")
    status, outputs = stack.ensure(parameters)
    report.outputs = outputs
    if status != "unchanged":
        changed([f"infra stack {stack.name} {status}"])

    # 2. Outputs into the Chalice config, the policies, and the batch-reporting order.
    say("[2/5] .chalice/config.json and IAM policies")
    reporting = BatchReporting(aws("lambda"), names, {"deliver_parallel": outputs["ParallelQueueArn"],
                                                      "deliver_sequential": outputs["SequentialQueueArn"]})
    changed(reporting.switch_on())
    ready = reporting.all_reporting()
    config.set_stage_env(names.stage, names.stage_env(outputs["BucketName"]))
    if options.mail_domain:
        config.set_stage_env(names.stage, {"INLET_MAIL_DOMAIN": options.mail_domain.lower()})
    for function in DELIVERY_FUNCTIONS:
        current = config.function_env(names.stage, function).get(FLAG)
        # Never true before the mappings report: keep a true that is already deployed and safe.
        config.set_function_env(names.stage, function, {FLAG: "true" if ready else "false"})
        if current == "true" and not ready:
            report.notes.append(f"{FLAG} held at false for this deploy until the SQS mappings report failures")
    config.set_policies(names)
    if config.save():
        changed([f"{config.path.name}: stage {names.stage} set from the infra stack"])
    target = PolicyTarget(names, outputs["BucketName"], region=aws.region, account=account)
    changed([f".chalice/{name} written" for name in write_policies(config.path.parent, target)])

    # 3. Chalice.
    say(f"[3/5] chalice deploy --stage {names.stage}")
    chalice.deploy(options.project_dir, names.stage)
    deployed = DeployedApp.load(options.project_dir, names.stage)
    missing = [f for f in DELIVERY_FUNCTIONS if f not in deployed.functions]
    if missing:
        raise DeployError(f"chalice deploy did not record {', '.join(missing)} in .chalice/deployed/{names.stage}.json")

    # 4. Partial batch responses.
    say("[4/5] ReportBatchItemFailures on the SQS event source mappings")
    changed(reporting.switch_on())
    if not reporting.all_reporting():
        raise DeployError("the delivery functions' SQS mappings are missing after chalice deploy")
    if not ready:
        config = ChaliceConfig(options.project_dir)
        for function in DELIVERY_FUNCTIONS:
            config.set_function_env(names.stage, function, {FLAG: "true"})
        config.save()
        changed(reporting.set_flag(True))

    # 5. Mail.
    say("[5/5] SES receiving for mailhooks")
    domain = config.stage_env(names.stage).get("INLET_MAIL_DOMAIN", "")
    if MAIL_FUNCTION not in deployed.functions:
        report.notes.append(f"mail skipped: the app has no `{MAIL_FUNCTION}` function (webhooks only)")
    elif not domain or domain == LOCAL_MAIL_DOMAIN:
        report.notes.append("mail skipped: no mail domain for this stage (pass --mail-domain mail.example.com)")
    else:
        try:
            report.mail = _mail(aws, names, account, domain, outputs["BucketName"],
                                deployed.functions[MAIL_FUNCTION], changed)
        except ClientError as error:  # e.g. a region where SES does not receive mail
            report.notes.append(f"mail not set up: {error} (is {aws.region} a region where SES receives mail?)")

    for note in report.notes:
        say(f"  note: {note}")
    report.summary = _summary(names, aws.region, deployed, outputs, report.mail, parameters["AlarmEmail"])
    say("\n".join(["", *report.summary]))
    if not report.changes:
        say("Nothing changed: the deployment already matched.")
    return report


def _mail(aws: AwsClients, names: StageNames, account: str, domain: str, bucket: str, function_arn: str,
          changed: Callable[[list[str]], None]) -> MailStatus:
    ses = SesReceiving(aws("ses"), aws("lambda"), names, aws.region, account,
                       partition=function_arn.split(":")[1])
    changed(ses.ensure_identity(domain))
    rule_set, created = ses.choose_rule_set()
    changed(created)
    # SES checks that it may write to the bucket and invoke the function when the rule is saved.
    changed(ses.ensure_permission(function_arn.rsplit(":", 1)[-1], rule_set))
    changed(ses.ensure_rule(rule_set, receipt_rule(names, domain, bucket, function_arn)))
    changed(ses.activate(rule_set))
    return ses.status(domain, rule_set)


def _summary(names: StageNames, region: str, deployed: DeployedApp, outputs: dict[str, str],
             mail: MailStatus | None, alarm_email: str) -> list[str]:
    api = deployed.rest_api_url.rstrip("/")
    lines = [f"Inlet stage {names.stage} is deployed in {region}.",
             f"  webhook base URL : {api}/hooks/<token>",
             f"  management API   : export INLET_API_URL={api}   (IAM-signed; the inlet CLI signs with your AWS credentials)",
             f"  alarms           : {outputs.get('AlarmTopicArn', '')}"
             + (f" → {alarm_email}" if alarm_email else "  (subscribe with --alarm-email you@example.com)")]
    if mail is None:
        lines.append("  mail             : not set up (see the notes above)")
        return lines
    lines += [f"  mail domain      : {mail.domain} — SES verification: {mail.verification}",
              f"  mailhooks        : <token>@{mail.domain}   (receipt rule set: {mail.rule_set})",
              "  DNS records to add:",
              f"    {mail.domain}  MX   {mail.mx}"]
    if mail.verification != "Success":
        lines.append(f"    {mail.txt_name}  TXT  \"{mail.txt_value}\"")
    return lines


# ---- destroy -------------------------------------------------------------------------------


def destroy(options: DeployOptions, aws: AwsClients, chalice: ChaliceRunner, keep_data: bool,
            say: Callable[[str], None] = print, poll_seconds: float = 5.0) -> Report:
    """Remove the stage: SES rule, Chalice's resources, the infra stack; then the table, the
    bucket and the functions' log groups, unless `keep_data`."""
    report = Report()
    config = ChaliceConfig(options.project_dir)
    names = config.names(options.stage)
    account = aws.account()
    say(f"Destroying Inlet stage {names.stage} in account {account}, region {aws.region}")
    ses = SesReceiving(aws("ses"), aws("lambda"), names, aws.region, account)
    try:
        report.changes += ses.remove_rule()
    except ClientError as error:
        report.notes.append(f"SES receipt rules not checked: {error}")
    deployed = DeployedApp.load(options.project_dir, names.stage)
    if deployed.functions:
        chalice.delete(options.project_dir, names.stage)
        report.changes.append(f"chalice delete --stage {names.stage}")
    stack = InfraStack(aws("cloudformation"), names.stack_name, _template(options.project_dir),
                       poll_seconds=poll_seconds)
    outputs = stack.outputs() if stack.describe() is not None else {}
    if stack.delete():
        report.changes.append(f"infra stack {stack.name} deleted (queues, alarms, topic)")
    table = outputs.get("TableName", names.table)
    bucket = outputs.get("BucketName")
    if keep_data:
        report.notes.append(f"kept: table {table}" + (f", bucket {bucket}" if bucket else "")
                            + "; delete them (or import them into a new stack) before deploying this stage again")
    else:
        report.changes += _delete_table(aws("dynamodb"), table)
        if bucket:
            report.changes += _delete_bucket(aws("s3"), bucket)
        report.changes += _delete_log_groups(aws("logs"), [names.function_name(f) for f in deployed.functions])
    for line in report.changes:
        say(f"  removed: {line}")
    for note in report.notes:
        say(f"  note: {note}")
    return report


def _delete_table(dynamodb: Any, table: str) -> list[str]:
    try:
        dynamodb.delete_table(TableName=table)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise
    return [f"table {table} deleted"]


def _delete_bucket(s3: Any, bucket: str) -> list[str]:
    try:
        count = 0
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            keys = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            for start in range(0, len(keys), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start:start + 1000], "Quiet": True})
            count += len(keys)
        s3.delete_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return []
        raise
    return [f"bucket {bucket} emptied ({count} objects) and deleted"]


def _delete_log_groups(logs: Any, function_names: list[str]) -> list[str]:
    removed = []
    for name in function_names:
        try:
            logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
            removed.append(f"log group /aws/lambda/{name} deleted")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
    return removed
